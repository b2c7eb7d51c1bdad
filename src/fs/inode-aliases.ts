// The provisional ids of this mount's state folder and the objects that keep them (docs/semantics.md
// "inode"): a file created through the mount shows a provisional inode number until its upload is
// read back, and its object keeps showing that number afterwards, also in later mounts with the
// same state folder — so what git recorded right after the file was written still matches. Persisted
// in `<stateDir>/inodes.json` (atomic replace, bounded, unreadable -> start empty, ids never reused).
// It does not map ids to inode numbers (inode-numbers.ts) nor decide when a file is read back.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Logger } from './logger';
import { PROVISIONAL_ID_BASE } from './inode-numbers';

/** Objects remembered, at most (the oldest are forgotten: they show their object id again). */
export const INODE_ALIASES_LIMIT = 100_000;
/** Changes are written at most this long after they happen (and by flush). */
const SAVE_DELAY_MS = 1_000;
const FORMAT = 'wsfs-inode-aliases';

/** The persisted form. */
interface AliasFile {
  format: typeof FORMAT;
  version: 1;
  /** The next provisional id to hand out. */
  next: number;
  /** [object id, provisional id], oldest first. */
  aliases: Array<[number, number]>;
}

/**
 * Provisional ids and aliases of one state folder. All fields change synchronously only; `saving`
 * chains the writes so an older snapshot never replaces a newer one.
 */
export class InodeAliases {
  private readonly aliases = new Map<number, number>();
  private next = PROVISIONAL_ID_BASE;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();

  /** Reads `file` (synchronously: once, before the mount serves anything). */
  constructor(
    private readonly file: string,
    private readonly logger: Logger,
    private readonly limit = INODE_ALIASES_LIMIT,
  ) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // none yet
    }
    try {
      const parsed = JSON.parse(text) as Partial<AliasFile>;
      if (parsed.format !== FORMAT || parsed.version !== 1 || !isId(parsed.next) || !Array.isArray(parsed.aliases)) throw new Error('not an inode alias file');
      for (const pair of parsed.aliases) {
        if (!Array.isArray(pair) || !isObjectId(pair[0]) || !isId(pair[1])) throw new Error('bad entry');
        this.aliases.set(pair[0], pair[1]);
        this.next = Math.max(this.next, pair[1] + 1);
      }
      this.next = Math.max(this.next, parsed.next);
    } catch (error) {
      this.aliases.clear();
      this.logger.warn(`${file} is unreadable (${(error as Error).message}); inode numbers of files created earlier start afresh`);
    }
  }

  /** A new provisional id, never handed out before by this state folder. */
  allocate(): number {
    const id = this.next++;
    this.schedule();
    return id;
  }

  /** The id shown for the object `objectId`: the provisional one it was created with, else itself. */
  shown(objectId: number): number {
    return this.aliases.get(objectId) ?? objectId;
  }

  /** The object `objectId` (just read back) was created showing `provisionalId`; it keeps showing it. */
  remember(objectId: number, provisionalId: number): void {
    if (!isObjectId(objectId) || this.aliases.get(objectId) === provisionalId) return;
    this.aliases.delete(objectId);
    this.aliases.set(objectId, provisionalId);
    while (this.aliases.size > this.limit) this.aliases.delete(this.aliases.keys().next().value!);
    this.schedule();
  }

  /** Writes pending changes now. Never rejects (a failed write is logged; the next change retries). */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const snapshot: AliasFile = { format: FORMAT, version: 1, next: this.next, aliases: [...this.aliases] };
    this.saving = this.saving.then(() => this.write(snapshot));
    return this.saving;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
    this.timer.unref();
  }

  private async write(snapshot: AliasFile): Promise<void> {
    const temp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      // Never makes the state folder: one that is gone (a test's teardown) is not brought back.
      await writeFile(temp, JSON.stringify(snapshot), { mode: 0o600 });
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      const gone = (error as NodeJS.ErrnoException).code === 'ENOENT';
      this.logger[gone ? 'debug' : 'warn'](`could not save inode numbers to ${this.file}: ${String(error)}`);
    }
  }
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= PROVISIONAL_ID_BASE;
}

function isObjectId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value < PROVISIONAL_ID_BASE;
}
