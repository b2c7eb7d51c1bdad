// The persistent content cache (docs/cache.md): clean copies of remote versions on local disk,
// keyed by fingerprint, with an index that survives restarts, a size limit with LRU eviction that
// skips pinned (open) entries, a minimum-free-space guard, a sha256 per entry checked on first use
// per process and whenever the file's stat changed, on/off at run time, and usage figures. It
// never holds dirty data (working copies live in the state folder), and it does not decide what
// to download: the caller passes the download.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatByteSize, type CacheUsage } from '../../shared/cache-usage';
import type { CacheDisabledProblem } from '../../shared/problem';
import type { Logger } from '../logger';
import { CACHE_INDEX_FILE, CACHE_INDEX_FORMAT, CACHE_INDEX_VERSION, readCacheIndex, writeCacheIndex, type CacheIndexRecord } from './cache-index';
import { fingerprintKey, objectKey, type ContentFingerprint } from './content-fingerprint';
import { sha256Of } from '../file-sha256';
import { pidAlive } from '../pid-alive';
import { diskFree as realDiskFree } from './disk-free';

/** Default size limit: 5 GiB. */
export const DEFAULT_CACHE_LIMIT_BYTES = 5 * 1024 ** 3;
/** Default minimum free space left on the cache's disk: 512 MiB. */
const DEFAULT_MIN_FREE_BYTES = 512 * 1024 ** 2;
/** How long close waits for the downloads it cancelled to unwind. */
const CLOSE_WAIT_MS = 5_000;
/** How long index changes may wait before they are written (they are also written on close). */
const INDEX_DELAY_MS = 1_000;
/** Sizes remembered for versions not kept (stat of a notebook with the cache off), at most. */
const SIZE_MEMO_LIMIT = 10_000;
const DATA = 'data';
/** The file naming the engine (pid) that uses a cache folder; a second live engine does not. */
const LOCK = 'lock';
const DISK_FIX = 'free some disk space (or clear the cache, or mount with another --cache-dir or a smaller --cache-size), then switch the cache on again';

/** Construction options; places, limits, clock and the disk probe are injected. */
export interface ContentCacheOptions {
  /** The cache folder (created 0700; files 0600). */
  dir: string;
  /** Where copies that are not kept live while open (cache off, disk trouble); emptied at start. */
  transientDir: string;
  /** Identity of the workspace (its origin): an index written for another one is discarded. */
  workspace: string;
  enabled: boolean;
  limitBytes?: number;
  minFreeBytes?: number;
  now: () => number;
  logger: Logger;
  /** Free bytes on the disk of a folder (default: statfs). */
  diskFree?: (dir: string) => Promise<number>;
  /** Told when the cache switches itself off (disk full, too little free space). */
  onProblem?: (problem: CacheDisabledProblem) => void;
}

/** A pinned copy of one version: readable until `release()` (idempotent). */
export interface CacheLease {
  file: string;
  size: number;
  release(): void;
}

/**
 * One copy on disk. `kept` entries are in `entries` (and in the index once hashed); the others
 * (cache off, not keepable, or dropped while pinned) are deleted when their last pin goes.
 * All fields change synchronously only (never across an await), so no lock is needed.
 */
interface Entry {
  key: string;
  fingerprint: ContentFingerprint;
  file: string;
  bytes: number;
  kept: boolean;
  pins: number;
  lastUsed: number;
  /** sha256 hex; undefined while this process hashes a copy it wrote itself. */
  sha256?: string;
  /** The file's identity when its checksum last matched in this process. */
  checked?: string;
  verifying?: Promise<boolean>;
}

/**
 * A download running for one version. `waiters` counts the callers sharing it (pinned once each at
 * the end); `wanting` those still interested (a caller whose `interest` signal aborted is not);
 * `keeping` whether it goes into a kept copy (undefined until decided). A download not kept that
 * nobody wants any more is cancelled through `controller`.
 */
interface Flight {
  key: string;
  promise: Promise<Entry>;
  waiters: number;
  wanting: number;
  keeping?: boolean;
  controller: AbortController;
}

/** Why the cache switched itself off; `on`/`off` are the user's choice. */
type Mode = { kind: 'on' } | { kind: 'off' } | { kind: 'faulted'; reason: string };

/**
 * The content cache of one mount. Errors: whatever `download` rejects with; local disk errors of
 * transient copies. Local disk errors of the cache folder never reach a caller: the cache switches
 * itself off (a `cache-disabled` problem) and serves transient copies.
 *
 * Concurrency: every map, counter and `mode` below changes only in synchronous stretches (between
 * awaits), so they are always consistent with each other; code that awaits re-checks what it
 * needs afterwards (a pin taken before an await keeps an entry's file from being deleted).
 */
export class ContentCache {
  private readonly dir: string;
  private readonly dataDir: string;
  private readonly transientDir: string;
  private readonly workspace: string;
  private readonly limit: number;
  private readonly minFree: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly diskFree: (dir: string) => Promise<number>;
  private readonly onProblem: ((problem: CacheDisabledProblem) => void) | undefined;
  private mode: Mode;
  /** Set when the folder could not be set up: switching on reports it again instead. */
  private unusable: { reason: string; fix?: string } | undefined;
  /** Kept entries by key, least recently used first (a use moves an entry to the end). */
  private readonly entries = new Map<string, Entry>();
  /** objectKey → key of the newest kept version of that object and format. */
  private readonly newest = new Map<string, string>();
  /** Downloads callers may join, by key. */
  private readonly inFlight = new Map<string, Flight>();
  /** Every download not settled yet, including cancelled ones still unwinding (close awaits them). */
  private readonly running = new Set<Flight>();
  /** Set once by close: nothing is installed, adopted or saved after it. */
  private closed = false;
  /** Byte sizes of versions seen (kept or not), oldest first, at most SIZE_MEMO_LIMIT. */
  private readonly sizes = new Map<string, number>();
  /** Background checksums running (flush waits for them). */
  private readonly hashing = new Set<Promise<void>>();
  private bytesUsed = 0;
  private counters = { hits: 0, misses: 0, evictions: 0, bytesFetched: 0 };
  private prepared: Promise<void> | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private counter = 0;

  constructor(options: ContentCacheOptions) {
    this.dir = options.dir;
    this.dataDir = join(options.dir, DATA);
    this.transientDir = options.transientDir;
    this.workspace = options.workspace;
    this.limit = options.limitBytes ?? DEFAULT_CACHE_LIMIT_BYTES;
    this.minFree = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    this.now = options.now;
    this.logger = options.logger;
    this.diskFree = options.diskFree ?? realDiskFree;
    this.onProblem = options.onProblem;
    this.mode = options.enabled ? { kind: 'on' } : { kind: 'off' };
  }

  /** Creates the folders and loads the index (also done lazily by the first use). */
  prepare(): Promise<void> {
    this.prepared ??= this.load();
    return this.prepared;
  }

  /** Whether new versions are kept and kept versions served. */
  get enabled(): boolean {
    return this.mode.kind === 'on';
  }

  /** Figures for the UI. */
  usage(): CacheUsage {
    return { enabled: this.enabled, bytesUsed: this.bytesUsed, bytesLimit: this.limit, files: this.entries.size, ...this.counters };
  }

  /** Switches keeping and serving on or off; on also clears a fault. Kept entries stay on disk. */
  async setEnabled(enabled: boolean): Promise<void> {
    await this.prepare();
    this.mode = enabled ? { kind: 'on' } : { kind: 'off' };
    this.logger.info(`content cache switched ${enabled ? 'on' : 'off'}`);
    if (enabled && this.unusable !== undefined) this.fault(this.unusable.reason, this.unusable.fix);
  }

  /** Whether a read of `fingerprint` would be served from a kept copy (no download), as far as known without checking it. */
  holds(fingerprint: ContentFingerprint): boolean {
    return this.keptEntry(fingerprint, fingerprintKey(fingerprint)) !== undefined;
  }

  /** The byte size of `fingerprint`'s content when known without downloading. */
  sizeOf(fingerprint: ContentFingerprint): number | undefined {
    if (fingerprint.modifiedAt === undefined) return undefined;
    const key = fingerprintKey(fingerprint);
    return this.entries.get(key)?.bytes ?? this.sizes.get(key);
  }

  /**
   * A pinned copy of `fingerprint`: a kept one (checked, see docs/cache.md "Integrity"), else
   * downloaded with `download(target, signal)`. Concurrent callers for one version share one
   * download. A kept copy found missing or corrupt is dropped and fetched again. `interest`, when
   * given, aborts once the caller no longer needs the copy: a download that is not going into a
   * kept copy is cancelled (`signal` aborts) when every caller sharing it lost interest.
   */
  async acquire(fingerprint: ContentFingerprint, download: (target: string, signal: AbortSignal) => Promise<unknown>, interest?: AbortSignal): Promise<CacheLease> {
    await this.prepare();
    const key = fingerprintKey(fingerprint);
    const kept = this.keptEntry(fingerprint, key);
    if (kept !== undefined) {
      kept.pins++;
      if (await this.verify(kept)) {
        this.counters.hits++;
        this.touch(kept);
        this.logger.debug('cache hit', { key });
        return this.lease(kept);
      }
      this.unpin(kept);
    }
    this.counters.misses++;
    this.logger.debug('cache miss', { key });
    let flight = this.inFlight.get(key);
    if (flight === undefined) {
      const created: Flight = { key, promise: Promise.resolve(undefined as unknown as Entry), waiters: 1, wanting: 1, controller: new AbortController() };
      // Closing the flight and reading its waiter count happen in one synchronous step, so no
      // caller joins a flight after its entry was pinned for the waiters it had.
      const close = (): number => {
        if (this.inFlight.get(key) === created) this.inFlight.delete(key);
        return created.waiters;
      };
      this.inFlight.set(key, created);
      this.running.add(created);
      created.promise = this.fetch(fingerprint, key, (target) => download(target, created.controller.signal), close, created);
      void created.promise.catch(close).finally(() => this.running.delete(created));
      flight = created;
    } else {
      flight.waiters++;
      flight.wanting++;
    }
    if (interest !== undefined) {
      const joined = flight;
      const lost = (): void => {
        joined.wanting--;
        this.cancelIfUnwanted(joined);
      };
      if (interest.aborted) lost();
      else interest.addEventListener('abort', lost, { once: true });
      void joined.promise.then(
        () => interest.removeEventListener('abort', lost),
        () => interest.removeEventListener('abort', lost),
      );
    }
    // The fetch pinned the entry once per waiter before it settled.
    return this.lease(await flight.promise);
  }

  /**
   * Makes the local `file` (a clean working copy just uploaded; moved, not copied) the kept copy
   * of `fingerprint`; with the cache off, or when it cannot be kept, the file is deleted. Never rejects.
   */
  async adopt(fingerprint: ContentFingerprint, file: string): Promise<void> {
    try {
      await this.prepare();
      if (this.closed) {
        await rm(file, { force: true });
        return;
      }
      if (!this.enabled || fingerprint.modifiedAt === undefined) {
        const { size } = await stat(file);
        this.rememberSize(fingerprint, size);
        await rm(file, { force: true });
        return;
      }
      const key = fingerprintKey(fingerprint);
      const target = this.dataFile(key);
      try {
        await rename(file, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await copyFile(file, target);
        await rm(file, { force: true });
      }
      await chmod(target, 0o600);
      const { size } = await stat(target);
      this.install(this.newEntry(fingerprint, key, target, size));
    } catch (error) {
      await rm(file, { force: true }).catch(() => undefined);
      if (isDiskFull(error)) this.fault('the disk of the content cache is full');
      else this.logger.warn(`could not keep an uploaded copy in the cache: ${String(error)}`);
    }
  }

  /** Makes the kept copy of `from` the copy of `to` (the same bytes, learnt to be that version); false when none. */
  rekey(from: ContentFingerprint, to: ContentFingerprint): boolean {
    const entry = this.entries.get(fingerprintKey(from));
    if (entry === undefined) return false;
    this.forget(entry);
    entry.fingerprint = to;
    entry.key = fingerprintKey(to);
    this.install(entry, { hash: false, save: true });
    return true;
  }

  /** Drops every kept copy (open ones go when closed). Dirty data is never here, so none is lost. */
  async clear(): Promise<void> {
    await this.prepare();
    for (const entry of [...this.entries.values()]) this.drop(entry);
    this.sizes.clear();
    this.logger.info('content cache cleared');
    await this.flush();
  }

  /**
   * Lets go of the cache folder (unmount): cancels every download still running (a reader that
   * closed early may have left one going), waits for them (bounded by CLOSE_WAIT_MS), writes the
   * index and removes the lock. The cache is not used afterwards: late results are not kept.
   */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.running];
    for (const flight of running) flight.controller.abort(new Error('the download was cancelled: the mount is closing'));
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS).unref()));
      await Promise.race([Promise.allSettled(running.map((flight) => flight.promise)), timeout]);
      clearTimeout(timer);
    }
    await this.flush();
    if (this.unusable === undefined) await rm(join(this.dir, LOCK), { force: true });
  }

  /** Waits for background checksums and writes the index now. */
  async flush(): Promise<void> {
    await Promise.all([...this.hashing]);
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.prepared === undefined) return;
    await this.prepared;
    await this.save();
  }

  // --- internals -----------------------------------------------------------------------------

  /** The kept copy a read of `fingerprint` (key `key`) would use: only while on, and only for a version with a time. */
  private keptEntry(fingerprint: ContentFingerprint, key: string): Entry | undefined {
    return this.enabled && fingerprint.modifiedAt !== undefined ? this.entries.get(key) : undefined;
  }

  private async load(): Promise<void> {
    await rm(this.transientDir, { recursive: true, force: true });
    await mkdir(this.transientDir, { recursive: true, mode: 0o700 });
    try {
      await this.loadIndex();
    } catch (error) {
      // Copies then live only while open (in the transient folder); the mount keeps working.
      const fix = (error as { fix?: string }).fix;
      this.unusable = isDiskFull(error) ? { reason: 'the cache folder cannot be set up: the disk is full' } : { reason: `the cache folder cannot be used: ${(error as Error).message}`, ...(fix !== undefined && { fix }) };
      this.fault(this.unusable.reason, this.unusable.fix);
    }
  }

  private async loadIndex(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    await chmod(this.dataDir, 0o700);
    const lock = join(this.dir, LOCK);
    const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && pidAlive(holder)) {
      throw Object.assign(new Error(`another wsfs engine (pid ${holder}) uses it`), {
        fix: `give each mount its own --cache-dir; if no wsfs engine runs as pid ${holder}, delete ${lock}`,
      });
    }
    await writeFile(lock, `${process.pid}\n`, { mode: 0o600 });
    let records: CacheIndexRecord[] = [];
    try {
      const index = await readCacheIndex(this.dir);
      if (index !== undefined && index.workspace !== this.workspace) {
        this.logger.info(`the cache in ${this.dir} belonged to ${index.workspace}; starting empty`);
      } else if (index !== undefined) {
        records = index.records;
      }
    } catch (error) {
      this.logger.warn(`the cache index in ${this.dir} is unreadable (${(error as Error).message}); starting empty`);
    }
    const present = new Set(await readdir(this.dataDir));
    const used = new Set<string>();
    for (const record of [...records].sort((a, b) => a.lastUsed - b.lastUsed)) {
      const name = record.file.slice(DATA.length + 1);
      if (!present.has(name) || used.has(name)) continue;
      used.add(name);
      const fingerprint: ContentFingerprint = { objectId: record.objectId, modifiedAt: record.modifiedAt, format: record.format, ...(record.size !== undefined && { size: record.size }) };
      const entry = this.newEntry(fingerprint, fingerprintKey(fingerprint), join(this.dataDir, name), record.bytes);
      entry.sha256 = record.sha256;
      entry.lastUsed = record.lastUsed;
      this.install(entry, { hash: false, save: false });
    }
    // Files no record names: downloads cut short, copies of a crashed run, another index's data.
    for (const name of present) if (!used.has(name)) await rm(join(this.dataDir, name), { force: true, recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.startsWith(`${CACHE_INDEX_FILE}.`) && name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    }
    this.enforce(0);
    this.scheduleSave();
  }

  /** Rejects once close has begun: a download finishing then is not kept (the index is being written). */
  private refuseIfClosed(): void {
    if (this.closed) throw new Error('the download was cancelled: the mount is closing');
  }

  /** Cancels `flight`'s download when it is not kept and nobody wants it any more. */
  private cancelIfUnwanted(flight: Flight): void {
    if (flight.keeping !== false || flight.wanting > 0 || flight.controller.signal.aborted) return;
    this.logger.debug('download cancelled: nobody reads it and it is not kept');
    // Later callers start a download of their own instead of joining the cancelled one.
    if (this.inFlight.get(flight.key) === flight) this.inFlight.delete(flight.key);
    flight.controller.abort(new Error('the download was cancelled: every reader closed the file, and the cache does not keep it'));
  }

  /** Downloads `fingerprint` into a kept or transient file; closes the flight and pins the entry once per waiter. */
  private async fetch(fingerprint: ContentFingerprint, key: string, download: (target: string) => Promise<unknown>, closeFlight: () => number, flight: Flight): Promise<Entry> {
    const keep = this.enabled && fingerprint.modifiedAt !== undefined && (await this.makeRoom(fingerprint.size ?? 0));
    flight.keeping = keep;
    let entry: Entry | undefined;
    let kept = false;
    if (keep) {
      const part = join(this.dataDir, `${key}.${this.counter++}.${randomBytes(4).toString('hex')}.part`);
      try {
        await download(part);
        this.refuseIfClosed();
        await chmod(part, 0o600);
        const target = this.dataFile(key);
        await rename(part, target);
        if (this.closed) await rm(target, { force: true });
        this.refuseIfClosed();
        const { size } = await stat(target);
        entry = this.newEntry(fingerprint, key, target, size);
        kept = true;
      } catch (error) {
        await rm(part, { force: true });
        // A remote failure reaches the caller; a local one switches the cache off (then uncached).
        const code = localErrorCode(error);
        if (code === undefined) throw error;
        this.fault(isDiskFull(error) ? 'the disk of the content cache is full' : `the cache folder cannot be written (${code})`);
      }
    }
    if (entry === undefined) {
      flight.keeping = false;
      this.cancelIfUnwanted(flight);
      const file = join(this.transientDir, `${this.counter++}-${randomBytes(6).toString('hex')}`);
      try {
        await download(file);
        await chmod(file, 0o600);
        entry = this.newEntry(fingerprint, key, file, (await stat(file)).size);
      } catch (error) {
        await rm(file, { force: true });
        throw error;
      }
    }
    this.counters.bytesFetched += entry.bytes;
    this.rememberSize(fingerprint, entry.bytes);
    entry.pins += closeFlight();
    if (kept) this.install(entry);
    return entry;
  }

  /** Evicts so `bytes` more fit the limit and leave the minimum free space; false when they cannot. */
  private async makeRoom(bytes: number): Promise<boolean> {
    if (bytes > this.limit) return false;
    this.enforce(bytes);
    let free: number;
    try {
      free = await this.diskFree(this.dir);
    } catch (error) {
      this.logger.debug(`cannot tell the free space of ${this.dir}: ${String(error)}`);
      return true;
    }
    while (free - bytes < this.minFree) {
      const victim = this.victim();
      if (victim === undefined) {
        this.fault(`the disk of the content cache is almost full (${formatByteSize(free)} free, ${formatByteSize(bytes)} needed, and the cache leaves at least ${formatByteSize(this.minFree)} free)`);
        return false;
      }
      free += victim.bytes;
      this.evict(victim);
    }
    return true;
  }

  /** Evicts least recently used unpinned entries until `extra` more bytes fit the limit. */
  private enforce(extra: number): void {
    while (this.bytesUsed + extra > this.limit) {
      const victim = this.victim();
      if (victim === undefined) return;
      this.evict(victim);
    }
  }

  private victim(): Entry | undefined {
    for (const entry of this.entries.values()) if (entry.pins === 0) return entry;
    return undefined;
  }

  private evict(entry: Entry): void {
    this.counters.evictions++;
    this.logger.debug('cache eviction', { key: entry.key, bytes: entry.bytes });
    this.drop(entry);
  }

  /** Checks a kept entry before serving it; drops it (false) when missing or corrupt. */
  private verify(entry: Entry): Promise<boolean> {
    entry.verifying ??= (async () => {
      const info = await stat(entry.file).catch(() => undefined);
      if (info === undefined || info.size !== entry.bytes) {
        this.logger.warn(`cached copy ${entry.key} is ${info === undefined ? 'missing' : 'of the wrong size'}; fetching it again`);
        this.drop(entry);
        return false;
      }
      const identity = fileIdentity(info);
      if (entry.sha256 === undefined || entry.checked === identity) return true;
      const sum = await sha256Of(entry.file).catch(() => undefined);
      if (sum !== entry.sha256) {
        this.logger.warn(`cached copy ${entry.key} failed its checksum; fetching it again`);
        this.drop(entry);
        return false;
      }
      entry.checked = identity;
      return true;
    })().finally(() => {
      delete entry.verifying;
    });
    return entry.verifying;
  }

  /** Adds a kept entry (replacing older versions of its object) and hashes it when new. */
  private install(entry: Entry, options: { hash: boolean; save: boolean } = { hash: true, save: true }): void {
    // After close a late copy is not kept: it goes now, or at its last release if pinned.
    if (this.closed) {
      if (entry.pins === 0 && !entry.kept) void rm(entry.file, { force: true });
      return;
    }
    const previous = this.entries.get(entry.key);
    if (previous !== undefined && previous !== entry) this.drop(previous);
    const object = objectKey(entry.fingerprint);
    const older = this.newest.get(object);
    if (older !== undefined && older !== entry.key) {
      const old = this.entries.get(older);
      if (old !== undefined) this.drop(old);
    }
    this.newest.set(object, entry.key);
    entry.kept = true;
    this.entries.set(entry.key, entry);
    this.bytesUsed += entry.bytes;
    if (options.hash && entry.sha256 === undefined) this.hashInBackground(entry);
    this.enforce(0);
    if (options.save) this.scheduleSave();
  }

  /** Removes a kept entry from the index; its file goes now, or at its last release if pinned. */
  private drop(entry: Entry): void {
    if (!entry.kept) return;
    this.forget(entry);
    entry.kept = false;
    if (entry.pins === 0) void rm(entry.file, { force: true });
    this.scheduleSave();
  }

  /** Takes `entry` out of the maps (and the byte count) without touching its file. */
  private forget(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) {
      this.entries.delete(entry.key);
      this.bytesUsed -= entry.bytes;
    }
    const object = objectKey(entry.fingerprint);
    if (this.newest.get(object) === entry.key) this.newest.delete(object);
  }

  private hashInBackground(entry: Entry): void {
    const done: Promise<void> = (async () => {
      const info = await stat(entry.file).catch(() => undefined);
      const sum = await sha256Of(entry.file).catch(() => undefined);
      if (sum === undefined || info === undefined) return;
      entry.sha256 = sum;
      entry.checked = fileIdentity(info);
      if (entry.kept) this.scheduleSave();
    })().finally(() => this.hashing.delete(done));
    this.hashing.add(done);
  }

  private lease(entry: Entry): CacheLease {
    let released = false;
    return {
      file: entry.file,
      size: entry.bytes,
      release: () => {
        if (released) return;
        released = true;
        this.unpin(entry);
      },
    };
  }

  private unpin(entry: Entry): void {
    entry.pins--;
    if (entry.pins > 0) return;
    if (!entry.kept) void rm(entry.file, { force: true });
    else this.enforce(0);
  }

  private touch(entry: Entry): void {
    entry.lastUsed = this.now();
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    this.scheduleSave();
  }

  /** A new entry, not kept yet (install keeps it). */
  private newEntry(fingerprint: ContentFingerprint, key: string, file: string, bytes: number): Entry {
    return { key, fingerprint, file, bytes, kept: false, pins: 0, lastUsed: this.now() };
  }

  private dataFile(key: string): string {
    return join(this.dataDir, `${key}.${randomBytes(4).toString('hex')}`);
  }

  private rememberSize(fingerprint: ContentFingerprint, bytes: number): void {
    if (fingerprint.modifiedAt === undefined) return;
    const key = fingerprintKey(fingerprint);
    this.sizes.delete(key);
    this.sizes.set(key, bytes);
    if (this.sizes.size > SIZE_MEMO_LIMIT) this.sizes.delete(this.sizes.keys().next().value!);
  }

  /** Switches the cache off because of its folder or disk; the mount keeps working uncached. */
  private fault(reason: string, fix = DISK_FIX): void {
    if (this.mode.kind !== 'on') return;
    this.mode = { kind: 'faulted', reason };
    const message = `The content cache was switched off: ${reason} (${this.dir}). Files are now read from the workspace on every open.`;
    this.logger.warn(message);
    this.onProblem?.({
      kind: 'cache-disabled',
      message,
      fix,
    });
  }

  private scheduleSave(): void {
    if (this.saveTimer !== undefined || this.closed) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, INDEX_DELAY_MS);
    this.saveTimer.unref();
  }

  /** Writes the index (serialised: one write at a time, each with the state at its start). */
  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      const records: CacheIndexRecord[] = [];
      for (const entry of this.entries.values()) {
        const f = entry.fingerprint;
        if (entry.sha256 === undefined || f.modifiedAt === undefined || f.localVersion !== undefined) continue;
        records.push({
          objectId: f.objectId,
          modifiedAt: f.modifiedAt,
          ...(f.size !== undefined && { size: f.size }),
          format: f.format,
          file: `${DATA}/${entry.file.slice(this.dataDir.length + 1)}`,
          bytes: entry.bytes,
          sha256: entry.sha256,
          lastUsed: entry.lastUsed,
        });
      }
      try {
        await writeCacheIndex(this.dir, { format: CACHE_INDEX_FORMAT, version: CACHE_INDEX_VERSION, workspace: this.workspace, records });
      } catch (error) {
        if (isDiskFull(error)) this.fault(`the cache index ${join(this.dir, CACHE_INDEX_FILE)} cannot be written: the disk is full`);
        else this.logger.warn(`could not write the cache index: ${String(error)}`);
      }
    });
    return this.saving;
  }
}


/** What changes when a file's bytes are replaced or rewritten: inode, size, ctime. */
function fileIdentity(info: { ino: number; size: number; ctimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.ctimeMs}`;
}

/** The code of the local file-system error `error` is or wraps (Node system errors only), if any. */
function localErrorCode(error: unknown): string | undefined {
  let e = error as { code?: unknown; syscall?: unknown; cause?: unknown; details?: { cause?: unknown } } | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 6; depth++) {
    if (typeof e.syscall === 'string' && typeof e.code === 'string') return e.code;
    e = (e.details?.cause ?? e.cause) as typeof e;
  }
  return undefined;
}

/** Whether `error` (or what it wraps) is a full disk or quota. */
function isDiskFull(error: unknown): boolean {
  const code = localErrorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}
