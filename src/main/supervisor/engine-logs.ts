// One log file per workspace's engine (`<log dir>/<workspace id>.log`): the engine's stderr and its
// `engine:log` lines, plus the supervisor's notes. Rotated once it passes a size limit (one `.1`
// generation kept), so logs stay bounded. Every line appended here passes through the protocol's
// redaction again: engine error texts end up in supervisor notes, and the engine's stderr arrives
// line by line from the spawners. Does not read logs back.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { redactText } from '../../shared/engine-protocol';

/** Lines waiting for one workspace's next write; more are dropped (and counted) until it is written. */
export const MAX_PENDING_LOG_LINES = 10_000;
/** A longer line (a stderr dump without newlines) is cut to this many characters. */
export const MAX_LOG_LINE_CHARS = 16 * 1024;

/**
 * Log files of the engines. Lines queue per workspace and go out in one append per write, so a
 * chatty engine costs main a bounded queue, not a promise per line. `pending` and `dropped` change
 * only synchronously on main's event loop.
 */
export class EngineLogs {
  private writes: Promise<void> = Promise.resolve();
  private readonly pending = new Map<string, string[]>();
  private readonly dropped = new Map<string, number>();

  constructor(
    readonly dir: string,
    private readonly maxBytes = 5 * 1024 * 1024,
  ) {}

  /** Creates the folder. */
  async ensureFolder(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Queues a time-stamped, redacted line; resolves once it is written (writes are serialised;
   * failures are ignored: logging must not break mounting).
   */
  append(workspaceId: string, line: string): Promise<void> {
    let queue = this.pending.get(workspaceId);
    if (queue === undefined) {
      queue = [];
      this.pending.set(workspaceId, queue);
      this.writes = this.writes.then(() => this.write(workspaceId));
    }
    if (queue.length < MAX_PENDING_LOG_LINES) queue.push(`${new Date().toISOString()} ${redactText(cut(line))}\n`);
    else this.dropped.set(workspaceId, (this.dropped.get(workspaceId) ?? 0) + 1);
    return this.writes;
  }

  /** Writes what is queued for `workspaceId` in one append, rotating first when the file is full. */
  private async write(workspaceId: string): Promise<void> {
    const lines = this.pending.get(workspaceId) ?? [];
    this.pending.delete(workspaceId);
    const dropped = this.dropped.get(workspaceId) ?? 0;
    this.dropped.delete(workspaceId);
    if (dropped > 0) lines.push(`${new Date().toISOString()} ${dropped} log lines dropped: the engine wrote them faster than the log could take them\n`);
    const text = lines.join('');
    try {
      // No mkdir per write: the folder is made only when the append finds it missing.
      const path = join(this.dir, `${workspaceId}.log`);
      const size = await stat(path).then((s) => s.size, () => 0);
      // A rotation that fails leaves the file growing, but the lines still go in.
      if (size > this.maxBytes) await rename(path, `${path}.1`).catch(() => undefined);
      await appendFile(path, text, { mode: 0o600 }).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        await this.ensureFolder();
        await appendFile(path, text, { mode: 0o600 });
      });
    } catch {
      // The log folder is unusable; the UI still shows states and problems.
    }
  }
}

/** `line`, or its start with a note of how much was cut (redaction then sees only what is kept). */
function cut(line: string): string {
  return line.length <= MAX_LOG_LINE_CHARS ? line : `${line.slice(0, MAX_LOG_LINE_CHARS)}… (${line.length - MAX_LOG_LINE_CHARS} more characters cut)`;
}
