// One small state file of the engine's state folder (set file times, inode aliases): read once at
// start (temp files of saves cut short by a crash removed), written by an atomic durable replace
// (replace-file.ts) within a delay after a change or at flush, one save at a time. It does not know
// the content (its owner parses and builds it) and never makes the folder (a removed one stays so).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isTornReplace, replaceFile, replaceFileSync } from './replace-file';

/** Construction options of JsonStateFile. */
export interface JsonStateFileOptions {
  file: string;
  /** A change marked `soon` is written at most this long after it. */
  saveDelayMs: number;
  /** The content to write now (JSON text). */
  snapshot: () => string;
  /** Reading the file (not a missing one) or a save failed (a save is tried again with the next change or flush): the owner logs it. */
  failed: (error: NodeJS.ErrnoException, during: 'read' | 'write') => void;
}

/** Loads and saves one state file. Fields change only on the JS thread; `saving` chains the writes so an older snapshot never replaces a newer one. */
export class JsonStateFile {
  private changed = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** True while a save's replace is under way (it holds a snapshot taken before it started). */
  private replacing = false;

  constructor(private readonly options: JsonStateFileOptions) {}

  /** The file's text (synchronously, once, before the mount serves), undefined when there is none; torn temp files are removed. */
  read(): string | undefined {
    const { file } = this.options;
    try {
      for (const name of readdirSync(dirname(file))) if (isTornReplace(name, basename(file))) rmSync(join(dirname(file), name), { force: true });
    } catch {
      // A folder that cannot be listed (or is missing) leaves the leftovers; the file may still read.
    }
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.options.failed(error as NodeJS.ErrnoException, 'read');
      return undefined;
    }
  }

  /** The content changed: `soon` writes it within the save delay, `later` with the next save or flush. */
  change(when: 'soon' | 'later'): void {
    this.changed = true;
    if (when === 'later' || this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), this.options.saveDelayMs).unref();
  }

  /** Writes pending changes now; resolves when the file holds them. Never rejects (failures go to `failed`). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.then(async () => {
      if (!this.changed) return;
      this.changed = false;
      this.replacing = true;
      try {
        await replaceFile(this.options.file, this.options.snapshot());
      } catch (error) {
        this.changed = true;
        this.options.failed(error as NodeJS.ErrnoException, 'write');
      } finally {
        this.replacing = false;
      }
    });
    return this.saving;
  }

  /** Writes the content now, durably, before returning (blocks the event loop: for rare writes that must precede what follows). False when it failed (reported to `failed`). */
  writeNow(): boolean {
    try {
      replaceFileSync(this.options.file, this.options.snapshot());
      // A save in flight holds an older snapshot and renames after this: one more save behind it
      // puts this content back on top.
      if (this.replacing) {
        this.changed = true;
        void this.flush();
      }
      return true;
    } catch (error) {
      this.changed = true;
      this.options.failed(error as NodeJS.ErrnoException, 'write');
      return false;
    }
  }
}
