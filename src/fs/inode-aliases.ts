// The provisional ids of this mount's state folder and the objects that keep them (docs/semantics.md
// "inode"): a file created here shows a provisional number until its upload is read back and keeps
// it afterwards, also in later mounts with the same state folder (`<stateDir>/inodes.json`, bounded,
// unreadable -> start empty; ids reserved durably in blocks, never reused). It does not map ids to
// inode numbers (inode-numbers.ts) nor decide when a file is read back.
import { JsonStateFile } from './json-state-file';
import type { Logger } from './logger';
import { PATH_HASH_BASE, PROVISIONAL_ID_BASE } from './inode-numbers';

/** Objects remembered, at most (the oldest are forgotten: they show their object id again). */
export const INODE_ALIASES_LIMIT = 100_000;
/** Provisional ids are reserved on disk this many at a time, before the first of them is handed out. */
export const INODE_RESERVATION_BLOCK = 1024;
/** Changes are written at most this long after they happen (and by flush). */
const SAVE_DELAY_MS = 1_000;
const FORMAT = 'wsfs-inode-aliases';

/** The persisted form. */
interface AliasFile {
  format: typeof FORMAT;
  version: 1;
  /** Provisional ids below this may have been handed out (the reservation's end). */
  next: number;
  /** [object id, provisional id], oldest first. */
  aliases: Array<[number, number]>;
}

/** Provisional ids and aliases of one state folder. All fields change synchronously only (on the JS thread). */
export class InodeAliases {
  private readonly aliases = new Map<number, number>();
  /** The next provisional id to hand out. */
  private next = PROVISIONAL_ID_BASE;
  /** Ids below this are reserved in the file (a crash may have handed them out); `next` never passes it unwritten. */
  private reserved = PROVISIONAL_ID_BASE;
  private readonly store: JsonStateFile;

  /** Reads `file` (synchronously: once, before the mount serves anything). */
  constructor(
    file: string,
    logger: Logger,
    private readonly limit = INODE_ALIASES_LIMIT,
  ) {
    this.store = new JsonStateFile({
      file,
      saveDelayMs: SAVE_DELAY_MS,
      snapshot: () => JSON.stringify({ format: FORMAT, version: 1, next: this.reserved, aliases: [...this.aliases] } satisfies AliasFile),
      // A state folder that is gone (a test's teardown) is not brought back: only noted.
      failed: (error, during) => logger[error.code === 'ENOENT' ? 'debug' : 'warn'](`could not ${during} inode numbers in ${file}: ${String(error)}`),
    });
    const text = this.store.read();
    if (text === undefined) return;
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
      logger.warn(`${file} is unreadable (${(error as Error).message}); inode numbers of files created earlier start afresh`);
    }
    this.reserved = this.next;
  }

  /** A new provisional id, never handed out before by this state folder (a block is reserved durably first when needed). */
  allocate(): number {
    if (this.next >= this.reserved) {
      this.reserved = this.next + INODE_RESERVATION_BLOCK;
      this.store.writeNow(); // on failure (logged) the ids are still handed out: a crash may then reuse them
    }
    return this.next++;
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
    this.store.change('soon');
  }

  /** Writes pending changes now. Never rejects (a failed write is logged; the next change retries). */
  flush(): Promise<void> {
    return this.store.flush();
  }
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= PROVISIONAL_ID_BASE && value <= PATH_HASH_BASE;
}

function isObjectId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value < PROVISIONAL_ID_BASE;
}
