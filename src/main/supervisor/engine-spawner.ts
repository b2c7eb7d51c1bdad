// The `spawnEngine()` seam of ARCHITECTURE.md §1 as main sees it: start one engine process and hand
// back its EngineConnection plus kill. Implementations: ChildProcessEngineSpawner (child_process.fork:
// tests, the UI tests' controller) and UtilityProcessEngineSpawner (Electron's utilityProcess in the
// app). Neither sends anything: the token goes in `engine:set-credentials` from the supervisor.
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EngineConnection } from '../../shared/engine-connection';

/** What to start. */
export interface SpawnRequest {
  /** Serve the built-in demo workspace (an emulator inside the engine). */
  demo: boolean;
  /**
   * Receives each line the engine writes to stderr (the supervisor appends it, redacted, to the
   * workspace's rotated log; a raw file descriptor would bypass both).
   */
  log(line: string): void;
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

/** Hands every line of an engine's stderr to `log` (the last one even without a newline). */
export function forwardLines(stderr: NodeJS.ReadableStream, log: (line: string) => void): void {
  createInterface({ input: stderr, crlfDelay: Infinity }).on('line', log);
}

/** Timers for an EngineConnection from the host's real ones. */
export const NODE_TIMERS = {
  set: (callback: () => void, ms: number): unknown => setTimeout(callback, ms),
  clear: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout),
};
