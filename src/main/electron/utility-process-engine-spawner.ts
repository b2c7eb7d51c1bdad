// SpawnEngine for the app: Electron's `utilityProcess.fork` of the compiled engine (a Node process
// Electron manages, so a native crash in FUSE cannot take the tray down). Its channel is
// `process.parentPort` on the engine's side; stderr is forwarded line by line to the request's log,
// as is a V8 fatal-error report (which would otherwise throw in main); the environment is scrubbed
// of DATABRICKS_* secrets. Sends nothing itself.
import { utilityProcess } from 'electron';
import { EngineConnection, scrubEnvironment } from '../../shared/engine-connection';
import { ENGINE_ENTRY, engineArgs, forwardLines, NODE_TIMERS, type EngineProcess, type SpawnEngine } from '../supervisor/engine-spawner';

/** A SpawnEngine over utilityProcess. */
export function utilityProcessEngineSpawner(): SpawnEngine {
  return async (request) => {
    const child = utilityProcess.fork(ENGINE_ENTRY, engineArgs(request), {
      env: scrubEnvironment({ ...process.env }),
      stdio: ['ignore', 'ignore', 'pipe'],
      serviceName: 'wsfs engine',
    });
    if (child.stderr !== null) forwardLines(child.stderr, (line) => request.log(line));
    // Emitted on a V8 fatal error (e.g. out of memory) before 'exit'; unhandled, it would throw in main.
    child.on('error', (type: string, location: string) => request.log(`engine ${type} at ${location}`));
    let alive = true;
    const connection = new EngineConnection(
      {
        send: (message, failed) => {
          try {
            child.postMessage(message);
          } catch (error) {
            failed(error as Error);
          }
        },
        connected: () => alive,
      },
      NODE_TIMERS,
    );
    child.on('message', (message: unknown) => connection.receive(message));
    child.on('exit', (code: number) => {
      alive = false;
      // utilityProcess reports only a code; a kill by signal shows up as a non-zero code.
      connection.close({ code, signal: null });
    });
    const engine: EngineProcess = {
      get pid() {
        return child.pid ?? 0;
      },
      connection,
      kill: (signal) => {
        if (!alive) return;
        if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        else child.kill();
      },
    };
    return engine;
  };
}
