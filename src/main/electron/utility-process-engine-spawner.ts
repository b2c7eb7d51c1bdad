// SpawnEngine for the app: Electron's `utilityProcess.fork` of the compiled engine (a Node process
// Electron manages, so a native crash in FUSE cannot take the tray down). Its channel is
// `process.parentPort` on the engine's side; stderr is appended to the workspace's log file (opened
// before the fork, so an unusable log rejects the spawn instead of an unhandled stream error in
// main), as is a V8 fatal-error report; the environment is scrubbed of DATABRICKS_* secrets.
// Sends nothing itself.
import { createWriteStream, openSync } from 'node:fs';
import { utilityProcess } from 'electron';
import { EngineConnection, scrubEnvironment } from '../../shared/engine-connection';
import { ENGINE_ENTRY, engineArgs, NODE_TIMERS, type EngineProcess, type SpawnEngine } from '../supervisor/engine-spawner';

/** A SpawnEngine over utilityProcess. */
export function utilityProcessEngineSpawner(): SpawnEngine {
  return async (request) => {
    // Throws (the spawn rejects: engine-start-failed) when the log cannot be opened.
    const fd = openSync(request.logPath, 'a', 0o600);
    const log = createWriteStream('', { fd });
    // A write error (disk full) loses log lines, never the app: without a listener it would throw in main.
    log.on('error', () => undefined);
    let child: Electron.UtilityProcess;
    try {
      child = utilityProcess.fork(ENGINE_ENTRY, engineArgs(request), {
        env: scrubEnvironment({ ...process.env }),
        stdio: ['ignore', 'ignore', 'pipe'],
        serviceName: 'wsfs engine',
      });
    } catch (error) {
      log.destroy();
      throw error;
    }
    child.stderr?.pipe(log);
    // Emitted on a V8 fatal error (e.g. out of memory) before 'exit'; unhandled, it would throw in main.
    child.on('error', (type: string, location: string) => {
      if (!log.writableEnded) log.write(`${new Date().toISOString()} engine ${type} at ${location}\n`);
    });
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
