// SpawnEngine for the app: Electron's `utilityProcess.fork` of the compiled engine (a Node process
// Electron manages, so a native crash in FUSE cannot take the tray down). Its channel is
// `process.parentPort` on the engine's side; stderr is appended to the workspace's log file; the
// environment is scrubbed of DATABRICKS_* secrets. Sends nothing itself.
import { createWriteStream } from 'node:fs';
import { utilityProcess } from 'electron';
import { EngineConnection, scrubEnvironment } from '../../shared/engine-connection';
import { ENGINE_ENTRY, engineArgs, NODE_TIMERS, type EngineProcess, type SpawnEngine } from '../supervisor/engine-spawner';

/** A SpawnEngine over utilityProcess. */
export function utilityProcessEngineSpawner(): SpawnEngine {
  return async (request) => {
    const child = utilityProcess.fork(ENGINE_ENTRY, engineArgs(request), {
      env: scrubEnvironment({ ...process.env }),
      stdio: ['ignore', 'ignore', 'pipe'],
      serviceName: 'wsfs engine',
    });
    const log = createWriteStream(request.logPath, { flags: 'a', mode: 0o600 });
    child.stderr?.pipe(log);
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
      log.end();
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
