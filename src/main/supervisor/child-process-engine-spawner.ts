// SpawnEngine over `child_process.fork` with the running Node: the engine the tests and the UI
// tests' controller drive. Environment scrubbed of DATABRICKS_* secrets, stderr forwarded line by
// line to the request's log, JSON IPC channel. Does not know what the engine is asked to do.
import { fork } from 'node:child_process';
import { EngineConnection, scrubEnvironment } from '../../shared/engine-connection';
import { ENGINE_ENTRY, engineArgs, forwardLines, NODE_TIMERS, type EngineProcess, type SpawnEngine } from './engine-spawner';

/** A SpawnEngine forking `entry` (default the compiled engine) with `env` (default this process's). */
export function childProcessEngineSpawner(options: { entry?: string; env?: NodeJS.ProcessEnv } = {}): SpawnEngine {
  return async (request) => {
    const child = fork(options.entry ?? ENGINE_ENTRY, engineArgs(request), {
      env: scrubEnvironment(options.env ?? process.env),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    forwardLines(child.stderr!, (line) => request.log(line));
    const connection = new EngineConnection(
      { send: (message, failed) => child.send(message, (error) => error && failed(error)), connected: () => child.connected },
      NODE_TIMERS,
    );
    child.on('message', (message) => connection.receive(message));
    child.on('exit', (code, signal) => connection.close({ code, signal }));
    child.on('error', () => undefined);
    const engine: EngineProcess = {
      pid: child.pid ?? 0,
      connection,
      kill: (signal) => {
        if (connection.exitStatus === undefined) child.kill(signal);
      },
    };
    return engine;
  };
}
