// The `spawnEngine()` seam of ARCHITECTURE.md §1 as main sees it: start one engine process and hand
// back its EngineConnection plus kill. Implementations: ChildProcessEngineSpawner (child_process.fork:
// tests, the UI tests' controller) and UtilityProcessEngineSpawner (Electron's utilityProcess in the
// app). Neither sends anything: the token goes in `engine:set-credentials` from the supervisor.
import { join } from 'node:path';
import type { EngineConnection } from '../../shared/engine-connection';

/** What to start. */
export interface SpawnRequest {
  /** Serve the built-in demo workspace (an emulator inside the engine). */
  demo: boolean;
  /** File the engine's stderr is appended to. */
  logPath: string;
}

/** A started engine process (not necessarily ready yet: wait on `connection.waitReady`). */
export interface EngineProcess {
  readonly pid: number;
  readonly connection: EngineConnection;
  /** Sends a signal unless the process already ended (SIGTERM: flush, unmount, exit). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

/** Starts an engine process. Rejects only if the process cannot be created at all. */
export type SpawnEngine = (request: SpawnRequest) => Promise<EngineProcess>;

/** The compiled engine entry (dist/src/fs/host/engine-main.js), seen from dist/src/main/supervisor. */
export const ENGINE_ENTRY = join(__dirname, '..', '..', 'fs', 'host', 'engine-main.js');

/** The argv of an engine for `request` (non-secret switches only). */
export function engineArgs(request: SpawnRequest): string[] {
  return request.demo ? ['--demo'] : [];
}

/** Timers for an EngineConnection from the host's real ones. */
export const NODE_TIMERS = {
  set: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clear: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
};
