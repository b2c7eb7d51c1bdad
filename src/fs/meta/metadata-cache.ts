// The engine's metadata cache: per-folder listings of a RemoteWorkspace under one remote root,
// answered in local path terms (`/etl/Ingest.scala`) through each folder's DirectoryView. Owns the
// TTL, negative answers (a fresh listing is authoritative for its children), single-flight listings,
// local-mutation updates and bounded background prefetch of subfolders. It does not own file
// contents, per-path operation locks, or the kernel's attr/entry timeouts (callers align them).
import { RemoteError } from '../remote/remote-error';
import type { RemoteEntry, RemoteWorkspace } from '../remote/remote-workspace';
import { FsError, toFsError } from '../errors';
import type { Logger } from '../logger';
import { baseName as baseOf, isWithin, joinPath, parentPath as parentOf } from '../fs-paths';
import { buildDirectoryView, childPath, JUPYTER_EXTENSION, type DirectoryView, type Presentation } from '../notebooks/directory-view';
import { NOTEBOOK_SYNTAX } from '../../shared/workspace-types';

/** Default time a listing stays fresh, in ms. */
export const DEFAULT_METADATA_TTL_MS = 10_000;

/** Default number of background subfolder listings in flight at once. */
export const DEFAULT_PREFETCH_CONCURRENCY = 4;

/** Construction options of a MetadataCache. */
export interface MetadataCacheOptions {
  remote: RemoteWorkspace;
  /** Remote folder mounted at local `/`, e.g. `/Users/me`. */
  root: string;
  /** Clock, ms. */
  now: () => number;
  /** How long a listing (and so every positive and negative answer from it) stays fresh; default 10 s. */
  ttlMs?: number;
  /** Background subfolder listings in flight at once after a foreground listing; 0 turns prefetch off. Default 4. */
  prefetchConcurrency?: number;
  /** Told about prefetch failures, which are never surfaced otherwise. */
  onPrefetchError?: (localPath: string, error: unknown) => void;
  /**
   * True while the workspace is known to be unreachable (or to refuse the credential): a folder
   * listed before is then answered from its last listing without asking (default: never).
   * Independently of it, a listing that fails that way falls back to the last listing when there
   * is one.
   */
  offline?: () => boolean;
  /** Debug lines for listing hits, misses and prefetches (`--debug`); default none. */
  logger?: Logger;
}

/** One local path as the cache resolved it. */
export interface CachedEntry {
  /** Normalised local path (`/` for the root). */
  localPath: string;
  /** The visible local name (`''` for the root). */
  name: string;
  entry: RemoteEntry;
  presentation: Presentation;
}

/** Fields an upload or metadata change may update on an entry. */
export type EntryPatch = Partial<Pick<RemoteEntry, 'objectId' | 'modifiedAt' | 'createdAt' | 'size' | 'language' | 'exportFormat'>>;

/** Counters for stats; monotonically increasing. */
export interface MetadataCacheCounts {
  /** lookup/readdir answered from fresh listings only. */
  hits: number;
  /** lookup/readdir that had to wait for at least one listing. */
  misses: number;
  /** Of the hits, answers that a name does not exist (negative entries). */
  negativeHits: number;
  /** `list` requests started (foreground and prefetch). */
  listings: number;
  /** Of the listings, those started by prefetch. */
  prefetches: number;
  /** Prefetch listings that failed (and were swallowed). */
  prefetchErrors: number;
}

/** A folder's cached listing: the raw children (source of truth) and the view built from them. */
interface FolderListing {
  remotePath: string;
  entries: RemoteEntry[];
  view: DirectoryView;
  /** `now()` when the listing request started (conservative freshness). */
  fetchedAt: number;
}

/** A listing request in flight; `stale` once a mutation or invalidation overtook it. */
interface InFlight {
  promise: Promise<FolderListing>;
  stale: boolean;
}

/**
 * Metadata cache over a RemoteWorkspace, keyed by local folder path. Every answer comes from the
 * parent folder's listing (one `list` per folder per TTL, never a request per child).
 * Errors: FsError — ENOENT for a missing path, ENOTDIR when a component is not a folder, EINVAL
 * for a malformed path, and remote failures mapped by toFsError.
 */
export class MetadataCache {
  private readonly remote: RemoteWorkspace;
  private readonly root: string;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly prefetchConcurrency: number;
  private readonly onPrefetchError: (localPath: string, error: unknown) => void;
  private readonly offline: () => boolean;
  private readonly logger: Logger | undefined;

  // Concurrency rules (one JS thread; the danger is interleaving across `await`):
  // - `folders` is written only synchronously: in `startListing`'s settle callback (after a list
  //   resolves, and only if no mutation overtook it) and in the note*/invalidate methods. Readers
  //   never hold a FolderListing across an await and expect it to be current.
  // - `inFlight` holds at most one live request per folder; an entry is removed only by the
  //   request that put it there. Mutations mark it `stale` so its result is handed to its waiters
  //   but not stored, and the next reader starts a fresh request.
  // - `prefetchQueue`/`prefetchQueued`/`prefetchActive` change only in `schedulePrefetch` and
  //   `pumpPrefetch`, synchronously.
  private readonly folders = new Map<string, FolderListing>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly prefetchQueue: string[] = [];
  private readonly prefetchQueued = new Set<string>();
  private prefetchActive = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly counters: MetadataCacheCounts = { hits: 0, misses: 0, negativeHits: 0, listings: 0, prefetches: 0, prefetchErrors: 0 };

  constructor(options: MetadataCacheOptions) {
    this.remote = options.remote;
    this.root = options.root.length > 1 ? options.root.replace(/\/+$/, '') : options.root;
    this.now = options.now;
    this.ttlMs = options.ttlMs ?? DEFAULT_METADATA_TTL_MS;
    this.prefetchConcurrency = options.prefetchConcurrency ?? DEFAULT_PREFETCH_CONCURRENCY;
    this.onPrefetchError = options.onPrefetchError ?? (() => undefined);
    this.offline = options.offline ?? (() => false);
    this.logger = options.logger;
  }

  /** A copy of the counters. */
  counts(): MetadataCacheCounts {
    return { ...this.counters };
  }

  /** The remote workspace path of a local folder path (folders always show under their exact names). */
  remotePathOf(localPath: string): string {
    const local = normalizeLocalPath(localPath);
    return local === '/' ? this.root : this.root === '/' ? local : this.root + local;
  }

  /**
   * Resolves `localPath`, listing each stale ancestor folder once. The root is reported as a
   * DIRECTORY synthesised from its successful listing (objectId 0: no get-status is spent on it).
   * Rejects ENOENT (remembered for the parent's TTL), ENOTDIR, EINVAL or a mapped remote error.
   */
  async lookup(localPath: string): Promise<CachedEntry> {
    const local = normalizeLocalPath(localPath);
    const tracker = { waited: false };
    try {
      const result = await this.resolve(local, tracker);
      this.count(tracker, false);
      return result;
    } catch (error) {
      this.count(tracker, error instanceof FsError && error.code === 'ENOENT');
      throw error;
    }
  }

  /**
   * The view of the folder at `localPath` (visible names, sorted, and their entries); one listing
   * request when stale. Rejects ENOTDIR for a file or notebook, ENOENT when missing.
   */
  async readdir(localPath: string): Promise<DirectoryView> {
    const local = normalizeLocalPath(localPath);
    const tracker = { waited: false };
    try {
      const self = await this.resolve(local, tracker);
      if (self.presentation.kind !== 'DIRECTORY') throw new FsError('ENOTDIR', `${local} is not a folder`);
      const listing = await this.listing(local, tracker);
      this.schedulePrefetch(local, listing);
      this.count(tracker, false);
      return listing.view;
    } catch (error) {
      this.count(tracker, error instanceof FsError && error.code === 'ENOENT');
      throw error;
    }
  }

  /**
   * Records that `entry` now exists at `localPath` (its parent's raw listing gains it and the view
   * is rebuilt, so notebook names and collisions stay right). A new folder gets a fresh empty
   * listing. No request is made; an uncached parent is left alone (its next listing will show it).
   */
  noteCreated(localPath: string, entry: RemoteEntry): void {
    const local = normalizeLocalPath(localPath);
    const parent = parentOf(local);
    this.mutateFolder(parent, (entries) => [...entries.filter((e) => e.path !== entry.path), entry]);
    if (entry.type === 'DIRECTORY' || entry.type === 'REPO') {
      this.dropSubtree(local);
      this.folders.set(local, this.makeListing(this.remotePathOf(local), [], this.now()));
    }
  }

  /** Records that `localPath` is gone; cached listings under it are dropped. */
  noteRemoved(localPath: string): void {
    const local = normalizeLocalPath(localPath);
    const visible = this.folders.get(parentOf(local))?.view.entries.get(baseOf(local));
    if (visible !== undefined) this.mutateFolder(parentOf(local), (entries) => entries.filter((e) => e.path !== visible.entry.path));
    else this.markStale(parentOf(local));
    this.dropSubtree(local);
  }

  /**
   * Records a move of `fromLocal` to `toLocal`. The destination's remote path is `toRemotePath`
   * when given, else derived (a notebook drops the `.py`/`.ipynb`-style extension of the new name).
   * Cached listings under a moved folder move with it, their entries re-pathed.
   */
  noteRenamed(fromLocal: string, toLocal: string, toRemotePath?: string): void {
    const from = normalizeLocalPath(fromLocal);
    const to = normalizeLocalPath(toLocal);
    if (from === to) return;
    const visible = this.folders.get(parentOf(from))?.view.entries.get(baseOf(from));
    if (visible === undefined) {
      // Nothing known about the source: forget both sides rather than guess.
      this.markStale(parentOf(from));
      this.markStale(parentOf(to));
      this.folders.delete(parentOf(from));
      this.folders.delete(parentOf(to));
      this.dropSubtree(from);
      this.dropSubtree(to);
      return;
    }
    const oldRemote = visible.entry.path;
    const newRemote = toRemotePath ?? childPath(this.remotePathOf(parentOf(to)), remoteNameFor(baseOf(to), visible.presentation));
    const moved: RemoteEntry = { ...visible.entry, path: newRemote };
    this.mutateFolder(parentOf(from), (entries) => entries.filter((e) => e.path !== oldRemote));
    this.mutateFolder(parentOf(to), (entries) => [...entries.filter((e) => e.path !== newRemote), moved]);
    this.dropSubtree(to);
    // Re-key cached listings of the moved folder and its descendants.
    for (const [key, listing] of [...this.folders]) {
      if (!isWithin(key, from)) continue;
      this.folders.delete(key);
      const newKey = to + key.slice(from.length);
      const repath = (path: string): string => newRemote + path.slice(oldRemote.length);
      const entries = listing.entries.map((e) => ({ ...e, path: repath(e.path) }));
      this.folders.set(newKey, this.makeListing(repath(listing.remotePath), entries, listing.fetchedAt));
    }
    for (const [key, flight] of this.inFlight) if (isWithin(key, from)) flight.stale = true;
  }

  /** Updates fields of the entry at `localPath` (e.g. modifiedAt and size after an upload). */
  noteChanged(localPath: string, patch: EntryPatch): void {
    const local = normalizeLocalPath(localPath);
    const visible = this.folders.get(parentOf(local))?.view.entries.get(baseOf(local));
    if (visible === undefined) {
      this.markStale(parentOf(local));
      return;
    }
    this.mutateFolder(parentOf(local), (entries) => entries.map((e) => (e.path === visible.entry.path ? { ...e, ...patch } : e)));
  }

  /** The entry at `localPath` in its folder's cached listing, fresh or not; never a request. */
  cachedEntry(localPath: string): RemoteEntry | undefined {
    const local = normalizeLocalPath(localPath);
    return this.folders.get(parentOf(local))?.view.entries.get(baseOf(local))?.entry;
  }

  /** Whether the folder `localPath` has a cached listing younger than the TTL (no request to use it). */
  isListingFresh(localPath: string): boolean {
    const cached = this.folders.get(normalizeLocalPath(localPath));
    return cached !== undefined && this.isFresh(cached);
  }

  /** Drops the cached listing of the folder `localPath`; its next use lists it again. */
  invalidate(localPath: string): void {
    const local = normalizeLocalPath(localPath);
    this.folders.delete(local);
    this.markStale(local);
  }

  /** Resolves once no prefetch is queued or running (for tests and orderly shutdown). */
  prefetchIdle(): Promise<void> {
    if (this.prefetchActive === 0 && this.prefetchQueue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // --- resolution -------------------------------------------------------------------------

  private async resolve(local: string, tracker: { waited: boolean }): Promise<CachedEntry> {
    if (local === '/') {
      await this.listing('/', tracker);
      const entry: RemoteEntry = { path: this.root, type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: 0 };
      return { localPath: '/', name: '', entry, presentation: { kind: 'DIRECTORY' } };
    }
    const names = local.slice(1).split('/');
    let folder = '/';
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const listing = await this.listing(folder, tracker);
      const visible = listing.view.entries.get(name);
      const here = joinPath(folder, name);
      if (visible === undefined) throw new FsError('ENOENT', `${here}: no such file or folder`);
      if (i === names.length - 1) return { localPath: here, name, entry: visible.entry, presentation: visible.presentation };
      if (visible.presentation.kind !== 'DIRECTORY') throw new FsError('ENOTDIR', `${here} is not a folder`);
      folder = here;
    }
    throw new Error('unreachable');
  }

  /**
   * A fresh listing of the local folder `local`, from cache, an in-flight request, or a new one.
   * While the workspace is unreachable, the last listing (stale or not) stands in for a fresh one.
   */
  private async listing(local: string, tracker: { waited: boolean }): Promise<FolderListing> {
    const cached = this.folders.get(local);
    if (cached !== undefined && this.isFresh(cached)) {
      this.logger?.debug('listing hit', { path: local });
      return cached;
    }
    if (cached !== undefined && this.offline()) {
      this.logger?.debug('listing hit (offline: the last listing)', { path: local });
      return cached;
    }
    tracker.waited = true;
    const flight = this.inFlight.get(local);
    const joined = flight !== undefined && !flight.stale;
    this.logger?.debug(joined ? 'listing miss (joins the listing in flight)' : 'listing miss', { path: local });
    const request = joined ? flight.promise : this.startListing(local, false);
    if (cached === undefined) return request;
    return request.catch((error: unknown) => {
      if (!waitedOut(error)) throw error;
      return this.folders.get(local) ?? cached;
    });
  }

  private startListing(local: string, prefetch: boolean): Promise<FolderListing> {
    const remotePath = this.remotePathOf(local);
    const startedAt = this.now();
    this.counters.listings++;
    if (prefetch) {
      this.counters.prefetches++;
      this.logger?.debug('listing prefetch', { path: local });
    }
    const flight: InFlight = { stale: false, promise: undefined as unknown as Promise<FolderListing> };
    flight.promise = this.remote.list(remotePath).then(
      (entries) => {
        const listing = this.makeListing(remotePath, entries, startedAt);
        if (this.inFlight.get(local) === flight) this.inFlight.delete(local);
        if (!flight.stale) this.folders.set(local, listing);
        return listing;
      },
      (error: unknown) => {
        if (this.inFlight.get(local) === flight) this.inFlight.delete(local);
        throw toFsError(error, local);
      },
    );
    this.inFlight.set(local, flight);
    return flight.promise;
  }

  private isFresh(listing: FolderListing): boolean {
    return this.now() - listing.fetchedAt < this.ttlMs;
  }

  private makeListing(remotePath: string, entries: RemoteEntry[], fetchedAt: number): FolderListing {
    return { remotePath, entries, view: buildDirectoryView(remotePath, entries), fetchedAt };
  }

  private count(tracker: { waited: boolean }, negative: boolean): void {
    if (tracker.waited) this.counters.misses++;
    else {
      this.counters.hits++;
      if (negative) this.counters.negativeHits++;
    }
  }

  // --- mutations --------------------------------------------------------------------------

  /** Applies `change` to the cached raw children of `local` and rebuilds its view (keeps its age). */
  private mutateFolder(local: string, change: (entries: RemoteEntry[]) => RemoteEntry[]): void {
    this.markStale(local);
    const listing = this.folders.get(local);
    if (listing === undefined) return;
    this.folders.set(local, this.makeListing(listing.remotePath, change(listing.entries), listing.fetchedAt));
  }

  private markStale(local: string): void {
    const flight = this.inFlight.get(local);
    if (flight !== undefined) flight.stale = true;
  }

  private dropSubtree(local: string): void {
    for (const key of [...this.folders.keys()]) if (isWithin(key, local)) this.folders.delete(key);
    for (const [key, flight] of this.inFlight) if (isWithin(key, local)) flight.stale = true;
  }

  // --- prefetch ---------------------------------------------------------------------------

  /**
   * Queues background listings of the stale visible subfolders of `local`, after each readdir (a
   * walk reads the folders it lists). One level only: prefetched listings do not prefetch.
   */
  private schedulePrefetch(local: string, listing: FolderListing): void {
    if (this.prefetchConcurrency <= 0) return;
    for (const name of listing.view.names) {
      const visible = listing.view.entries.get(name)!;
      if (visible.presentation.kind !== 'DIRECTORY') continue;
      const child = joinPath(local, name);
      if (this.prefetchQueued.has(child) || this.inFlight.has(child)) continue;
      const cached = this.folders.get(child);
      if (cached !== undefined && this.isFresh(cached)) continue;
      this.prefetchQueued.add(child);
      this.prefetchQueue.push(child);
    }
    this.pumpPrefetch();
  }

  private pumpPrefetch(): void {
    while (this.prefetchActive < this.prefetchConcurrency && this.prefetchQueue.length > 0) {
      const local = this.prefetchQueue.shift()!;
      this.prefetchQueued.delete(local);
      const cached = this.folders.get(local);
      const flight = this.inFlight.get(local);
      if ((cached !== undefined && this.isFresh(cached)) || (flight !== undefined && !flight.stale)) continue;
      this.prefetchActive++;
      this.startListing(local, true)
        .catch((error: unknown) => {
          this.counters.prefetchErrors++;
          try {
            this.onPrefetchError(local, error);
          } catch {
            // A failing logger must not break prefetch.
          }
        })
        .finally(() => {
          this.prefetchActive--;
          this.pumpPrefetch();
        });
    }
    if (this.prefetchActive === 0 && this.prefetchQueue.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** A listing failure the last listing may stand in for: the workspace unreachable, or refusing an expired token. */
function waitedOut(error: unknown): boolean {
  if (!(error instanceof FsError)) return false;
  if (error.code === 'ETIMEDOUT' || error.code === 'EAGAIN') return true;
  return error.cause instanceof RemoteError && error.cause.kind === 'unauthenticated';
}

/**
 * Normalises a local path: absolute, no trailing slash (except `/`), no empty, `.` or `..`
 * components. EINVAL otherwise.
 */
export function normalizeLocalPath(path: string): string {
  if (!path.startsWith('/')) throw new FsError('EINVAL', `${path}: local paths must be absolute`);
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const parts = trimmed.slice(1).split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) throw new FsError('EINVAL', `${path}: not a normalised path`);
  return trimmed;
}

/** The workspace name behind a local name presented as `presentation` (notebooks lose their extension). */
function remoteNameFor(name: string, presentation: Presentation): string {
  if (presentation.kind !== 'NOTEBOOK') return name;
  for (const extension of [NOTEBOOK_SYNTAX[presentation.language].extension, JUPYTER_EXTENSION]) {
    if (name.endsWith(extension) && name.length > extension.length) return name.slice(0, -extension.length);
  }
  return name;
}
