// The workspace filesystem: the `Filesystem` port over a RemoteWorkspace, the MetadataCache, the
// ContentCache and staging files (docs/semantics.md "Operations" is its contract).
// It owns open files and handles, the per-path lock, when to upload, and local-only Finder clutter.
// It does not own metadata (MetadataCache), notebook naming and plans (notebooks/*), errno numbers
// (fs/fuse), nor durability across crashes (the write journal of a later issue).
import { constants } from 'node:fs';
import { mkdir, open, readFile, truncate as truncateFile, type FileHandle as NodeFileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FsError, toFsError, type FsErrorCode } from './errors';
import { baseName as baseOf, joinPath, parentPath as parentOf } from './fs-paths';
import type { DirectoryEntry, FileAttributes, FileHandle, Filesystem, FilesystemStats } from './filesystem';
import type { Logger } from './logger';
import { normalizeLocalPath, type CachedEntry, type MetadataCache } from './meta/metadata-cache';
import { buildDirectoryView, childPath, downloadFormat, invalidNameReason, JUPYTER_EXTENSION, type DirectoryView, type Presentation } from './notebooks/directory-view';
import { convertSource, HEADER_PROBE_BYTES, planUpload, type UploadRefusal } from './notebooks/notebook-source';
import { planRename, type RenamePlan, type RenameRefusal } from './notebooks/rename-plan';
import { PathLocks } from './path-locks';
import type { DownloadFormat, RemoteEntry, RemoteWorkspace } from './remote/remote-workspace';
import { ContentCache, type CacheLease } from './cache/content-cache';
import type { ContentFingerprint } from './cache/content-fingerprint';
import { isLocalOnlyName, LocalOnlyFiles } from './write/local-only-files';
import { StagingFile } from './write/staging-file';
import { NOTEBOOK_SYNTAX } from '../shared/workspace-types';

/** Permission bits of folders. */
export const DIRECTORY_MODE = 0o755;
/** Permission bits of files and notebooks. */
export const FILE_MODE = 0o644;
/** A `.ipynb` save up to this size is read whole to tell whether it is Jupyter JSON. */
export const JUPYTER_PROBE_LIMIT_BYTES = 32 * 1024 * 1024;

/** `rawType` of a provisional entry: a file created locally and not yet uploaded. */
const PROVISIONAL = 'WSFS_PROVISIONAL';
/** Inode numbers of provisional entries start here (far above workspace object ids). */
const PROVISIONAL_INO_BASE = 2 ** 52;
const ACCESS_MODE = constants.O_RDONLY | constants.O_WRONLY | constants.O_RDWR;
/** How many uploaded versions keep their local mtime (see WorkspaceFs.ownMtimes). */
const OWN_MTIMES_LIMIT = 10_000;
/**
 * A plain file's upload is read back with one listing of its folder at most this long after the
 * first unread upload there, shared by every upload into the folder meanwhile (not a stat each).
 */
export const READ_BACK_DELAY_MS = 100;

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
}

/** An open handle. `position`-less: every read and write names its offset. */
type Handle =
  | { kind: 'remote'; file: OpenFile; writable: boolean; append: boolean; copy?: { fd: NodeFileHandle; lease: CacheLease } }
  | { kind: 'local-only'; path: string; fd: NodeFileHandle };

/**
 * The Filesystem over a Databricks workspace. Errors: FsError only (see docs/semantics.md,
 * "Operations"); remote failures through toFsError.
 */
export class WorkspaceFs implements Filesystem {
  private readonly remote: RemoteWorkspace;
  private readonly metadata: MetadataCache;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly uid: number;
  private readonly gid: number;
  private readonly stateDir: string;
  private readonly stagingDir: string;
  private readonly cache: ContentCache;
  private readonly localOnly: LocalOnlyFiles;
  private readonly locks = new PathLocks();
  /** Folder times: workspace folders carry none, so they report the mount's start, stably. */
  private readonly startedAt: number;
  /**
   * The mtime shown for versions this mount uploaded, by versionKey: the last local write time,
   * which is what the kernel already holds for the file, instead of the workspace's later
   * modified_at (else a program sees the mtime of a file it just wrote jump once the kernel's
   * attribute cache expires; vim then warns the file changed). Oldest forgotten past a cap.
   */
  private readonly ownMtimes = new Map<string, number>();
  // `files` is keyed by OpenFile.path; entries are added, re-keyed and removed only under the
  // per-path lock of the key(s) involved. `handles` maps live handles; changed in open/create/release.
  private readonly files = new Map<string, OpenFile>();
  private readonly handles = new Map<FileHandle, Handle>();
  private nextHandle = 1;
  private nextProvisional = PROVISIONAL_INO_BASE;
  private prepared: Promise<void> | undefined;
  private nextLocalVersion = 1;
  /**
   * Uploaded plain files not read back yet, by remote folder: local path → the tagged entry
   * (RemoteEntry.localVersion) put into the metadata cache. One listing per folder reads them back.
   */
  private readonly readBacks = new Map<string, { remoteFolder: string; pending: Map<string, RemoteEntry>; timer: NodeJS.Timeout }>();
  /** Read-backs under way, by local folder. */
  private readonly readBacksRunning = new Map<string, Promise<void>>();
  /** The tag of the newest upload of each remote path not read back yet. */
  private readonly latestTags = new Map<string, number>();

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
    this.startedAt = options.now();
  }

  // --- attributes and listings -------------------------------------------------------------

  async getattr(path: string): Promise<FileAttributes> {
    const local = normalizeLocalPath(path);
    if (isLocalOnlyName(baseOf(local))) return this.localOnlyAttributes(local);
    const file = this.files.get(local);
    if (file?.staging !== undefined) return this.openFileAttributes(file);
    await this.readBackBefore(parentOf(local));
    return this.attributesOf(await this.metadata.lookup(local));
  }

  async fgetattr(path: string, handle: FileHandle): Promise<FileAttributes> {
    const h = this.handles.get(handle);
    if (h?.kind === 'remote' && h.file.staging !== undefined) return this.openFileAttributes(h.file);
    if (h?.kind === 'remote' && h.copy !== undefined && h.file.unlinked) {
      const { size } = await h.copy.fd.stat();
      return fileAttributes(size, this.mtimeOf(h.file.entry), h.file.entry.objectId);
    }
    return this.getattr(path);
  }

  async readdir(path: string): Promise<DirectoryEntry[]> {
    const local = normalizeLocalPath(path);
    if (isLocalOnlyName(baseOf(local))) throw new FsError('ENOTDIR', `${local} is not a folder`);
    await this.readBackBefore(local);
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
          return { name, attributes: fileAttributes(0, this.mtimeOf(visible.entry), visible.entry.objectId) };
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
    await this.readBackBefore(parentOf(local));
    return this.locks.run([local], () => this.openLocked(local, flags));
  }

  async create(path: string, _mode: number, flags: number): Promise<FileHandle> {
    const local = normalizeLocalPath(path);
    if (local === '/') throw new FsError('EISDIR', '/ is a folder');
    return this.locks.run([local], async () => {
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
        objectId: this.nextProvisional++,
        modifiedAt: this.now(),
        createdAt: this.now(),
        size: 0,
      };
      const staging = await StagingFile.create(this.stagingDir, name, undefined, this.now());
      staging.dirty = true;
      const file: OpenFile = { path: local, handles: 0, staging, entry, presentation: { kind: 'FILE' }, created: true, unlinked: false };
      this.files.set(local, file);
      this.metadata.noteCreated(local, entry);
      file.handles++;
      return this.addHandle({ kind: 'remote', file, writable: true, append: (flags & constants.O_APPEND) !== 0 });
    });
  }

  async read(_path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return (await h.fd.read(buffer, 0, length, position)).bytesRead;
    const staging = h.file.staging;
    if (staging !== undefined && staging.isOpen) return staging.read(buffer, length, position);
    h.copy ??= await this.openCopy(h.file.path, h.file.entry, h.file.presentation);
    return (await h.copy.fd.read(buffer, 0, length, position)).bytesRead;
  }

  async write(_path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return (await h.fd.write(buffer, 0, length, position)).bytesWritten;
    if (!h.writable) throw new FsError('EINVAL', `${h.file.path} is not open for writing`);
    return this.locks.run([h.file.path], async () => {
      const staging = h.file.staging!;
      return staging.write(buffer, length, h.append ? staging.size : position, this.now());
    });
  }

  async flush(_path: string, handle: FileHandle): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return;
    await this.locks.run([h.file.path], () => this.uploadIfDirty(h.file));
  }

  async fsync(path: string, handle: FileHandle, _dataOnly: boolean): Promise<void> {
    await this.flush(path, handle);
  }

  async release(_path: string, handle: FileHandle): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') {
      this.handles.delete(handle);
      await h.fd.close();
      return;
    }
    await this.locks.run([h.file.path], async () => {
      try {
        await this.uploadIfDirty(h.file);
      } finally {
        this.handles.delete(handle);
        await h.copy?.fd.close().catch(() => undefined);
        h.copy?.lease.release();
        h.file.handles--;
        if (h.file.handles === 0) await this.settle(h.file);
      }
    });
  }

  // --- truncate ------------------------------------------------------------------------------

  async truncate(path: string, size: number): Promise<void> {
    const local = normalizeLocalPath(path);
    checkSize(local, size);
    await this.locks.run([local], async () => {
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
        this.files.set(local, file);
      }
      await file.staging!.truncate(size, this.now());
      if (file.handles === 0) {
        await this.uploadIfDirty(file);
        await this.settle(file);
      }
    });
  }

  async ftruncate(_path: string, handle: FileHandle, size: number): Promise<void> {
    const h = this.handle(handle);
    if (h.kind === 'local-only') return h.fd.truncate(size);
    checkSize(h.file.path, size);
    if (!h.writable) throw new FsError('EINVAL', `${h.file.path} is not open for writing`);
    await this.locks.run([h.file.path], () => h.file.staging!.truncate(size, this.now()));
  }

  // --- namespace -----------------------------------------------------------------------------

  async unlink(path: string): Promise<void> {
    const local = normalizeLocalPath(path);
    await this.locks.run([local], async () => {
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
        if (file.handles === 0) await file.staging?.discard();
      }
    });
  }

  async mkdir(path: string, _mode: number): Promise<void> {
    const local = normalizeLocalPath(path);
    if (local === '/') throw new FsError('EEXIST', '/ already exists');
    await this.locks.run([local], async () => {
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
    await this.locks.run([local], async () => {
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
      await this.locks.run([source, target], async () => {
        if ((await this.localOnly.stat(source)) === undefined) throw new FsError('ENOENT', `${source}: no such file`);
        await this.localOnly.move(source, target);
      });
      return;
    }
    // Files with unsaved content inside a moved folder are uploaded first, each under its own lock.
    for (const file of [...this.files.values()]) {
      if (file.path.startsWith(`${source}/`)) await this.locks.run([file.path], () => this.uploadIfDirty(file));
    }
    await this.locks.run([source, target], async () => {
      const moving = this.files.get(source);
      if (moving !== undefined) await this.uploadIfDirty(moving);
      const found = await this.metadata.lookup(source);
      // A destination created here and not uploaded yet exists only locally: it is simply replaced.
      const destination = withoutProvisional(await this.metadata.readdir(parentOf(target)));
      const pendingTarget = this.files.get(target);
      const plan = planRename(found, baseOf(target), destination);
      if (plan.kind !== 'refuse' && pendingTarget?.created === true && pendingTarget !== moving) this.metadata.noteRemoved(target);
      await this.carryOut(plan, found, source, target);
      if (plan.kind === 'noop') return;
      // Re-key open files: one open at the destination was replaced; those at or under the source move.
      const replaced = this.files.get(target);
      if (replaced !== undefined && replaced !== moving) {
        replaced.unlinked = true;
        this.files.delete(target);
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

  async access(path: string, _mode: number): Promise<void> {
    await this.exists(normalizeLocalPath(path));
  }

  async utimens(path: string, _atimeMs: number, _mtimeMs: number): Promise<void> {
    await this.exists(normalizeLocalPath(path));
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

  async flushAll(): Promise<void> {
    let first: unknown;
    for (const file of [...this.files.values()]) {
      try {
        await this.locks.run([file.path], async () => {
          await this.uploadIfDirty(file);
          // A file kept only because an earlier upload failed is tidied up once it is saved.
          if (file.handles === 0) await this.settle(file);
        });
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
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
    let copy: { fd: NodeFileHandle; lease: CacheLease } | undefined;
    if (writable) {
      if (file.staging === undefined) file.staging = await this.stagingFor(local, file.entry, file.presentation, truncating);
      if (truncating) await file.staging.truncate(0, this.now());
    } else if (file.staging === undefined) {
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

  private async uploadIfDirty(file: OpenFile): Promise<void> {
    if (file.unlinked || file.staging?.dirty !== true) return;
    try {
      await this.upload(file, file.staging);
    } catch (error) {
      const failure = toFsError(error, file.path);
      this.logger.warn(`upload of ${file.path} failed; its content is kept in ${file.staging.file}`, {
        path: file.path,
        staging: file.staging.file,
        code: failure.code,
        error: failure.message,
      });
      throw failure;
    }
  }

  /** Uploads the staging content of `file` as planUpload decides, then updates cache and version. */
  private async upload(file: OpenFile, staging: StagingFile): Promise<void> {
    const local = file.path;
    const name = baseOf(local);
    const parentView = withoutProvisional(await this.metadata.readdir(parentOf(local)));
    const jupyter = name.toLowerCase().endsWith(JUPYTER_EXTENSION) && staging.size <= JUPYTER_PROBE_LIMIT_BYTES;
    const probe = jupyter ? await readFile(staging.file) : await staging.head(HEADER_PROBE_BYTES);
    const plan = planUpload(name, probe, parentView);
    const source = { file: staging.file, size: staging.size };
    let remotePath: string;
    let format: DownloadFormat;
    switch (plan.kind) {
      case 'refuse':
        throw new FsError(refusalCode(plan.reason, name), plan.message);
      case 'file':
        remotePath = plan.path;
        format = 'RAW';
        await this.remoteCall(local, () => this.remote.upload(plan.path, { type: 'FILE' }, source, { overwrite: true }));
        break;
      case 'notebook':
        remotePath = plan.path;
        format = plan.format;
        await this.remoteCall(local, () =>
          this.remote.upload(plan.path, { type: 'NOTEBOOK', language: plan.language, format: plan.format }, source, { overwrite: true }),
        );
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
      // object id and modified_at are learnt from one shared listing of the folder (readBack).
      const previous = file.entry;
      const entry: RemoteEntry = {
        path: remotePath,
        type: 'FILE',
        rawType: 'FILE',
        objectId: !file.created && previous.type === 'FILE' && previous.rawType !== PROVISIONAL && previous.path === remotePath ? previous.objectId : this.nextProvisional++,
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
      this.scheduleReadBack(local, entry);
      return;
    }
    let entry: RemoteEntry;
    try {
      entry = await this.remoteCall(local, () => this.remote.stat(remotePath));
    } catch (error) {
      // The content is saved; only its new metadata is unknown: the next use lists the folder.
      this.logger.warn(`saved ${local}, but could not read back its new version`, { path: local, error: toFsError(error, local).message });
      this.metadata.invalidate(parentOf(local));
      delete file.uploaded;
      return;
    }
    this.metadata.noteRemoved(local);
    this.metadata.noteCreated(local, entry);
    this.rememberOwnMtime(entry, staging.modifiedAt);
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
  }

  /** Queues `tagged` (just uploaded to `local`) for the next read-back listing of its folder. */
  private scheduleReadBack(local: string, tagged: RemoteEntry): void {
    const folder = parentOf(local);
    let batch = this.readBacks.get(folder);
    if (batch === undefined) {
      const timer = setTimeout(() => void this.startReadBack(folder), READ_BACK_DELAY_MS);
      timer.unref();
      batch = { remoteFolder: parentOf(tagged.path), pending: new Map(), timer };
      this.readBacks.set(folder, batch);
    }
    batch.pending.set(local, tagged);
    this.latestTags.set(tagged.path, tagged.localVersion!);
  }

  /**
   * Before the metadata cache may list the local folder `folder` anew, the uploads there not read
   * back yet are read back first: a new listing would otherwise replace their tagged versions
   * with the workspace's, whose mtime is not the one shown while they were written.
   */
  private async readBackBefore(folder: string): Promise<void> {
    if (!this.readBacks.has(folder) && !this.readBacksRunning.has(folder)) return;
    if (this.metadata.isListingFresh(folder)) return;
    await this.startReadBack(folder);
    await this.readBacksRunning.get(folder);
  }

  private startReadBack(folder: string): Promise<void> {
    const batch = this.readBacks.get(folder);
    if (batch === undefined) return Promise.resolve();
    this.readBacks.delete(folder);
    clearTimeout(batch.timer);
    const done = this.readBack(batch.remoteFolder, batch.pending).catch((error: unknown) => {
      // The saves stand; their versions stay tagged until a listing replaces them.
      this.logger.debug(`could not read back uploads in ${folder}: ${String(error)}`);
    });
    const running = Promise.all([this.readBacksRunning.get(folder), done]).then(() => undefined);
    this.readBacksRunning.set(folder, running);
    void running.finally(() => {
      if (this.readBacksRunning.get(folder) === running) this.readBacksRunning.delete(folder);
    });
    return running;
  }

  /**
   * Lists the folder once and, for each upload that is still the newest one of its path and is
   * listed with the size it was saved with, records the listed version: its mtime is the local
   * write time, the local copy is that version's (no download later), and it replaces the tagged
   * entry in the metadata cache. (As with a stat right after the upload, a save made elsewhere in
   * between with the very same size would be taken for ours.)
   */
  private async readBack(remoteFolder: string, pending: Map<string, RemoteEntry>): Promise<void> {
    const listed = new Map((await this.remote.list(remoteFolder)).map((entry) => [entry.path, entry]));
    for (const [local, tagged] of pending) {
      await this.locks.run([local], () => {
        if (this.latestTags.get(tagged.path) !== tagged.localVersion) return Promise.resolve();
        this.latestTags.delete(tagged.path);
        const real = listed.get(tagged.path);
        if (real === undefined || real.type !== 'FILE' || real.size !== tagged.size || real.modifiedAt === undefined) return Promise.resolve();
        this.rememberOwnMtime(real, tagged.modifiedAt!);
        const presentation: Presentation = { kind: 'FILE' };
        this.cache.rekey(fingerprintOf(tagged, presentation), fingerprintOf(real, presentation));
        if (this.metadata.cachedEntry(local)?.localVersion === tagged.localVersion) {
          this.metadata.noteRemoved(local);
          this.metadata.noteCreated(local, real);
        }
        const file = this.files.get(local);
        if (file?.entry === tagged) {
          file.entry = real;
          if (file.uploaded !== undefined) file.uploaded = fingerprintOf(real, presentation);
        }
        return Promise.resolve();
      });
    }
  }

  private rememberOwnMtime(entry: RemoteEntry, mtime: number): void {
    if (entry.modifiedAt === undefined) return;
    this.ownMtimes.delete(versionKey(entry));
    this.ownMtimes.set(versionKey(entry), mtime);
    if (this.ownMtimes.size > OWN_MTIMES_LIMIT) this.ownMtimes.delete(this.ownMtimes.keys().next().value!);
  }

  // --- internals: rename ---------------------------------------------------------------------

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
        await this.remoteCall(source, () => this.remote.rename(plan.from, plan.to));
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

  /** Cache update after a rename that made a new object at `remotePath`: source gone, target fresh. */
  private async noteReplaced(source: string, target: string, remotePath: string): Promise<void> {
    this.metadata.noteRemoved(source);
    const entry = await this.remoteCall(target, () => this.remote.stat(remotePath));
    this.metadata.noteRemoved(target);
    this.metadata.noteCreated(target, entry);
  }

  // --- internals: content, attributes, helpers -----------------------------------------------

  /** A pinned copy of the version `entry` (presented as `presentation`, or read as `format`). */
  private localCopyOf(local: string, entry: RemoteEntry, presentation: Presentation, format?: DownloadFormat): Promise<CacheLease> {
    const wanted = format ?? downloadFormat(presentation);
    if (wanted === undefined) return Promise.reject(new FsError('EISDIR', `${local} is a folder`));
    return this.cache
      .acquire(fingerprintOf(entry, presentation, wanted), async (target) => {
        this.logger.debug(`download ${local}`, { path: entry.path, format: wanted });
        return this.remoteCall(local, () => this.remote.downloadTo(entry.path, wanted, target));
      })
      .catch((error: unknown) => Promise.reject(toFsError(error, local)));
  }

  /** Runs `use` on a pinned copy of the version `entry`, unpinning it afterwards. */
  private async withCopy<T>(local: string, entry: RemoteEntry, presentation: Presentation, format: DownloadFormat | undefined, use: (copy: CacheLease) => Promise<T>): Promise<T> {
    const lease = await this.localCopyOf(local, entry, presentation, format);
    try {
      return await use(lease);
    } finally {
      lease.release();
    }
  }

  /** An open descriptor on a pinned copy of `entry`, for a read handle (both end at release). */
  private async openCopy(local: string, entry: RemoteEntry, presentation: Presentation): Promise<{ fd: NodeFileHandle; lease: CacheLease }> {
    const lease = await this.localCopyOf(local, entry, presentation);
    try {
      return { fd: await open(lease.file, 'r'), lease };
    } catch (error) {
      lease.release();
      throw toFsError(error, local);
    }
  }

  private async attributesOf(found: CachedEntry): Promise<FileAttributes> {
    const { entry, presentation } = found;
    if (presentation.kind === 'DIRECTORY') {
      return { kind: 'directory', size: 0, mode: DIRECTORY_MODE, mtimeMs: this.startedAt, ctimeMs: this.startedAt, atimeMs: this.startedAt, ino: entry.objectId > 0 ? entry.objectId : 1 };
    }
    const known = presentation.kind === 'FILE' ? entry.size : this.cache.sizeOf(fingerprintOf(entry, presentation));
    const size = known ?? (await this.withCopy(found.localPath, entry, presentation, undefined, (copy) => Promise.resolve(copy.size)));
    return fileAttributes(size, this.mtimeOf(entry), entry.objectId);
  }

  /** The mtime shown for `entry`: the local write time for versions uploaded here (see ownMtimes). */
  private mtimeOf(entry: RemoteEntry): number {
    if (entry.modifiedAt === undefined) return this.startedAt;
    return this.ownMtimes.get(versionKey(entry)) ?? entry.modifiedAt;
  }

  private openFileAttributes(file: OpenFile): FileAttributes {
    const staging = file.staging!;
    const mtime = staging.dirty || file.entry.modifiedAt === undefined ? staging.modifiedAt : this.mtimeOf(file.entry);
    return fileAttributes(staging.size, mtime, file.entry.objectId);
  }

  private async localOnlyAttributes(local: string): Promise<FileAttributes> {
    const info = await this.localOnly.stat(local);
    if (info === undefined) throw new FsError('ENOENT', `${local}: no such file`);
    return fileAttributes(info.size, info.mtimeMs, undefined);
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

/** A remote version: the object and its modified_at (kept across renames, new on every save). */
function versionKey(entry: RemoteEntry): string {
  return `${entry.objectId}:${String(entry.modifiedAt)}`;
}

function fileAttributes(size: number, mtimeMs: number, ino: number | undefined): FileAttributes {
  return { kind: 'file', size, mode: FILE_MODE, mtimeMs, ctimeMs: mtimeMs, atimeMs: mtimeMs, ...(ino !== undefined && ino > 0 && { ino }) };
}

/** The fingerprint of `entry`'s bytes presented as `presentation` (or read as `format`). */
function fingerprintOf(entry: RemoteEntry, presentation: Presentation, format: DownloadFormat = downloadFormat(presentation) ?? 'RAW'): ContentFingerprint {
  const fingerprint: ContentFingerprint = { objectId: entry.objectId, format };
  if (entry.modifiedAt !== undefined) fingerprint.modifiedAt = entry.modifiedAt;
  if (presentation.kind === 'FILE' && entry.size !== undefined) fingerprint.size = entry.size;
  if (entry.localVersion !== undefined) fingerprint.localVersion = entry.localVersion;
  return fingerprint;
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

/** Runs a local file call for a local-only path, turning Node's errors into FsError. */
async function localOnlyCall<T>(local: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EEXIST' || code === 'EISDIR') throw new FsError(code, `${local}: ${(error as Error).message}`, error);
    throw new FsError('EIO', `${local}: ${(error as Error).message}`, error);
  }
}


