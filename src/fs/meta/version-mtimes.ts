// The mtimes shown instead of the workspace's modified_at, per file version (object id +
// modified_at): times programs set (utimens) and the write time of versions this mount uploaded.
// Persisted in the state folder (`mtimes.json`, replaced atomically, bounded); versions not read
// back yet are kept in memory under their local tag. It does not decide which version a path
// shows (WorkspaceFs and the MetadataCache do).
import { JsonStateFile } from '../json-state-file';
import type { Logger } from '../logger';
import type { RemoteEntry } from '../remote/remote-workspace';

/** The file name of the store in the state folder. */
export const VERSION_MTIMES_FILE = 'mtimes.json';
/** The `format` of the file; another one is ignored (the store starts empty). */
export const VERSION_MTIMES_FORMAT = 'wsfs-version-mtimes-1';
/** How many versions keep their time by default (the oldest set goes first). */
export const VERSION_MTIMES_LIMIT = 50_000;
/** A change is written at most this long after it was made (changes meanwhile share one write). */
export const VERSION_MTIMES_SAVE_DELAY_MS = 1_000;

/** Construction options of VersionMtimes. */
export interface VersionMtimesOptions {
  /** The store's file, in a folder that exists while the store is used (the state folder: never created here). */
  file: string;
  logger: Logger;
  /** How many versions are kept (persisted and tagged, each). */
  limit?: number;
  /** Delay before a change is written. */
  saveDelayMs?: number;
}

/** The file's content: versionKey → mtime (ms, fractions kept), oldest first. */
interface StoreFile {
  format: typeof VERSION_MTIMES_FORMAT;
  versions: [string, number][];
}

/**
 * The shown mtime per version. `get`/`set` run on the event loop only; the callers decide under
 * which per-path lock a version's time changes. The file is written by one save at a time
 * (JsonStateFile); changes made during a save are written by the next one.
 */
export class VersionMtimes {
  private readonly limit: number;
  /** Persisted: versionKey → mtime, in insertion order (refreshed on every set). */
  private readonly versions = new Map<string, number>();
  /** In memory only: RemoteEntry.localVersion → mtime (tags restart with every engine run). */
  private readonly tags = new Map<number, number>();
  private readonly store: JsonStateFile;

  /** Reads the store's file (synchronously, once, before the mount serves); a missing, unreadable or corrupt file starts empty. */
  constructor(options: VersionMtimesOptions) {
    const { file, logger } = options;
    this.limit = options.limit ?? VERSION_MTIMES_LIMIT;
    this.store = new JsonStateFile({
      file,
      saveDelayMs: options.saveDelayMs ?? VERSION_MTIMES_SAVE_DELAY_MS,
      snapshot: () => JSON.stringify({ format: VERSION_MTIMES_FORMAT, versions: [...this.versions] } satisfies StoreFile),
      failed: (error, during) =>
        during === 'read'
          ? logger.warn(`cannot read ${file}; set file times start empty`, { error: String(error) })
          : logger.warn(`cannot write ${file}; set file times are kept in memory only`, { error: String(error) }),
    });
    const text = this.store.read();
    if (text === undefined) return;
    const parsed = parseStore(text);
    if (parsed === undefined) {
      logger.warn(`${file} is not a valid set-times file; set file times start empty`);
      this.store.change('later'); // replaced by the next save
      return;
    }
    for (const [key, mtime] of parsed.versions.slice(-this.limit)) this.versions.set(key, mtime);
  }

  /** The time set for `entry`'s version, if any. */
  get(entry: RemoteEntry): number | undefined {
    if (entry.localVersion !== undefined) return this.tags.get(entry.localVersion);
    const key = versionKey(entry);
    return key === undefined ? undefined : this.versions.get(key);
  }

  /**
   * Shows `mtimeMs` for `entry`'s version from now on. `soon` (a time a program set): written
   * within the save delay; `later` (the write time of an upload here, which only smooths what the
   * kernel shows): with the next save or flush. False when the version cannot be told apart from
   * later ones (the workspace gave no modified_at): then nothing is kept.
   */
  set(entry: RemoteEntry, mtimeMs: number, save: 'soon' | 'later' = 'soon'): boolean {
    if (entry.localVersion !== undefined) {
      remember(this.tags, entry.localVersion, mtimeMs, this.limit);
      return true;
    }
    const key = versionKey(entry);
    if (key === undefined) return false;
    if (this.versions.get(key) === mtimeMs) return true;
    remember(this.versions, key, mtimeMs, this.limit);
    this.store.change(save);
    return true;
  }

  /** Writes pending changes now (unmount); resolves when the file holds them. Errors are logged. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Number of persisted versions (for tests and stats). */
  get size(): number {
    return this.versions.size;
  }
}

/** A workspace version: the object and its modified_at (kept across workspace renames, new on every save); undefined without a modified_at. */
export function versionKey(entry: RemoteEntry): string | undefined {
  return entry.modifiedAt === undefined ? undefined : `${entry.objectId}:${entry.modifiedAt}`;
}

/** Sets `key` as the newest entry of `map`, dropping the oldest past `limit`. */
function remember<K>(map: Map<K, number>, key: K, value: number, limit: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > limit) map.delete(map.keys().next().value!);
}

/** The store's file content, or undefined when it is not one. */
function parseStore(text: string): StoreFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { format, versions } = value as Partial<StoreFile>;
  if (format !== VERSION_MTIMES_FORMAT || !Array.isArray(versions)) return undefined;
  const valid = versions.every((item: unknown) => Array.isArray(item) && item.length === 2 && typeof item[0] === 'string' && typeof item[1] === 'number' && Number.isFinite(item[1]));
  return valid ? { format, versions } : undefined;
}
