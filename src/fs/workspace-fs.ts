// The workspace filesystem (contract: docs/semantics.md "Operations"): the `Filesystem` port over a
// RemoteWorkspace, the MetadataCache, the ContentCache and staging files. It owns open files and
// handles, the per-path lock, when to upload, the conflict check and local-only Finder clutter; not
// metadata (meta/), notebook naming (notebooks/), errno numbers (fuse/), the journal's format, retry
// timing or read-back batching (write/).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename as renameFile, rm, truncate as truncateFile, utimes, type FileHandle as NodeFileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { reportDownload, type TransferUpdate } from './download-progress';
import { sha256Of } from './file-sha256';
import { FsError, fromLocalError, LocalDiskError, toFsError, type FsErrorCode } from './errors';
import { baseName as baseOf, joinPath, parentPath as parentOf } from './fs-paths';
import type { DirectoryEntry, FileAttributes, FileHandle, Filesystem, FilesystemStats, ReadThrough, WriteThrough } from './filesystem';
import type { Logger } from './logger';
import { normalizeLocalPath, type CachedEntry, type MetadataCache } from './meta/metadata-cache';
import { VERSION_MTIMES_FILE, VersionMtimes } from './meta/version-mtimes';
import { buildDirectoryView, childPath, downloadFormat, invalidNameReason, JUPYTER_EXTENSION, type DirectoryView, type Presentation } from './notebooks/directory-view';
import { convertSource, HEADER_PROBE_BYTES, planUpload, type UploadRefusal } from './notebooks/notebook-source';
import { planRename, type RenamePlan, type RenameRefusal } from './notebooks/rename-plan';
import { PathLocks } from './path-locks';
import { syncFolder } from './replace-file';
import { inodeOfEntry, inodeOfLocalOnly, isProvisionalId } from './inode-numbers';
import { InodeAliases } from './inode-aliases';
import type { DownloadFormat, RemoteEntry, RemoteWorkspace, UploadKind } from './remote/remote-workspace';
import { RemoteError } from './remote/remote-error';
import { ContentCache, type CacheLease } from './cache/content-cache';
import { Prefetcher, type PrefetchCandidate, type PrefetchLimits } from './cache/prefetcher';
import { fingerprintKey, type ContentFingerprint } from './cache/content-fingerprint';
import { GrowingDownloads, type GrowingReader, type ReadCopy } from './cache/growing-downloads';
import { isLocalOnlyName, LocalOnlyFiles } from './write/local-only-files';
import { StagingFile } from './write/staging-file';
import { markedCopyName } from './write/conflict-name';
import { uploadFailedProblem } from './write/upload-failure';
import { RemoteHealth, type HealthState } from './write/remote-health';
import { UploadScheduler, type UploadSchedulerOptions } from './write/upload-scheduler';
import { LocalDiskFailures } from './write/local-disk-failures';
import { ReadBacks } from './write/read-backs';
import { WriteJournal, type BaseVersion, type JournalRecord } from './write/write-journal';
import type { TransferSummary } from '../shared/cache-usage';
import type { UploadMode } from '../shared/engine-protocol';
import type { Problem } from '../shared/problem';
import { NOTEBOOK_SYNTAX } from '../shared/workspace-types';

/** Permission bits of folders. */
export const DIRECTORY_MODE = 0o755;
/** Permission bits of files and notebooks. */
export const FILE_MODE = 0o644;
/** A `.ipynb` save up to this size is read whole to tell whether it is Jupyter JSON. */
export const JUPYTER_PROBE_LIMIT_BYTES = 32 * 1024 * 1024;

/** `rawType` of a provisional entry: a file created locally and not yet uploaded. */
const PROVISIONAL = 'WSFS_PROVISIONAL';
const ACCESS_MODE = constants.O_RDONLY | constants.O_WRONLY | constants.O_RDWR;
/** A background upload starts this long after the close that queued it (saves in a row share one upload). */
export const BACKGROUND_START_DELAY_MS = 100;
/**
 * At unmount and before a folder moves, uploads not read back yet get at most this long to be read
 * back (only while the workspace is reachable); past it they lose only their shown times and numbers.
 */
export const READ_BACK_WAIT_MS = 5_000;
/** A running upload reports its bytes at most this often. */
const PROGRESS_EVERY_MS = 250;

/** Construction options of WorkspaceFs; everything is injected. */
export interface WorkspaceFsOptions {
  remote: RemoteWorkspace;
  metadata: MetadataCache;
  /** Local folder for staging files and local-only files (created 0700). */
  stateDir: string;
  /** The content cache; default: one kept under `stateDir/cache` (tests). */
  cache?: ContentCache;
  logger: Logger;
  /** Clock, ms. */
  now: () => number;
  /** The mounting user: what chown may keep. */
  uid: number;
  gid: number;
  /** `sync` (default): close returns once the upload committed; `background`: close returns once the bytes are journaled. */
  uploadMode?: UploadMode;
  /** Reachability and sign-in, shared with the metadata cache (default: a private one). */
  health?: RemoteHealth;
  /** Told about problems the user should see (conflict copies, failed uploads, outages). */
  onProblem?: (problem: Problem) => void;
  /** Told about every change of an upload's or a download's phase, and their bytes. */
  onTransfer?: (progress: TransferUpdate) => void;
  /** Back-off of the background uploader. */
  uploadRetry?: UploadSchedulerOptions;
  /** Limits of the small-file prefetch (cache/prefetcher.ts); false: none. */
  prefetch?: Partial<PrefetchLimits> | false;
}

/** An upload being sent: its size, the bytes handed to the connection, when they were last told. */
interface RunningUpload {
  size: number;
  sent: number;
  reportedAt: number;
  /** The pending report of a throttled figure. */
  trailing?: NodeJS.Timeout;
}

/**
 * A path that is open (or has unsaved content): shared by all of its handles.
 * `path`, `staging`, `entry`, `uploaded`, `created` and `unlinked` change only inside the per-path
 * lock of `path` (rename holds both of its paths while it re-keys); `handles` changes in
 * open/create/release under the same lock.
 */
interface OpenFile {
  path: string;
  handles: number;
  /** The working copy, present once the path was opened for writing or truncated. */
  staging?: StagingFile;
  /** The remote object as last known (provisional until a created file is uploaded). */
  entry: RemoteEntry;
  presentation: Presentation;
  /** Created locally and never uploaded yet. */
  created: boolean;
  /** Removed while open: nothing is uploaded any more. */
  unlinked: boolean;
  /** Set after an upload when the staging bytes are exactly that version's content (adoptable). */
  uploaded?: ContentFingerprint;
  /** The write journal's record for the staged changes, once there are any; removed after their upload. */
  journalId?: string;
  /** `staging.changes` when the last durable (`closed`) record was written; unset while the record is `open`. */
  journaledChanges?: number;
  /**
   * Revokes the read-through descriptors (readThrough) of this file's read-only handles: aborted
   * and dropped, under the per-path lock, when a staging file appears (reads must see it).
   */
  readers?: AbortController;
  /**
   * Revokes write-through (writeThrough) of this file's one writable handle: set only outside the
   * per-path lock, aborted (synchronously unregistering it) at the start of every locked operation
   * on the path (`locked`).
   */
  writers?: AbortController;
}

/** An open handle. `position`-less: every read and write names its offset. */
type Handle =
  | { kind: 'remote'; file: OpenFile; writable: boolean; append: boolean; copy?: ReadCopy; opening?: Promise<ReadCopy> }
  | { kind: 'local-only'; path: string; fd: NodeFileHandle };

/**
 * The Filesystem over a Databricks workspace. Errors: FsError only (see docs/semantics.md,
 * "Operations"); remote failures through toFsError.
 */
export class WorkspaceFs implements Filesystem {
  /** Set once in the constructor (observed by the private health when none is shared). */
  private remote: RemoteWorkspace;
  private readonly metadata: MetadataCache;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly uid: number;
  private readonly gid: number;
  private readonly stateDir: string;
  private readonly stagingDir: string;
  private readonly cache: ContentCache;
  /** Downloads read handles read while they arrive (plain files of listed size). */
  private readonly growing = new GrowingDownloads();
  private readonly localOnly: LocalOnlyFiles;
  private readonly locks = new PathLocks();
  /** Folder times: workspace folders carry none, so they report the mount's start, stably. */
  private readonly startedAt: number;
  /**
   * The mtime shown per version instead of the workspace's modified_at (persisted in the state
   * folder): times programs set (utimens), and for versions this mount uploaded the last local
   * write time, which is what the kernel already holds for the file (else a program sees the mtime
   * of a file it just wrote jump once the kernel's attribute cache expires; vim then warns the file
   * changed). A version's time is set only under the per-path lock of a path showing it.
   */
  private readonly mtimes: VersionMtimes;
  // `files` is keyed by OpenFile.path; entries are added, re-keyed and removed only under the
  // per-path lock of the key(s) involved. `handles` maps live handles; changed in open/create/release.
  private readonly files = new Map<string, OpenFile>();
  private readonly handles = new Map<FileHandle, Handle>();
  private nextHandle = 1;
  /** Provisional ids, and the ones objects created here keep after their read-back (persisted). */
  private readonly aliases: InodeAliases;
  private prepared: Promise<void> | undefined;
  private nextLocalVersion = 1;
  /** Uploaded plain files not read back yet: one listing per folder learns their new versions. */
  private readonly readBacks: ReadBacks;
  private readonly journal: WriteJournal;
  private readonly uploadMode: UploadMode;
  private readonly health: RemoteHealth;
  private readonly scheduler: UploadScheduler;
  private readonly prefetcher: Prefetcher | undefined;
  private readonly onProblem: (problem: Problem) => void;
  private readonly onTransfer: (progress: TransferUpdate) => void;
  // `owed` holds files whose journaled bytes the background uploader still has to send; `sending`
  // the uploads running now with their sizes. Both change only under the per-path lock of the file.
  private readonly owed = new Set<OpenFile>();
  private readonly sending = new Map<OpenFile, RunningUpload>();
  /** Staging files whose folder entry has been fsynced. */
  private readonly durableStaging = new WeakSet<StagingFile>();
  /** Journal ids already reported as upload-failed (one problem per failed content, not per retry). */
  private readonly reportedFailures = new Set<string>();
  /** Failures of the state folder's disk: their errno, and one problem per episode. */
  private readonly diskFailures: LocalDiskFailures;

  constructor(options: WorkspaceFsOptions) {
    this.remote = options.remote;
    this.metadata = options.metadata;
    this.logger = options.logger;
    this.now = options.now;
    this.uid = options.uid;
    this.gid = options.gid;
    this.stagingDir = join(options.stateDir, 'staging');
    this.cache =
      options.cache ??
      new ContentCache({
        dir: join(options.stateDir, 'cache'),
        transientDir: join(options.stateDir, 'transient'),
        workspace: 'default',
        enabled: true,
        now: options.now,
        logger: options.logger.child('cache'),
      });
    this.localOnly = new LocalOnlyFiles(join(options.stateDir, 'local-only'));
    this.stateDir = options.stateDir;
    this.mtimes = new VersionMtimes({ file: join(options.stateDir, VERSION_MTIMES_FILE), logger: options.logger.child('mtimes') });
    this.startedAt = options.now();
    this.journal = new WriteJournal(join(options.stateDir, 'journal'));
    this.aliases = new InodeAliases(join(options.stateDir, 'inodes.json'), options.logger);
    this.uploadMode = options.uploadMode ?? 'sync';
    this.onProblem = options.onProblem ?? ((problem) => this.logger.warn(problem.message));
    this.onTransfer = options.onTransfer ?? (() => undefined);
    this.readBacks = new ReadBacks({
      list: (remoteFolder) => this.remote.list(remoteFolder),
      locked: (local, fn) => this.locked([local], fn),
      isListingFresh: (folder) => this.metadata.isListingFresh(folder),
      adopt: (local, tagged, real) => this.adoptReadBack(local, tagged, real),
      logger: options.logger,
    });
    this.diskFailures = new LocalDiskFailures({ stateDir: options.stateDir, onProblem: (problem) => this.onProblem(problem) });
    // Without a shared health, a private one watches this filesystem's own remote calls.
    this.health =
      options.health ??
      new RemoteHealth({ now: options.now, onProblem: (problem) => this.onProblem(problem), onRecovered: () => this.scheduler.kick() });
    if (options.health === undefined) this.remote = this.health.observe(options.remote);
    this.scheduler = new UploadScheduler(() => this.uploadOwed(), options.uploadRetry);
    if (options.prefetch !== false) {
      this.prefetcher = new Prefetcher({
        candidates: (folder) => this.prefetchCandidates(folder),
        // Not while the workspace is out of reach: guesses must not pile up retries.
        active: () => this.cache.enabled && this.health.state.kind === 'online',
        now: options.now,
        logger: options.logger.child('prefetch'),
        ...(options.prefetch !== undefined && { limits: options.prefetch }),
      });
    }
    // While the workspace is out of reach (or refuses the credential) the uploader's runs also
    // probe it, so the state ends even when nothing is owed (listings are not tried meanwhile;
    // a credential helper may also renew an expired token by itself).
    this.health.subscribe((state) => {
      if (state.kind !== 'online') this.scheduler.soon(0);
    });
  }

  // --- attributes and listings -------------------------------------------------------------

  async getattr(path: string): Promise<FileAttributes> {
    const local = normalizeLocalPath(path);
    if (isLocalOnlyName(baseOf(local))) return this.localOnlyAttributes(local);
    const file = this.files.get(local);
    if (file?.staging !== undefined) return this.openFileAttributes(file);
    await this.readBacks.before(parentOf(local));
    return this.attributesOf(await this.metadata.lookup(local));
  }

  async fgetattr(path: string, handle: FileHandle): Promise<FileAttributes> {
    const h = this.handles.get(handle);
    if (h?.kind === 'remote' && h.file.staging !== undefined) return this.openFileAttributes(h.file);
    if (h?.kind === 'remote' && h.copy !== undefined && h.file.unlinked) {
      const size = h.copy.kind === 'complete' ? (await h.copy.fd.stat()).size : h.copy.file.expectedSize;
      return fileAttributes(size, this.mtimeOf(h.file.entry), this.inodeOf(h.file.entry));
    }
    return this.getattr(path);
  }

  async readdir(path: string): Promise<DirectoryEntry[]> {
    const local = normalizeLocalPath(path);
    if (isLocalOnlyName(baseOf(local))) throw new FsError('ENOTDIR', `${local} is not a folder`);
    await this.readBacks.before(local);
    const view = await this.metadata.readdir(local);
    const entries = await Promise.all(
      view.names.map(async (name): Promise<DirectoryEntry> => {
        const child = joinPath(local, name);
        const file = this.files.get(child);
        if (file?.staging !== undefined) return { name, attributes: this.openFileAttributes(file) };
        const visible = view.entries.get(name)!;
        const found: CachedEntry = { localPath: child, name, entry: visible.entry, presentation: visible.presentation };
        try {
          return { name, attributes: await this.attributesOf(found) };
        } catch (error) {
          // One unreadable notebook must not break `ls`: it lists with size 0, and its own
          // getattr or open reports the error.
          const failure = toFsError(error, child);
          this.logger.warn(`cannot learn the size of ${child}: ${failure.message}`, { path: child, code: failure.code });
          return { name, attributes: fileAttributes(0, this.mtimeOf(visible.entry), this.inodeOf(visible.entry)) };
        }
      }),
    );
    const shown = new Set(view.names);
    // Files created here and not yet uploaded stay visible even after a fresh listing.
    for (const file of this.files.values()) {
      const name = baseOf(file.path);
      if (parentOf(file.path) !== local || file.unlinked || file.staging === undefined || shown.has(name)) continue;
      shown.add(name);
      entries.push({ name, attributes: this.openFileAttributes(file) });
    }
    for (const name of await this.localOnly.namesIn(local)) {
      if (shown.has(name)) continue;
      entries.push({ name, attributes: await this.localOnlyAttributes(joinPath(local, name)) });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // --- open, read, write, close -------------------------------------------------------------

  async open(path: string, flags: number): Promise<FileHandle> {
    const local = normalizeLocalPath(path);
    await this.readBacks.before(parentOf(local));
    return this.locked([local], () => this.openLocked(local, flags));
  }

  async create(path: string, _mode: number, flags: number): Promise<FileHandle> {
    const local = normalizeLocalPath(path);
    if (local === '/') throw new FsError('EISDIR', '/ is a folder');
    return this.locked([local], async () => {
      const name = baseOf(local);
      if (isLocalOnlyName(name)) {
        await this.localOnly.prepare();
        const exclusive = (flags & constants.O_EXCL) !== 0 ? constants.O_EXCL : 0;
        const fd = await localOnlyCall(local, () => open(this.localOnly.fileOf(local), constants.O_CREAT | constants.O_RDWR | exclusive | (flags & constants.O_TRUNC), 0o600));
        return this.addHandle({ kind: 'local-only', path: local, fd });
      }
      const existing = this.files.get(local);
      const view = await this.metadata.readdir(parentOf(local));
      if ((existing !== undefined && !existing.unlinked && existing.staging !== undefined) || view.entries.has(name)) {
        if ((flags & constants.O_EXCL) !== 0) throw new FsError('EEXIST', `${local} already exists`);
        return this.openLocked(local, flags);
      }
      if (view.byRemoteName.has(name)) throw new FsError('EEXIST', `${local}: the workspace already holds a hidden object of that name`);
      checkName(local, name);
      await this.prepare();
      const entry: RemoteEntry = {
        path: childPath(view.directory, name),
        type: 'FILE',
        rawType: PROVISIONAL,
        objectId: this.aliases.allocate(),
        modifiedAt: this.now(),
        createdAt: this.now(),
        size: 0,
      };
      const staging = await StagingFile.create(this.stagingDir, name, undefined, this.now());
      staging.dirty = true;
      const file: OpenFile = { path: local, handles: 0, staging, entry, presentation: { kind: 'FILE' }, created: true, unlinked: false };
      await this.noteChange(file);
      this.files.set(local, file);
      this.metadata.noteCreated(local, entry);
      file.handles++;
      return this.addHandle({ kind: 'remote', file, writable: true, append: (flags & constants.O_APPEND) !== 0 });
    });
  }

  async read(_path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    const h = this.handle(handle);
    try {
      if (h.kind === 'local-only') return (await h.fd.read(buffer, 0, length, position)).bytesRead;
      const staging = h.file.staging;
      if (staging !== undefined && staging.isOpen) return await staging.read(buffer, length, position);
      if (h.copy === undefined) {
        // Concurrent first reads of one handle share one copy (else one lease would never be released).
        h.opening ??= this.openCopy(h.file.path, h.file.entry, h.file.presentation).finally(() => delete h.opening);
        h.copy = await h.opening;
      }
      if (h.copy.kind === 'growing') return await h.copy.file.read(buffer, length, position);
      return (await h.copy.fd.read(buffer, 0, length, position)).bytesRead;
    } catch (error) {
      throw this.readFailure(error, h.kind === 'local-only' ? h.path : h.file.path);
    }
  }

  /**
   * A read's failure as the error to answer with: one of the local disk (a download's copy hit a
   * full disk) is reported as a problem and answered with EIO, which readers expect from read(2)
   * (ENOSPC or EROFS they do not); anything else unchanged (docs/semantics.md "Local disk").
   */
  private readFailure(error: unknown, local: string): unknown {
    const failure = error instanceof FsError ? error : toFsError(error, local);
    if (!(failure instanceof LocalDiskError)) return error;
    const mapped = this.diskFailures.check(fromLocalError(failure, `${local}: cannot copy the file's content to read it`, failure.folder, 'read'), local, 'read') as FsError;
    return new FsError('EIO', mapped.message, mapped);
  }

  /**
   * A read-only handle's pinned copy (one complete file per version, never changed or evicted while
   * pinned), until a staging file appears for its path (then `readers` is aborted and reads come
   * here to see the staging file). Not while the copy is still downloading (the binding would
   * answer reads past its current end with EOF): then only once it is complete.
   */
  readThrough(handle: FileHandle): ReadThrough | undefined {
    const h = this.handles.get(handle);
    if (h?.kind !== 'remote' || h.writable || h.copy === undefined || h.file.staging !== undefined) return undefined;
    const fd = h.copy.kind === 'complete' ? h.copy.fd.fd : h.copy.file.completeDescriptor;
    if (fd === undefined) return undefined;
    h.file.readers ??= new AbortController();
    return { fd, revoked: h.file.readers.signal };
  }

  /**
   * The staging file's descriptor for the later writes of `handle`, when that is safe: a plain file
   * whose change is journaled already (the first write came through `write`), with no other
   * writable handle and no operation holding or waiting for its path's lock.
   */
  writeThrough(handle: FileHandle): WriteThrough | undefined {
    const h = this.handles.get(handle);
    if (h?.kind !== 'remote' || !h.writable) return undefined;
    const file = h.file;
    const staging = file.staging;
    if (staging === undefined || !staging.isOpen || staging.connected || !staging.dirty) return undefined;
    if (file.journalId === undefined || file.unlinked || file.writers !== undefined || file.presentation.kind !== 'FILE') return undefined;
    if (this.locks.isBusy(file.path) || this.writableHandles(file) !== 1) return undefined;
    const writers = new AbortController();
    file.writers = writers;
    return {
      fd: staging.descriptor,
      size: staging.size,
      append: h.append,
      revoked: writers.signal,
      connect: (counters) => staging.connectWriter(counters),
      disconnect: (final) => staging.disconnectWriter(final),
    };
  }

  async write(_path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return this.onLocalDisk(h.path, async () => (await h.fd.write(buffer, 0, length, position)).bytesWritten);
    if (!h.writable) throw new FsError('EINVAL', `${h.file.path} is not open for writing`);
    return this.locked(
      [h.file.path],
      async () => {
        const staging = h.file.staging!;
        await this.noteChange(h.file);
        return staging.write(buffer, length, h.append ? staging.size : position, this.now());
      },
      h.file,
    );
  }

  async flush(_path: string, handle: FileHandle): Promise<void> {
    const h = this.handle(handle);
    // A reader's close uploads nothing: the writers' closes and the background uploader do.
    if (h.kind === 'local-only' || !h.writable) return;
    await this.locked([h.file.path], () => this.uploadIfDirty(h.file, this.closeMode()), h.file);
  }

  /** Uploads now in either upload mode: fsync means "in the workspace". */
  async fsync(_path: string, handle: FileHandle, _dataOnly: boolean): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return this.onLocalDisk(h.path, () => h.fd.sync());
    await this.locked([h.file.path], () => this.uploadIfDirty(h.file, 'wait'), h.file);
  }

  async release(_path: string, handle: FileHandle): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') {
      this.handles.delete(handle);
      await h.fd.close();
      return;
    }
    await this.locked(
      [h.file.path],
      async () => {
        try {
          if (h.writable) await this.uploadIfDirty(h.file, this.closeMode());
        } finally {
          this.handles.delete(handle);
          if (h.copy !== undefined) await this.growing.close(h.copy);
          h.file.handles--;
          if (h.file.handles === 0) await this.settle(h.file);
        }
      },
      h.file,
    );
  }

  // --- truncate ------------------------------------------------------------------------------

  async truncate(path: string, size: number): Promise<void> {
    const local = normalizeLocalPath(path);
    checkSize(local, size);
    await this.locked([local], async () => {
      if (isLocalOnlyName(baseOf(local))) {
        if ((await this.localOnly.stat(local)) === undefined) throw new FsError('ENOENT', `${local}: no such file`);
        await truncateFile(this.localOnly.fileOf(local), size);
        return;
      }
      let file = this.files.get(local);
      if (file?.staging === undefined) {
        const found = await this.metadata.lookup(local);
        if (found.presentation.kind === 'DIRECTORY') throw new FsError('EISDIR', `${local} is a folder`);
        const staging = await this.stagingFor(local, found.entry, found.presentation, size === 0);
        file ??= { path: local, handles: 0, entry: found.entry, presentation: found.presentation, created: false, unlinked: false };
        file.staging = staging;
        revokeReadThrough(file);
        this.files.set(local, file);
      }
      await this.noteChange(file);
      await file.staging!.truncate(size, this.now());
      if (file.handles === 0) {
        await this.uploadIfDirty(file, this.closeMode());
        await this.settle(file);
      }
    });
  }

  async ftruncate(_path: string, handle: FileHandle, size: number): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return this.onLocalDisk(h.path, () => h.fd.truncate(size));
    checkSize(h.file.path, size);
    if (!h.writable) throw new FsError('EINVAL', `${h.file.path} is not open for writing`);
    await this.locked(
      [h.file.path],
      async () => {
        await this.noteChange(h.file);
        await h.file.staging!.truncate(size, this.now());
      },
      h.file,
    );
  }

  // --- namespace -----------------------------------------------------------------------------

  async unlink(path: string): Promise<void> {
    const local = normalizeLocalPath(path);
    await this.locked([local], async () => {
      if (isLocalOnlyName(baseOf(local))) {
        if (!(await this.localOnly.remove(local))) throw new FsError('ENOENT', `${local}: no such file`);
        return;
      }
      const file = this.files.get(local);
      if (file === undefined || !file.created) {
        const found = await this.metadata.lookup(local);
        if (found.presentation.kind === 'DIRECTORY') throw new FsError('EISDIR', `${local} is a folder`);
        await this.remoteCall(local, () => this.remote.delete(found.entry.path, { recursive: false }));
      }
      this.metadata.noteRemoved(local);
      if (file !== undefined) {
        file.unlinked = true;
        this.files.delete(local);
        await this.forgetOwed(file);
        if (file.handles === 0) await file.staging?.discard();
      }
    });
  }

  async mkdir(path: string, _mode: number): Promise<void> {
    const local = normalizeLocalPath(path);
    if (local === '/') throw new FsError('EEXIST', '/ already exists');
    await this.locked([local], async () => {
      const name = baseOf(local);
      const view = await this.metadata.readdir(parentOf(local));
      if (view.entries.has(name) || view.byRemoteName.has(name) || this.files.get(local)?.staging !== undefined) {
        throw new FsError('EEXIST', `${local} already exists`);
      }
      if (isLocalOnlyName(name) && (await this.localOnly.stat(local)) !== undefined) throw new FsError('EEXIST', `${local} already exists`);
      checkName(local, name);
      const remotePath = childPath(view.directory, name);
      await this.remoteCall(local, () => this.remote.mkdirs(remotePath));
      const entry = await this.remoteCall(local, () => this.remote.stat(remotePath));
      this.metadata.noteCreated(local, entry);
    });
  }

  async rmdir(path: string): Promise<void> {
    const local = normalizeLocalPath(path);
    if (local === '/') throw new FsError('EBUSY', '/ is the mount point');
    await this.locked([local], async () => {
      if (isLocalOnlyName(baseOf(local)) && (await this.localOnly.stat(local)) !== undefined) throw new FsError('ENOTDIR', `${local} is not a folder`);
      const found = await this.metadata.lookup(local);
      if (found.presentation.kind !== 'DIRECTORY') throw new FsError('ENOTDIR', `${local} is not a folder`);
      const view = await this.metadata.readdir(local);
      const pending = [...this.files.values()].some((file) => parentOf(file.path) === local && !file.unlinked && file.staging !== undefined);
      if (view.names.length > 0 || view.hidden.length > 0 || pending || (await this.localOnly.namesIn(local)).length > 0) {
        throw new FsError('ENOTEMPTY', `${local} is not empty`);
      }
      await this.remoteCall(local, () => this.remote.delete(found.entry.path, { recursive: false }));
      this.metadata.noteRemoved(local);
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const source = normalizeLocalPath(from);
    const target = normalizeLocalPath(to);
    if (source === target) return;
    if (source === '/' || target === '/') throw new FsError('EBUSY', 'the mount point cannot be renamed');
    if (target.startsWith(`${source}/`)) throw new FsError('EINVAL', `cannot move ${source} into itself`);
    const localOnlySource = isLocalOnlyName(baseOf(source));
    const localOnlyTarget = isLocalOnlyName(baseOf(target));
    if (localOnlySource || localOnlyTarget) {
      // Moves between the workspace and local-only names are "another device": mv copies instead.
      if (localOnlySource !== localOnlyTarget) throw new FsError('EXDEV', `${source} -> ${target}: one of them is local-only`);
      await this.locked([source, target], async () => {
        if ((await this.localOnly.stat(source)) === undefined) throw new FsError('ENOENT', `${source}: no such file`);
        await this.localOnly.move(source, target);
      });
      return;
    }
    // Files with unsaved content inside a moved folder are uploaded first, each under its own lock.
    // (A file no program holds open any more — a background save — is settled once saved, so that
    // it is not carried along as an open file with content of its old name.)
    for (const file of [...this.files.values()]) {
      if (file.path.startsWith(`${source}/`)) await this.saveNow(file);
    }
    // Saves still owed at or under the target (background uploads) are uploaded too, so the rename
    // meets the workspace a synchronous save would have left: an existing file to replace, a
    // non-empty folder to refuse. If one cannot be uploaded now it is treated as before (local).
    for (const file of [...this.owed]) {
      if (file.path === target || file.path.startsWith(`${target}/`)) await this.saveNow(file).catch(() => undefined);
    }
    // Uploads in a moved folder not read back yet are read back first: their batches are keyed by
    // the old folder, whose listing would no longer find them (they would lose times and numbers).
    if (this.health.state.kind === 'online') await this.readBacks.runUnder(source, READ_BACK_WAIT_MS);
    await this.locked([source, target], async () => {
      let moving = this.files.get(source);
      if (moving !== undefined) {
        await this.uploadIfDirty(moving, 'wait');
        if (moving.handles === 0) {
          await this.settle(moving);
          moving = this.files.get(source);
        }
      }
      const found = await this.metadata.lookup(source);
      // A destination created here and not uploaded yet exists only locally: it is simply replaced.
      const destination = withoutProvisional(await this.metadata.readdir(parentOf(target)));
      const pendingTarget = this.files.get(target);
      const plan = planRename(found, baseOf(target), destination);
      if (plan.kind !== 'refuse' && pendingTarget?.created === true && pendingTarget !== moving) this.metadata.noteRemoved(target);
      const shown = found.presentation.kind === 'DIRECTORY' ? undefined : this.mtimeOf(found.entry);
      await this.carryOut(plan, found, source, target);
      if (plan.kind === 'noop') return;
      if (shown !== undefined) await this.keepMtime(plan, found.entry, source, target, shown);
      // Re-key open files: one open at the destination was replaced; those at or under the source move.
      const replaced = this.files.get(target);
      if (replaced !== undefined && replaced !== moving) {
        replaced.unlinked = true;
        this.files.delete(target);
        await this.forgetOwed(replaced);
        if (replaced.handles === 0) await replaced.staging?.discard();
      }
      for (const file of [...this.files.values()]) {
        if (file.path !== source && !file.path.startsWith(`${source}/`)) continue;
        this.files.delete(file.path);
        file.path = target + file.path.slice(source.length);
        this.files.set(file.path, file);
        // The object behind it moved or was remade: learn its new remote path (from the cache).
        const moved = await this.metadata.lookup(file.path).catch(() => undefined);
        if (moved !== undefined && moved.presentation.kind !== 'DIRECTORY') {
          file.entry = moved.entry;
          file.presentation = moved.presentation;
        }
      }
      if (found.presentation.kind === 'DIRECTORY') await this.localOnly.moveTree(source, target);
    });
  }

  // --- metadata-only operations --------------------------------------------------------------

  async statfs(_path: string): Promise<FilesystemStats> {
    const blocks = 2 ** 32;
    return { blockSize: 4096, blocks, blocksFree: blocks, blocksAvailable: blocks, files: 2 ** 24, filesFree: 2 ** 24, nameMax: 255 };
  }

  async access(path: string, mode: number): Promise<void> {
    const local = normalizeLocalPath(path);
    await this.exists(local);
    // Files are 0644 and cannot be executed (the kernel refuses exec without an x bit): X_OK says so too.
    if ((mode & constants.X_OK) === 0) return;
    const folder = !isLocalOnlyName(baseOf(local)) && this.files.get(local)?.staging === undefined && (await this.metadata.lookup(local)).presentation.kind === 'DIRECTORY';
    if (!folder) throw new FsError('EACCES', `${local} is not executable: workspace files have no execute permission`);
  }

  /**
   * Shows `mtimeMs` as the file's mtime (and ctime) until its workspace version changes; a file
   * with unsaved writes passes it to the version its upload makes (a later write replaces it).
   * atime is not kept; folders keep the mount's start time (docs/semantics.md "Times").
   */
  async utimens(path: string, atimeMs: number | undefined, mtimeMs: number | undefined): Promise<void> {
    const local = normalizeLocalPath(path);
    if (isLocalOnlyName(baseOf(local))) {
      // Under the lock (not between a rename's or an unlink's steps); disk failures mapped and reported.
      await this.locked([local], async () => {
        const current = await this.localOnlyAttributes(local);
        await localOnlyCall(local, () => utimes(this.localOnly.fileOf(local), (atimeMs ?? current.atimeMs) / 1000, (mtimeMs ?? current.mtimeMs) / 1000));
      });
      return;
    }
    if (mtimeMs === undefined) {
      await this.exists(local);
      return;
    }
    await this.readBacks.before(parentOf(local));
    await this.locked([local], async () => {
      const file = this.files.get(local);
      if (file?.staging !== undefined) {
        file.staging.setModifiedAt(mtimeMs);
        if (!file.staging.dirty) this.mtimes.set(file.entry, mtimeMs);
        return;
      }
      const found = await this.metadata.lookup(local);
      if (found.presentation.kind === 'DIRECTORY') return;
      if (!this.mtimes.set(found.entry, mtimeMs)) this.logger.debug(`${local}: the workspace gives no modified_at, so a set time cannot be kept`);
    });
  }

  async chmod(path: string, _mode: number): Promise<void> {
    await this.exists(normalizeLocalPath(path));
  }

  async chown(path: string, uid: number, gid: number): Promise<void> {
    const local = normalizeLocalPath(path);
    await this.exists(local);
    const keeps = (wanted: number, own: number): boolean => wanted === -1 || wanted === 0xffffffff || wanted === own;
    if (!keeps(uid, this.uid) || !keeps(gid, this.gid)) {
      throw new FsError('EPERM', `${local}: files in the workspace belong to the mounting user; chown to another owner is not possible`);
    }
  }

  /** Uploads every file with unsaved or owed changes now, and writes the shown times; rejects with the first upload error after trying all. */
  async flushAll(): Promise<void> {
    let first: unknown;
    for (const file of [...this.files.values()]) {
      try {
        await this.saveNow(file);
      } catch (error) {
        first ??= error;
      }
    }
    // After the uploads: they set times of their new versions too.
    await this.mtimes.flush();
    await this.aliases.flush();
    if (first !== undefined) throw first;
  }

  /**
   * Uploads `file`'s unsaved or owed changes now, under its lock; a file no program holds open any
   * more (a background save, or one kept because an earlier upload failed) is settled once saved.
   */
  private saveNow(file: OpenFile): Promise<void> {
    return this.locked([file.path], async () => {
      await this.uploadIfDirty(file, 'wait');
      if (file.handles === 0) await this.settle(file);
    });
  }

  // --- durable writes: recovery, transfers, credentials ---------------------------------------

  /**
   * Takes over the write journal an earlier engine run left in the state folder (call once,
   * before the mount serves requests). Closed files are registered as owed — they show their
   * saved content at once — and uploaded in the background, with the conflict check. Bytes of
   * files that were still open are moved to `<state>/unsaved/` and reported, never uploaded.
   * Staging files no record names are clean copies and are deleted (none while a record that
   * cannot be read names none: its bytes could be any of them). Resolves with the number of
   * uploads taken over; problems are reported, not thrown.
   */
  async recover(): Promise<number> {
    await this.prepare();
    const { records, unreadable, claimedByUnreadable } = await this.journal.load();
    const named = new Set([...records.map((record) => record.staging), ...(claimedByUnreadable ?? [])]);
    let owed = 0;
    for (const record of records) {
      const stagingFile = join(this.stagingDir, record.staging);
      const local = normalizeLocalPath(record.path);
      if (record.state === 'open' || this.files.has(local)) {
        await this.keepUnsaved(record, stagingFile);
        continue;
      }
      let staging: StagingFile;
      try {
        staging = await StagingFile.reopen(stagingFile, this.now());
      } catch (error) {
        this.onProblem({ kind: 'other', path: local, message: `the journal names a save of ${local}, but its bytes are gone (${String(error)})` });
        await this.journal.remove(record.id);
        continue;
      }
      const file: OpenFile = {
        path: local,
        handles: 0,
        staging,
        entry: entryOfRecord(record, () => this.aliases.allocate(), () => this.nextLocalVersion++),
        presentation: record.notebook === undefined ? { kind: 'FILE' } : { kind: 'NOTEBOOK', ...record.notebook },
        created: record.base === undefined,
        unlinked: false,
        journalId: record.id,
        journaledChanges: staging.changes,
      };
      this.files.set(local, file);
      this.owed.add(file);
      this.transfer(file, 'queued', 0);
      owed++;
    }
    for (const file of unreadable) {
      this.onProblem({ kind: 'other', message: `a write journal record could not be read and was left in place: ${file}`, fix: 'look at the file; it names a staging file that holds the bytes' });
    }
    // An unreadable record that names no staging file could own any of them: then none is deleted.
    if (claimedByUnreadable !== undefined) {
      for (const name of await readdir(this.stagingDir)) {
        if (!named.has(name)) await rm(join(this.stagingDir, name), { force: true, recursive: true });
      }
    }
    if (owed > 0) {
      this.logger.info(`taking over ${owed} unfinished upload${owed === 1 ? '' : 's'} from the write journal`);
      this.scheduler.kick();
    }
    return owed;
  }

  /** Bytes of a file still open when an earlier run ended: kept locally, reported, record removed. */
  private async keepUnsaved(record: JournalRecord, stagingFile: string): Promise<void> {
    const unsavedDir = join(this.stateDir, 'unsaved');
    await mkdir(unsavedDir, { recursive: true, mode: 0o700 });
    const kept = join(unsavedDir, markedCopyName(baseOf(record.path), 'unsaved', new Date(record.recordedAt)) + `-${record.id}`);
    try {
      await renameFile(stagingFile, kept);
    } catch {
      await this.journal.remove(record.id);
      return; // nothing was written to it before the engine stopped
    }
    await this.journal.remove(record.id);
    this.onProblem({
      kind: 'other',
      path: record.path,
      message: `${record.path} was open for writing when wsfs stopped; the bytes written until then were not saved to the workspace and are kept in ${kept}`,
      fix: `compare ${kept} with ${record.path} and copy over what you need`,
    });
  }

  /** Whether the workspace answered the last request (read afresh: it changes across awaits). */
  private isOnline(): boolean {
    return this.health.state.kind === 'online';
  }

  /** Uploads waiting in the journal or running (for `engine:stats`). */
  transfers(): TransferSummary {
    let queued = 0;
    let bytesToUpload = 0;
    for (const file of this.owed) if (!this.sending.has(file)) queued++;
    let bytesUploaded = 0;
    for (const { size, sent } of this.sending.values()) {
      bytesToUpload += size;
      bytesUploaded += Math.min(sent, size);
    }
    return { uploadsQueued: queued, uploadsInFlight: this.sending.size, bytesToUpload, bytesUploaded, connection: this.health.state.kind };
  }

  /** New credentials reached the remote client: owed uploads are tried again at once. */
  credentialsChanged(): void {
    this.health.credentialsChanged();
    this.scheduler.kick();
  }

  /** The workspace answers again: owed uploads are tried at once (the back-off starts over). */
  resumeUploads(): void {
    this.scheduler.kick();
  }

  /** Stops the background uploader (unmount, after flushAll); owed uploads stay journaled. */
  stopBackground(): void {
    this.scheduler.stop();
    this.prefetcher?.stop();
  }

  /** Resolves once no prefetch is planned, queued or running (after stopBackground: once the running ones end). */
  prefetchIdle(): Promise<void> {
    return this.prefetcher?.idle() ?? Promise.resolve();
  }

  /**
   * Writes the shown file times and inode numbers to the state folder now (unmount, after
   * flushAll): uploads not read back yet are read back first while the workspace is online (for
   * at most READ_BACK_WAIT_MS), else their times would be lost with their local tags (and
   * created files would show their object ids next time). Errors are logged, not thrown.
   */
  async saveTimes(): Promise<void> {
    // Only while the workspace answers, and for a bounded time: an unmount must not wait out the retries.
    if (this.health.state.kind === 'online') await this.readBacks.runAll(READ_BACK_WAIT_MS);
    await this.mtimes.flush();
    await this.aliases.flush();
  }

  // --- internals: open files ----------------------------------------------------------------

  /** open(2) of `local`; the caller holds its lock. */
  private async openLocked(local: string, flags: number): Promise<FileHandle> {
    const writable = (flags & ACCESS_MODE) !== constants.O_RDONLY;
    const truncating = writable && (flags & constants.O_TRUNC) !== 0;
    const append = (flags & constants.O_APPEND) !== 0;
    if (isLocalOnlyName(baseOf(local))) {
      await this.localOnly.prepare();
      const fd = await localOnlyCall(local, () => open(this.localOnly.fileOf(local), flags & ~(constants.O_CREAT | constants.O_EXCL)));
      return this.addHandle({ kind: 'local-only', path: local, fd });
    }
    let file = this.files.get(local);
    if (file === undefined || file.unlinked) {
      const found = await this.metadata.lookup(local);
      if (found.presentation.kind === 'DIRECTORY') throw new FsError('EISDIR', `${local} is a folder`);
      file = { path: local, handles: 0, entry: found.entry, presentation: found.presentation, created: false, unlinked: false };
    }
    let copy: ReadCopy | undefined;
    if (writable) {
      if (file.staging === undefined) {
        file.staging = await this.stagingFor(local, file.entry, file.presentation, truncating);
        revokeReadThrough(file);
      }
      if (truncating) {
        await this.noteChange(file);
        await file.staging.truncate(0, this.now());
      }
    } else if (file.staging === undefined) {
      this.prefetcher?.noteOpen(local, !this.cache.holds(fingerprintOf(file.entry, file.presentation)));
      copy = await this.openCopy(local, file.entry, file.presentation);
    }
    this.files.set(local, file);
    file.handles++;
    return this.addHandle({ kind: 'remote', file, writable, append, ...(copy !== undefined && { copy }) });
  }

  /** A new staging file for `local`: empty when `empty`, else a copy of the current content. */
  private async stagingFor(local: string, entry: RemoteEntry, presentation: Presentation, empty: boolean): Promise<StagingFile> {
    await this.prepare();
    if (empty) return StagingFile.create(this.stagingDir, baseOf(local), undefined, this.now());
    return this.withCopy(local, entry, presentation, undefined, (copy) => StagingFile.create(this.stagingDir, baseOf(local), copy.file, this.now()));
  }

  /** After the last handle of `file` closed (lock held): keep unsaved content, else tidy up. */
  private async settle(file: OpenFile): Promise<void> {
    const staging = file.staging;
    if (file.unlinked) {
      await staging?.discard();
      return;
    }
    if (staging?.dirty === true) return; // a failed upload: kept for flushAll, the next open, and recovery
    if (this.files.get(file.path) === file) this.files.delete(file.path);
    if (staging === undefined) return;
    file.staging = undefined;
    if (file.uploaded !== undefined) {
      await staging.close();
      await this.cache.adopt(file.uploaded, staging.file);
    } else {
      await staging.discard();
    }
  }

  /** How flush and release hand over changed bytes in this mount's upload mode. */
  private closeMode(): 'wait' | 'queue' {
    return this.uploadMode === 'background' ? 'queue' : 'wait';
  }

  /**
   * Journals the changed bytes of `file` durably, then uploads them (`wait`) or leaves them to the
   * background uploader (`queue`). The caller holds the lock of `file.path`. Rejects with the
   * upload's FsError; the bytes then stay journaled and, when the failure is an outage or a
   * refused sign-in, the background uploader retries them. While the workspace is known to be
   * unreachable (or refuses the credential) `wait` fails at once instead of waiting for it again.
   */
  private async uploadIfDirty(file: OpenFile, how: 'wait' | 'queue'): Promise<void> {
    const staging = file.staging;
    if (file.unlinked || staging?.dirty !== true) return;
    await this.journalClosed(file, staging);
    const alreadyOwed = this.owed.has(file);
    this.owed.add(file);
    if (how === 'queue') {
      if (!alreadyOwed) this.transfer(file, 'queued', 0);
      // Not at once: the program's release (and a quick re-save) comes first, without waiting for the upload.
      this.scheduler.soon(BACKGROUND_START_DELAY_MS);
      return;
    }
    const health = this.health.state;
    if (health.kind !== 'online') {
      this.scheduler.kick();
      throw waitingError(file.path, health);
    }
    await this.sendOwed(file, staging);
  }

  /** Uploads the journaled bytes of `file` now (lock held); on success the record goes. */
  private async sendOwed(file: OpenFile, staging: StagingFile): Promise<void> {
    this.sending.set(file, { size: staging.size, sent: 0, reportedAt: this.now() });
    this.transfer(file, 'running', 0);
    try {
      await this.uploadChecked(file, staging);
    } catch (error) {
      this.stopSending(file);
      const failure = toFsError(error, file.path);
      this.transfer(file, 'failed', 0);
      this.logger.warn(`upload of ${file.path} failed; its content is kept in ${staging.file}`, {
        path: file.path,
        staging: staging.file,
        code: failure.code,
        error: failure.message,
      });
      if (!isWaitingFailure(error)) {
        // Permanent: no automatic retry (the next close, flush-all or start tries again); told once.
        this.owed.delete(file);
        const id = file.journalId ?? file.path;
        if (!this.reportedFailures.has(id)) {
          this.reportedFailures.add(id);
          this.onProblem(uploadFailedProblem(file.path, failure, staging.file));
        }
      }
      throw failure;
    }
    this.stopSending(file);
    this.owed.delete(file);
    this.transfer(file, 'done', staging.size);
    if (file.journalId !== undefined) {
      this.reportedFailures.delete(file.journalId);
      await this.removeRecord(file);
    }
  }

  /**
   * The background uploader's run: every owed upload is tried once (each under its lock); files
   * no program holds open are settled. Resolves true while something is still owed.
   */
  private async uploadOwed(): Promise<boolean> {
    if (this.owed.size === 0 && !this.isOnline()) {
      await this.remote.currentUser().catch(() => undefined); // a probe: its success ends the outage
      return !this.isOnline();
    }
    for (const file of [...this.owed]) {
      const path = file.path;
      await this.locked([path], async () => {
        const staging = file.staging;
        if (file.path !== path) return; // renamed meanwhile: the next run takes the new path's lock
        // Not uploaded: gone, nothing owed, or written since its save was journaled (its record is
        // `open` again: those bytes may be half-written; the next close journals and queues them).
        if (file.unlinked || staging?.dirty !== true || file.journaledChanges !== staging.changes) {
          this.owed.delete(file);
          return;
        }
        try {
          await this.sendOwed(file, staging);
        } catch {
          return;
        }
        if (file.handles === 0) await this.settle(file);
      }).catch(() => undefined);
    }
    return this.owed.size > 0;
  }

  /**
   * The upload of `file` with the conflict check: a file opened from a workspace version is
   * compared with the workspace's current version first, and a file created here is uploaded
   * without overwrite. When the workspace changed meanwhile, the local bytes become a conflict
   * copy (resolveConflict); when it already holds exactly these bytes, nothing is sent.
   */
  private async uploadChecked(file: OpenFile, staging: StagingFile): Promise<void> {
    if (!file.created) {
      const current = await this.currentVersion(file.path, file.entry.path);
      if (current !== undefined && changedSince(baseVersionOf(file), current)) {
        await this.resolveConflict(file, staging, current);
        return;
      }
    }
    // A create that failed in a way that may have applied is not repeated blindly: the next try
    // finds the object and compares its bytes (bounded: a few tries, then the error stands).
    for (let attempt = 1; ; attempt++) {
      let outcome: UploadOutcome;
      try {
        outcome = await this.upload(file, staging, !file.created);
      } catch (error) {
        const remote = error instanceof FsError ? error.cause : undefined;
        const unsure = file.created && remote instanceof RemoteError && remote.transient && remote.details.mayHaveApplied !== false;
        if (!unsure || attempt >= 3) throw error;
        continue;
      }
      if (outcome.kind === 'done') return;
      const current = await this.currentVersion(file.path, outcome.remotePath);
      if (current === undefined) {
        if (attempt >= 3) throw new FsError('EEXIST', `${file.path}: the workspace keeps refusing the new name`);
        continue;
      }
      await this.resolveConflict(file, staging, current);
      return;
    }
  }

  /** The workspace's current version of `remotePath`, or undefined when it is gone. */
  private async currentVersion(local: string, remotePath: string): Promise<RemoteEntry | undefined> {
    try {
      return await this.remoteCall(local, () => this.remote.stat(remotePath));
    } catch (error) {
      if (error instanceof FsError && error.code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /**
   * The workspace holds `current` where `file`'s bytes were to go, a version other than the one
   * they were made from. When it holds exactly these bytes (our own earlier upload, whose journal
   * record outlived it), the save is done. Otherwise the local bytes are uploaded as a conflict
   * copy next to the file, the workspace version stays, and the user is told. Lock held.
   */
  private async resolveConflict(file: OpenFile, staging: StagingFile, current: RemoteEntry): Promise<void> {
    const folder = parentOf(file.path);
    if (await this.holdsBytes(current, file.presentation, staging)) {
      this.logger.info(`${file.path}: the workspace already holds the saved bytes`);
    } else {
      const name = baseOf(file.path);
      const date = new Date(this.now());
      let saved: string | undefined;
      for (let attempt = 0; attempt < 6 && saved === undefined; attempt++) {
        const copyName = markedCopyName(name, 'conflict', date, attempt);
        const view = withoutProvisional(await this.metadata.readdir(folder));
        if (view.entries.has(copyName) || view.byRemoteName.has(copyName)) continue;
        const probe = await this.probeOf(copyName, staging);
        const plan = planUpload(copyName, probe, view);
        if (plan.kind === 'refuse') continue;
        const kind: UploadKind = plan.kind === 'file' ? { type: 'FILE' } : { type: 'NOTEBOOK', language: plan.language, format: plan.format };
        try {
          await this.remoteCall(file.path, () => this.remote.upload(plan.path, kind, { file: staging.file, size: staging.size }, { overwrite: false }));
          saved = copyName;
        } catch (error) {
          if (!(error instanceof FsError && error.code === 'EEXIST')) throw error;
        }
        this.metadata.invalidate(folder);
      }
      if (saved === undefined) throw new FsError('EEXIST', `${file.path} changed in the workspace, and no free name was found for a conflict copy`);
      const copyPath = joinPath(folder, saved);
      this.logger.warn(`${file.path} changed in the workspace while it was edited here; the local version was saved as ${copyPath}`);
      this.onProblem({
        kind: 'conflict-copy',
        path: file.path,
        copyPath,
        message: `${file.path} was changed in the workspace while you edited it; your version was saved as ${saved} next to it`,
        fix: `compare ${saved} with ${baseOf(file.path)}, merge what you need, then delete the copy`,
      });
    }
    // The workspace version stays the file's content; the working copy is no longer owed.
    staging.dirty = false;
    delete file.uploaded;
    file.entry = current;
    file.created = false;
    if (current.type === 'FILE') file.presentation = { kind: 'FILE' };
    this.metadata.invalidate(folder);
  }

  /** Whether the workspace object `entry` holds exactly the bytes of `staging` (downloads it once to compare). */
  private async holdsBytes(entry: RemoteEntry, presentation: Presentation, staging: StagingFile): Promise<boolean> {
    if (entry.type !== 'FILE' && entry.type !== 'NOTEBOOK') return false;
    if (entry.type === 'FILE' && entry.size !== undefined && entry.size !== staging.size) return false;
    const format: DownloadFormat = entry.type === 'FILE' ? 'RAW' : presentation.kind === 'NOTEBOOK' ? presentation.format : 'SOURCE';
    const probe = join(this.stagingDir, `.compare-${randomBytes(6).toString('hex')}`);
    try {
      await this.remoteCall(entry.path, () => this.remote.downloadTo(entry.path, format, probe));
      const [theirs, ours] = await Promise.all([sha256Of(probe), sha256Of(staging.file)]);
      return theirs === ours;
    } finally {
      await rm(probe, { force: true });
    }
  }

  /** What planUpload needs of `staging` to decide what a name `name` becomes. */
  private async probeOf(name: string, staging: StagingFile): Promise<Buffer> {
    const jupyter = name.toLowerCase().endsWith(JUPYTER_EXTENSION) && staging.size <= JUPYTER_PROBE_LIMIT_BYTES;
    return jupyter ? readFile(staging.file) : staging.head(HEADER_PROBE_BYTES);
  }

  // --- internals: the write journal ---------------------------------------------------------

  /**
   * Before the first change of a working copy, and before the first change after a save was
   * journaled but not yet uploaded: an `open` record, so bytes of a file still open when the engine
   * dies are kept and reported, never uploaded half-written in place of the journaled save. The
   * first record guards against a killed engine only (not fsynced; one that cannot be written is
   * logged, not fatal). One that replaces a `closed` record is part of the change: written durably
   * (a power loss must not leave an empty record), and when it cannot be written the change fails
   * (ENOSPC …) and the saved bytes and their `closed` record stay as they were.
   */
  private async noteChange(file: OpenFile): Promise<void> {
    // An unlinked file is never uploaded: a record would outlive it (nothing removes it).
    if (file.staging === undefined || file.unlinked) return;
    if (file.journalId !== undefined && file.journaledChanges === undefined) return; // `open` already
    const saved = file.journaledChanges; // set: a `closed` record is on disk
    file.journalId ??= WriteJournal.newId();
    delete file.journaledChanges;
    try {
      await this.journal.write(this.recordOf(file, file.staging, 'open'), saved !== undefined);
    } catch (error) {
      const what = `${file.path}: cannot record the change in the write journal`;
      if (saved === undefined) {
        this.logger.warn(fromLocalError(error, what, this.stateDir).message);
        return;
      }
      file.journaledChanges = saved;
      throw fromLocalError(error, `${what}, so it was not made (the last save stays in ${file.staging.file} and is still uploaded)`, this.stateDir);
    }
  }

  /** The durable `closed` record: staging bytes, record and folder fsynced before any upload starts. */
  private async journalClosed(file: OpenFile, staging: StagingFile): Promise<void> {
    if (file.journalId !== undefined && file.journaledChanges === staging.changes) return; // recorded already (flush, then release)
    file.journalId ??= WriteJournal.newId();
    try {
      // All must be on disk before the upload starts; none needs another first. The staging
      // folder is synced once per staging file, so that the file's name survives a power loss too.
      const durableName = this.durableStaging.has(staging) ? undefined : syncFolder(this.stagingDir).then(() => void this.durableStaging.add(staging));
      await Promise.all([staging.sync(), this.journal.write(this.recordOf(file, staging, 'closed'), true), durableName]);
      file.journaledChanges = staging.changes;
    } catch (error) {
      // Not uploaded unrecorded: the close fails (ENOSPC for a full disk) and the bytes stay in the working copy.
      throw fromLocalError(error, `${file.path}: cannot record the save in the write journal, so nothing was uploaded (the content stays in ${staging.file})`, this.stateDir);
    }
    this.diskFailures.recovered();
  }

  private recordOf(file: OpenFile, staging: StagingFile, state: JournalRecord['state']): JournalRecord {
    const base = file.created ? undefined : baseVersionOf(file);
    const presentation = file.presentation;
    return {
      format: 1,
      id: file.journalId!,
      state,
      path: file.path,
      remotePath: file.entry.path,
      ...(base !== undefined && { base }),
      ...(presentation.kind === 'NOTEBOOK' && { notebook: { language: presentation.language, format: presentation.format } }),
      staging: basename(staging.file),
      size: staging.size,
      recordedAt: this.now(),
    };
  }

  /** `file` will not be uploaded any more (unlinked, replaced): its record goes. Lock held. */
  private async forgetOwed(file: OpenFile): Promise<void> {
    this.owed.delete(file);
    await this.removeRecord(file);
  }

  /** Removes `file`'s journal record, if it has one. Lock held. */
  private async removeRecord(file: OpenFile): Promise<void> {
    if (file.journalId === undefined) return;
    await this.journal.remove(file.journalId);
    delete file.journalId;
    delete file.journaledChanges;
  }

  /** Bytes of a running upload handed to the connection; told to the front end at once, then at most every PROGRESS_EVERY_MS. */
  private progress(file: OpenFile, sent: number): void {
    const running = this.sending.get(file);
    if (running === undefined) return;
    const first = running.sent === 0 && sent > 0;
    running.sent = sent;
    const wait = PROGRESS_EVERY_MS - (this.now() - running.reportedAt);
    if (first || wait <= 0) {
      this.reportProgress(file, running);
      return;
    }
    // Throttled: the latest figure is told when the interval ends, so a pause in the callbacks
    // (a slow link draining socket buffers) never leaves a stale figure on screen.
    running.trailing ??= setTimeout(() => {
      delete running.trailing;
      if (this.sending.get(file) === running) this.reportProgress(file, running);
    }, wait).unref();
  }

  private reportProgress(file: OpenFile, running: RunningUpload): void {
    running.reportedAt = this.now();
    this.transfer(file, 'running', running.sent);
  }

  /** The upload of `file` ended (either way): no more progress for it. */
  private stopSending(file: OpenFile): void {
    clearTimeout(this.sending.get(file)?.trailing);
    this.sending.delete(file);
  }

  private transfer(file: OpenFile, phase: TransferUpdate['phase'], bytesDone: number): void {
    const bytesTotal = file.staging?.size ?? 0;
    this.onTransfer({
      transferId: file.journalId ?? file.path,
      direction: 'upload',
      path: file.path,
      phase,
      bytesDone: Math.min(bytesDone, bytesTotal),
      bytesTotal,
    });
  }

  /**
   * Uploads the staging content of `file` as planUpload decides, then updates cache and version.
   * Without `overwrite` an existing object at the target is not replaced: `taken` names it.
   */
  private async upload(file: OpenFile, staging: StagingFile, overwrite: boolean): Promise<UploadOutcome> {
    const local = file.path;
    const name = baseOf(local);
    const parentView = withoutProvisional(await this.metadata.readdir(parentOf(local)));
    const probe = await this.probeOf(name, staging);
    const plan = planUpload(name, probe, parentView);
    const source = { file: staging.file, size: staging.size, onProgress: (sent: number) => this.progress(file, sent) };
    let remotePath: string;
    let format: DownloadFormat;
    switch (plan.kind) {
      case 'refuse':
        throw new FsError(refusalCode(plan.reason, name), plan.message);
      case 'file':
        remotePath = plan.path;
        format = 'RAW';
        if (await this.refusedAsTaken(local, () => this.remote.upload(plan.path, { type: 'FILE' }, source, { overwrite }))) {
          return { kind: 'taken', remotePath: plan.path };
        }
        break;
      case 'notebook':
        remotePath = plan.path;
        format = plan.format;
        if (
          await this.refusedAsTaken(local, () =>
            this.remote.upload(plan.path, { type: 'NOTEBOOK', language: plan.language, format: plan.format }, source, { overwrite }),
          )
        ) {
          return { kind: 'taken', remotePath: plan.path };
        }
        if (plan.replaces !== undefined) {
          const replaced = plan.replaces.path;
          await this.remoteCall(local, () => this.remote.delete(replaced, { recursive: false }));
        }
        break;
    }
    this.logger.debug(`uploaded ${local}`, { path: remotePath, bytes: staging.size });
    staging.dirty = false;
    if (plan.kind === 'file') {
      // No stat per save: the version is tagged as ours, its content is the working copy, and its
      // object id and modified_at are learnt from one shared listing of the folder (ReadBacks).
      const previous = file.entry;
      const entry: RemoteEntry = {
        path: remotePath,
        type: 'FILE',
        rawType: 'FILE',
        // The same inode number until the read-back: the object's, or the provisional one a created file already shows.
        objectId: (!file.created && previous.type === 'FILE' && previous.rawType !== PROVISIONAL && previous.path === remotePath) || isProvisionalId(previous.objectId) ? previous.objectId : this.aliases.allocate(),
        modifiedAt: staging.modifiedAt,
        size: staging.size,
        localVersion: this.nextLocalVersion++,
        ...(previous.createdAt !== undefined && { createdAt: previous.createdAt }),
      };
      this.metadata.noteRemoved(local);
      this.metadata.noteCreated(local, entry);
      file.entry = entry;
      file.created = false;
      file.presentation = { kind: 'FILE' };
      file.uploaded = fingerprintOf(entry, file.presentation);
      if (staging.modifiedAtSet) this.mtimes.set(entry, staging.modifiedAt); // under its tag until read back
      this.readBacks.schedule(local, entry);
      return { kind: 'done' };
    }
    let entry: RemoteEntry;
    try {
      entry = await this.remoteCall(local, () => this.remote.stat(remotePath));
    } catch (error) {
      // The content is saved; only its new metadata is unknown: the next use lists the folder.
      this.logger.warn(`saved ${local}, but could not read back its new version`, { path: local, error: toFsError(error, local).message });
      this.metadata.invalidate(parentOf(local));
      delete file.uploaded;
      return { kind: 'done' };
    }
    this.metadata.noteRemoved(local);
    this.metadata.noteCreated(local, entry);
    this.mtimes.set(entry, staging.modifiedAt, staging.modifiedAtSet ? 'soon' : 'later');
    file.entry = entry;
    file.created = false;
    file.presentation = entry.type === 'NOTEBOOK' ? { kind: 'NOTEBOOK', language: entry.language ?? 'PYTHON', format: format === 'JUPYTER' ? 'JUPYTER' : 'SOURCE' } : { kind: 'FILE' };
    // The staged bytes are that version's content for files, and for SOURCE notebooks saved with
    // their header (the workspace returns such source as saved); otherwise the next read exports.
    const adoptable =
      format === 'RAW' ||
      (format === 'SOURCE' && entry.language !== undefined && startsWithLine(probe, NOTEBOOK_SYNTAX[entry.language].header));
    if (adoptable) file.uploaded = fingerprintOf(entry, file.presentation);
    else delete file.uploaded;
    return { kind: 'done' };
  }

  /** Runs an upload; true when it was refused because the target exists (only without overwrite). */
  private async refusedAsTaken(local: string, call: () => Promise<void>): Promise<boolean> {
    try {
      await call();
      return false;
    } catch (error) {
      if (error instanceof RemoteError && error.kind === 'exists') return true;
      throw toFsError(error, local);
    }
  }

  /**
   * Records `real`, the listed version of this mount's upload `tagged` of `local` (its lock held):
   * its mtime is the local write time, the local copy is that version's (no download later), and
   * it replaces the tagged entry in the metadata cache and in the open file.
   */
  private adoptReadBack(local: string, tagged: RemoteEntry, real: RemoteEntry): void {
    // A time a program set (kept under the tag) is written soon; the write time with the next save.
    const set = this.mtimes.get(tagged);
    this.mtimes.set(real, set ?? tagged.modifiedAt!, set === undefined ? 'later' : 'soon');
    this.adoptVersion(tagged, real, this.files.get(local));
    if (this.metadata.cachedEntry(local)?.localVersion === tagged.localVersion) {
      this.metadata.noteRemoved(local);
      this.metadata.noteCreated(local, real);
    }
  }

  /**
   * `real` is the workspace's version of this mount's upload `tagged` (read back, or stat'd after
   * a rename): the inode number, the local copy and the open file's version carry over to it.
   */
  private adoptVersion(tagged: RemoteEntry, real: RemoteEntry, file: OpenFile | undefined): void {
    // A file created here keeps the number it was written with (git recorded it).
    if (isProvisionalId(tagged.objectId)) this.aliases.remember(real.objectId, tagged.objectId);
    const presentation: Presentation = { kind: 'FILE' };
    this.cache.rekey(fingerprintOf(tagged, presentation), fingerprintOf(real, presentation));
    if (file !== undefined && tagged.localVersion !== undefined && file.entry.localVersion === tagged.localVersion) {
      file.entry = real;
      if (file.uploaded !== undefined) file.uploaded = fingerprintOf(real, presentation);
    }
  }

  // --- internals: rename ---------------------------------------------------------------------

  /**
   * After a rename of a file or notebook (both locks held, before open files are re-keyed): the
   * version at `target` shows the time `source` showed, `shown`. A workspace rename keeps the
   * version, so only an upload not read back yet needs a stat (its read-back by listing the old
   * folder would no longer find it); a copy (the rename fallback) or a remade notebook is a new
   * version, learnt by a stat (carryOut made one for remade notebooks already).
   */
  private async keepMtime(plan: RenamePlan, before: RemoteEntry, source: string, target: string, shown: number): Promise<void> {
    if (plan.kind === 'noop' || plan.kind === 'refuse' || plan.kind === 'remove-destination') return;
    if (plan.kind !== 'move') {
      const remade = this.metadata.cachedEntry(target);
      if (remade !== undefined) this.mtimes.set(remade, shown);
      return;
    }
    const ours = before.localVersion !== undefined;
    if (!ours && this.remote.capabilities().rename === true) return;
    let entry: RemoteEntry;
    try {
      entry = await this.remote.stat(plan.to);
    } catch (error) {
      this.logger.debug(`${target}: cannot read the moved version; its time is the workspace's`, { error: String(error) });
      return;
    }
    if (entry.type === 'DIRECTORY' || entry.type === 'REPO') return;
    if (ours) {
      // As in a read-back: the listed version is ours when it has the saved size.
      if (entry.type !== 'FILE' || entry.size !== before.size) return;
      this.readBacks.forget(source, before);
      this.adoptVersion(before, entry, this.files.get(source));
    }
    this.metadata.noteRemoved(target);
    this.metadata.noteCreated(target, entry);
    this.mtimes.set(entry, shown);
  }

  /** Carries out a rename plan remotely and records it in the metadata cache (both locks held). */
  private async carryOut(plan: RenamePlan, found: CachedEntry, source: string, target: string): Promise<void> {
    switch (plan.kind) {
      case 'noop':
        return;
      case 'refuse': {
        throw new FsError(refusalCode(plan.reason, baseOf(target)), plan.message);
      }
      case 'remove-destination':
        await this.remoteCall(target, () => this.remote.delete(plan.replace.path, { recursive: false }));
        this.metadata.noteRemoved(target);
        return;
      case 'move': {
        if (plan.replace !== undefined) {
          const replace = plan.replace;
          if (replace.type === 'DIRECTORY' || replace.type === 'REPO') {
            const view = await this.metadata.readdir(target);
            if (view.names.length > 0 || view.hidden.length > 0) throw new FsError('ENOTEMPTY', `${target} is not empty`);
          }
          await this.remoteCall(target, () => this.remote.delete(replace.path, { recursive: false }));
          this.metadata.noteRemoved(target);
        }
        await this.remoteCall(source, () => this.moveChecked(plan.from, plan.to));
        this.metadata.noteRenamed(source, target, plan.to);
        return;
      }
      case 'convert-language': {
        const saved = await this.withCopy(source, found.entry, found.presentation, 'SOURCE', (copy) => readFile(copy.file));
        const text = convertSource(saved.toString('utf8'), plan.fromLanguage, plan.toLanguage);
        await this.remoteCall(target, () =>
          this.remote.upload(plan.to, { type: 'NOTEBOOK', language: plan.toLanguage, format: 'SOURCE' }, { bytes: Buffer.from(text, 'utf8') }, { overwrite: plan.to === plan.from }),
        );
        if (plan.replace !== undefined) {
          const replaced = plan.replace.path;
          await this.remoteCall(target, () => this.remote.delete(replaced, { recursive: false }));
        }
        if (plan.to !== plan.from) await this.remoteCall(source, () => this.remote.delete(plan.from, { recursive: false }));
        await this.noteReplaced(source, target, plan.to);
        return;
      }
      case 'notebook-to-file': {
        await this.withCopy(source, found.entry, found.presentation, plan.format, (copy) =>
          this.remoteCall(target, () => this.remote.upload(plan.to, { type: 'FILE' }, { file: copy.file, size: copy.size }, { overwrite: plan.replace !== undefined })),
        );
        await this.remoteCall(source, () => this.remote.delete(plan.from, { recursive: false }));
        await this.noteReplaced(source, target, plan.to);
        return;
      }
      case 'replace-notebook-content': {
        let bytes = await this.withCopy(source, found.entry, found.presentation, plan.read, (copy) => readFile(copy.file));
        if (plan.convert !== undefined) bytes = Buffer.from(convertSource(bytes.toString('utf8'), plan.convert.from, plan.convert.to), 'utf8');
        await this.remoteCall(target, () =>
          this.remote.upload(plan.to, { type: 'NOTEBOOK', language: plan.language, format: plan.format }, { bytes }, { overwrite: true }),
        );
        await this.remoteCall(source, () => this.remote.delete(plan.from, { recursive: false }));
        await this.noteReplaced(source, target, plan.to);
        return;
      }
    }
  }

  /**
   * remote.rename, which is never repeated blindly: when an attempt failed in a way that may have
   * applied (the answer was lost), the two paths tell what happened — moved, or try again (a few
   * times) — so a transient fault costs time, not an error.
   */
  private async moveChecked(from: string, to: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.remote.rename(from, to);
        return;
      } catch (error) {
        if (!(error instanceof RemoteError && error.transient && error.details.mayHaveApplied !== false) || attempt >= 3) throw error;
        const exists = (path: string): Promise<boolean> =>
          this.remote.stat(path).then(
            () => true,
            (failure: unknown) => {
              if (failure instanceof RemoteError && failure.kind === 'not-found') return false;
              throw error;
            },
          );
        const [source, target] = await Promise.all([exists(from), exists(to)]);
        if (!source && target) return;
        if (!source || target) throw error;
      }
    }
  }

  /** Cache update after a rename that made a new object at `remotePath`: source gone, target fresh. */
  private async noteReplaced(source: string, target: string, remotePath: string): Promise<void> {
    this.metadata.noteRemoved(source);
    const entry = await this.remoteCall(target, () => this.remote.stat(remotePath));
    this.metadata.noteRemoved(target);
    this.metadata.noteCreated(target, entry);
  }

  // --- internals: content, attributes, helpers -----------------------------------------------

  /**
   * A pinned copy of the version `entry` (presented as `presentation`, or read as `format`); a
   * download it needs feeds the reader's growing file (readers read it while it arrives). A
   * `background` copy (prefetch) is not shown as a transfer.
   */
  private localCopyOf(local: string, entry: RemoteEntry, presentation: Presentation, options: CopyOptions = {}): Promise<CacheLease> {
    const { format, reader, background = false } = options;
    const wanted = format ?? downloadFormat(presentation);
    if (wanted === undefined) return Promise.reject(new FsError('EISDIR', `${local} is a folder`));
    const growing = reader?.growing;
    return this.cache
      .acquire(
        fingerprintOf(entry, presentation, wanted),
        async (target, signal) => {
          this.logger.debug(`download ${local}`, { path: entry.path, format: wanted, ...(background && { background }) });
          if (growing !== undefined) {
            // A cancelled download ends its readers' file at once (a later open starts afresh).
            signal.addEventListener('abort', () => growing.fail(toFsError(signal.reason, local)), { once: true });
            await growing.attach(target);
          }
          const fetch = (onProgress?: (bytes: number) => void): Promise<number> => {
            const progress = (bytes: number): void => {
              growing?.progress(bytes);
              onProgress?.(bytes);
            };
            return this.remoteCall(local, () => this.remote.downloadTo(entry.path, wanted, target, { signal, onProgress: progress }));
          };
          if (background) return fetch();
          const transfer = { transferId: `download-${randomBytes(6).toString('hex')}`, path: local, expectedSize: wanted === 'RAW' ? entry.size : undefined, signal };
          return reportDownload(transfer, this.onTransfer, fetch);
        },
        reader?.interest,
      )
      .catch((error: unknown) => Promise.reject(toFsError(error, local)));
  }

  /** Runs `use` on a pinned copy of the version `entry`, unpinning it afterwards. */
  private async withCopy<T>(local: string, entry: RemoteEntry, presentation: Presentation, format: DownloadFormat | undefined, use: (copy: CacheLease) => Promise<T>): Promise<T> {
    const lease = await this.localCopyOf(local, entry, presentation, { format });
    try {
      return await use(lease);
    } finally {
      lease.release();
    }
  }

  /** The prefetcher's candidates in `folder`: plain files of known size whose version is not cached, not open here. */
  private async prefetchCandidates(folder: string): Promise<PrefetchCandidate[]> {
    await this.readBacks.before(folder);
    const view = await this.metadata.readdir(folder);
    const candidates: PrefetchCandidate[] = [];
    for (const [name, { entry, presentation }] of view.entries) {
      const local = joinPath(folder, name);
      if (presentation.kind !== 'FILE' || entry.type !== 'FILE' || entry.size === undefined || isProvisionalId(entry.objectId) || this.files.has(local)) continue;
      if (this.cache.holds(fingerprintOf(entry, presentation))) continue;
      candidates.push({ path: local, size: entry.size, fetch: () => this.prefetchCopy(local, entry, presentation) });
    }
    return candidates;
  }

  /**
   * A prefetch job: fetches `entry` (as planned) into the cache unless, by now, the file is open
   * here (its working copy is what programs read) or its listing names another version; false then.
   */
  private async prefetchCopy(local: string, entry: RemoteEntry, presentation: Presentation): Promise<boolean> {
    const current = this.metadata.cachedEntry(local);
    const same = current !== undefined && fingerprintKey(fingerprintOf(current, presentation)) === fingerprintKey(fingerprintOf(entry, presentation));
    if (this.files.has(local) || !same) return false;
    (await this.localCopyOf(local, entry, presentation, { background: true })).release();
    return true;
  }

  /** An open descriptor on a pinned copy of `entry`, for a read handle (both end at release). */
  private async openCopy(local: string, entry: RemoteEntry, presentation: Presentation): Promise<ReadCopy> {
    // For a plain file of listed size, the copy may still be downloading: read as it arrives (docs/cache.md).
    const wanted = downloadFormat(presentation);
    const streamable = wanted === 'RAW' && entry.size !== undefined && entry.localVersion === undefined;
    const key = wanted === undefined ? '' : fingerprintKey(fingerprintOf(entry, presentation, wanted));
    return this.growing
      .open(key, streamable ? entry.size : undefined, (reader) => this.localCopyOf(local, entry, presentation, { reader }))
      .catch((error: unknown) => Promise.reject(toFsError(error, local)));
  }

  private async attributesOf(found: CachedEntry): Promise<FileAttributes> {
    const { entry, presentation } = found;
    if (presentation.kind === 'DIRECTORY') {
      return { kind: 'directory', size: 0, mode: DIRECTORY_MODE, mtimeMs: this.startedAt, ctimeMs: this.startedAt, atimeMs: this.startedAt, ino: this.inodeOf(entry, found.localPath === '/') };
    }
    const known = presentation.kind === 'FILE' ? entry.size : this.cache.sizeOf(fingerprintOf(entry, presentation));
    const size = known ?? (await this.withCopy(found.localPath, entry, presentation, undefined, (copy) => Promise.resolve(copy.size)));
    return fileAttributes(size, this.mtimeOf(entry), this.inodeOf(entry));
  }

  /** The inode number `entry` shows (inode-numbers.ts); `root`: the mount root. */
  private inodeOf(entry: RemoteEntry, root = false): number {
    return inodeOfEntry(this.aliases.shown(entry.objectId), entry.path, root);
  }

  /** The mtime shown for `entry`: a set time or the local write time of an upload here (see mtimes), else the workspace's. */
  private mtimeOf(entry: RemoteEntry): number {
    if (entry.modifiedAt === undefined) return this.startedAt;
    return this.mtimes.get(entry) ?? entry.modifiedAt;
  }

  private openFileAttributes(file: OpenFile): FileAttributes {
    const staging = file.staging!;
    const mtime = staging.dirty || file.entry.modifiedAt === undefined ? staging.modifiedAt : this.mtimeOf(file.entry);
    return fileAttributes(staging.size, mtime, this.inodeOf(file.entry));
  }

  private async localOnlyAttributes(local: string): Promise<FileAttributes> {
    const info = await this.localOnly.stat(local);
    if (info === undefined) throw new FsError('ENOENT', `${local}: no such file`);
    return fileAttributes(info.size, info.mtimeMs, inodeOfLocalOnly(info.ino));
  }

  /** Resolves when `local` exists (ENOENT/ENOTDIR otherwise), without downloading anything. */
  private async exists(local: string): Promise<void> {
    if (isLocalOnlyName(baseOf(local))) {
      await this.localOnlyAttributes(local);
      return;
    }
    if (this.files.get(local)?.staging !== undefined) return;
    await this.metadata.lookup(local);
  }

  private handle(handle: FileHandle): Handle {
    const h = this.handles.get(handle);
    if (h === undefined) throw new FsError('EINVAL', `no open file with handle ${handle}`);
    return h;
  }

  /**
   * Runs `fn` under the per-path locks of `paths` (PathLocks), after revoking write-through of the
   * files open at those paths (and of `file`, for a handle whose path may be unlinked): until `fn`
   * ends, every write comes through `write`, so the staging file changes only under the lock.
   */
  private locked<T>(paths: readonly string[], fn: () => Promise<T>, file?: OpenFile): Promise<T> {
    return this.onLocalDisk(paths[0] ?? '/', () =>
      this.locks.run(paths, () => {
        for (const path of paths) revokeWriteThrough(this.files.get(path));
        if (file !== undefined) revokeWriteThrough(file);
        return fn();
      }),
    );
  }

  /** Runs `call`; a failure of the local disk rejects as its FsError (full disk: ENOSPC) and is reported once (LocalDiskFailures). */
  private async onLocalDisk<T>(path: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.diskFailures.check(error, path);
    }
  }

  /** How many handles have `file` open for writing. */
  private writableHandles(file: OpenFile): number {
    let count = 0;
    for (const h of this.handles.values()) if (h.kind === 'remote' && h.file === file && h.writable) count++;
    return count;
  }

  private addHandle(h: Handle): FileHandle {
    const id = this.nextHandle++;
    this.handles.set(id, h);
    return id;
  }

  private prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
      await mkdir(this.stagingDir, { recursive: true, mode: 0o700 });
    })();
    return this.prepared;
  }

  private async remoteCall<T>(local: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toFsError(error, local);
    }
  }
}

/** What an upload did: done, or refused because an object already holds the target path. */
type UploadOutcome = { kind: 'done' } | { kind: 'taken'; remotePath: string };

/** How localCopyOf fetches: read as `format` (default: the presentation's), feeding `reader`, or in the `background` (prefetch: no transfer shown). */
interface CopyOptions {
  format?: DownloadFormat;
  reader?: GrowingReader;
  background?: boolean;
}

/** The version `file`'s working copy was made from (file.entry; a tagged entry is this mount's own upload). */
function baseVersionOf(file: OpenFile): BaseVersion {
  const entry = file.entry;
  const base: BaseVersion = {};
  if (entry.objectId > 0 && !isProvisionalId(entry.objectId)) base.objectId = entry.objectId;
  if (entry.size !== undefined) base.size = entry.size;
  if (entry.localVersion !== undefined) base.uploadedHere = true;
  else if (entry.modifiedAt !== undefined) base.modifiedAt = entry.modifiedAt;
  return base;
}

/**
 * Whether the workspace's `current` version differs from `base`: another object, another
 * modified_at, or another size. For this mount's own upload not read back yet only the object and
 * the size are known, so a change elsewhere of the very same size goes unnoticed (docs/cache.md "Conflicts").
 */
function changedSince(base: BaseVersion, current: RemoteEntry): boolean {
  if (base.objectId !== undefined && current.objectId !== base.objectId) return true;
  if (base.size !== undefined && current.type === 'FILE' && current.size !== undefined && current.size !== base.size) return true;
  if (base.uploadedHere === true) return false;
  return base.modifiedAt !== undefined && current.modifiedAt !== undefined && current.modifiedAt !== base.modifiedAt;
}

/** Failures the background uploader waits out: an unreachable or failing workspace, or a refused credential. */
function isWaitingFailure(error: unknown): boolean {
  const cause = error instanceof FsError ? error.cause : error;
  return cause instanceof RemoteError && (cause.transient || cause.kind === 'unauthenticated');
}

/** The error of a synchronous save while the workspace is known to be out of reach. */
function waitingError(path: string, health: Exclude<HealthState, { kind: 'online' }>): FsError {
  return health.kind === 'needs-sign-in'
    ? new FsError('EACCES', `${path}: the workspace refuses the credentials (${health.reason}); the save waits in the journal until you sign in again`)
    : new FsError('ETIMEDOUT', `${path}: the workspace cannot be reached (${health.reason}); the save waits in the journal and uploads when it answers again`);
}

/** The entry a journal record's upload starts from: the base version it was made from, or a provisional one. */
function entryOfRecord(record: JournalRecord, provisional: () => number, tag: () => number): RemoteEntry {
  const base = record.base;
  const notebook = record.notebook;
  const entry: RemoteEntry = {
    path: record.remotePath,
    type: notebook === undefined ? 'FILE' : 'NOTEBOOK',
    rawType: base === undefined ? PROVISIONAL : notebook === undefined ? 'FILE' : 'NOTEBOOK',
    objectId: base?.objectId ?? provisional(),
    ...(notebook !== undefined && { language: notebook.language }),
  };
  // A created or own-upload version shows the time of the save; a base without a time keeps none.
  if (base?.modifiedAt !== undefined) entry.modifiedAt = base.modifiedAt;
  else if (base === undefined || base.uploadedHere === true) entry.modifiedAt = record.recordedAt;
  if (base?.size !== undefined) entry.size = base.size;
  if (base?.uploadedHere === true) entry.localVersion = tag();
  return entry;
}

/** A file's attributes; `ino` is an inode number (inode-numbers.ts) or an object id (the same number). */
function fileAttributes(size: number, mtimeMs: number, ino: number): FileAttributes {
  return { kind: 'file', size, mode: FILE_MODE, mtimeMs, ctimeMs: mtimeMs, atimeMs: mtimeMs, ino };
}

/** The fingerprint of `entry`'s bytes presented as `presentation` (or read as `format`). */
function fingerprintOf(entry: RemoteEntry, presentation: Presentation, format: DownloadFormat = downloadFormat(presentation) ?? 'RAW'): ContentFingerprint {
  const fingerprint: ContentFingerprint = { objectId: entry.objectId, format };
  if (entry.modifiedAt !== undefined) fingerprint.modifiedAt = entry.modifiedAt;
  if (presentation.kind === 'FILE' && entry.size !== undefined) fingerprint.size = entry.size;
  if (entry.localVersion !== undefined) fingerprint.localVersion = entry.localVersion;
  return fingerprint;
}

/** Stops the read-through of `file`'s read-only handles (call under its per-path lock). */
function revokeReadThrough(file: OpenFile): void {
  file.readers?.abort();
  delete file.readers;
}

/** Unregisters the write-through handle of `file` (the binding waits for writes in flight). */
function revokeWriteThrough(file: OpenFile | undefined): void {
  if (file?.writers === undefined) return;
  const writers = file.writers;
  delete file.writers;
  writers.abort();
}

/** The view without provisional entries (files created here but not uploaded yet). */
function withoutProvisional(view: DirectoryView): DirectoryView {
  const entries = [...view.byRemoteName.values()];
  if (!entries.some((entry) => entry.rawType === PROVISIONAL)) return view;
  return buildDirectoryView(view.directory, entries.filter((entry) => entry.rawType !== PROVISIONAL));
}

function startsWithLine(content: Uint8Array, line: string): boolean {
  for (let i = 0; i < line.length; i++) if (content[i] !== line.charCodeAt(i)) return false;
  const next = content[line.length];
  return next === undefined || next === 0x0a || next === 0x0d;
}

function checkName(local: string, name: string): void {
  const invalid = invalidNameReason(name);
  if (invalid !== undefined) throw new FsError(nameErrorCode(name), `${local}: ${invalid}`);
}

/** The errno of a refused save or rename whose new name is `name`. */
function refusalCode(reason: UploadRefusal | RenameRefusal, name: string): FsErrorCode {
  switch (reason) {
    case 'is-a-directory':
      return 'EISDIR';
    case 'not-a-directory':
      return 'ENOTDIR';
    case 'name-taken':
      return 'EEXIST';
    case 'invalid-name':
      return nameErrorCode(name);
  }
}

function nameErrorCode(name: string): 'ENAMETOOLONG' | 'EINVAL' {
  return Buffer.byteLength(name, 'utf8') > 255 ? 'ENAMETOOLONG' : 'EINVAL';
}

function checkSize(local: string, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new FsError('EINVAL', `${local}: invalid size ${size}`);
}

/**
 * Runs a local file call for a local-only path, turning Node's name errors into FsError; other
 * failures are the local disk's, mapped by the caller's lock (onLocalDisk).
 */
async function localOnlyCall<T>(local: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EEXIST' || code === 'EISDIR') throw new FsError(code, `${local}: ${(error as Error).message}`, error);
    throw error;
  }
}


