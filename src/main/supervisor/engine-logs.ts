// One log file per workspace's engine (`<log dir>/<workspace id>.log`): the engine's stderr and its
// `engine:log` lines, plus the supervisor's notes. Rotated once it passes a size limit (one `.1`
// generation kept), so logs stay bounded. Every line appended here passes through the protocol's
// redaction again: engine error texts end up in supervisor notes, and the engine's stderr arrives
// line by line from the spawners. Does not read logs back.
import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { redactText } from '../../shared/engine-protocol';

/** Log files of the engines. */
export class EngineLogs {
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly maxBytes = 5 * 1024 * 1024,
  ) {}

  /** Creates the folder. */
  async ensureFolder(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Appends a time-stamped, redacted line (writes are serialised; failures are ignored: logging must not break mounting). */
  append(workspaceId: string, line: string): Promise<void> {
    this.writes = this.writes.then(async () => {
      try {
        // No mkdir per line: the folder is made only when the append finds it missing.
        const path = join(this.dir, `${workspaceId}.log`);
        const size = await stat(path).then((s) => s.size, () => 0);
        if (size > this.maxBytes) await rename(path, `${path}.1`);
        const entry = `${new Date().toISOString()} ${redactText(line)}\n`;
        await appendFile(path, entry, { mode: 0o600 }).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          await this.ensureFolder();
          await appendFile(path, entry, { mode: 0o600 });
        });
      } catch {
        // The log folder is unusable; the UI still shows states and problems.
      }
    });
    return this.writes;
  }
}
