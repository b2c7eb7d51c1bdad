// The path-based filesystem port the FUSE adapter calls (ARCHITECTURE.md §2: "workspace-fs.ts, the
// path-based filesystem API the adapter calls"). Paths are local, absolute within the mount
// (`/etl/Ingest.scala`), `/`-separated. Every method is async and rejects with FsError only; the
// adapter turns FsError codes into errno numbers and knows nothing else about the workspace.

/** What `getattr` reports. Times are ms since the epoch (fractions allowed). */
export interface FileAttributes {
  kind: 'file' | 'directory';
  /** Exact byte size of what a read returns. */
  size: number;
  /** Permission bits only (e.g. 0o644); the adapter adds the file-type bits. */
  mode: number;
  mtimeMs: number;
  ctimeMs: number;
  atimeMs: number;
  /**
   * The inode number shown (src/fs/inode-numbers.ts): the workspace object id, stable across
   * mounts, or a provisional number (2^52 and up) for a file created here. Unique among the entries shown.
   */
  ino?: number;
}

/** What `statfs` reports; stable values (the workspace has no meaningful capacity). */
export interface FilesystemStats {
  blockSize: number;
  blocks: number;
  blocksFree: number;
  blocksAvailable: number;
  files: number;
  filesFree: number;
  nameMax: number;
}

/** An open file, as returned by `open`/`create`; non-zero. */
export type FileHandle = number;

/** One directory entry with its attributes (so `ls -l` needs no extra lookups). */
export interface DirectoryEntry {
  name: string;
  attributes: FileAttributes;
}

/**
 * An OS file descriptor whose bytes are exactly an open handle's content and stay so until
 * `revoked` aborts or the handle is released: the FUSE binding may then read it directly
 * (read-through, docs/fuse-binding.md) instead of calling `read`.
 */
export interface ReadThrough {
  fd: number;
  revoked: AbortSignal;
}

/** A write-through handle's counters as the binding keeps them (docs/fuse-binding.md, row 10). */
export interface WriteThroughCounters {
  /** Content size: the size at registration, grown by every write. */
  size: number;
  /** Writes done since registration. */
  writes: number;
  /** When the last write was done (ms since the epoch; 0 before the first). */
  modifiedMs: number;
}

/**
 * A writable handle's staging-file descriptor that the binding may write the handle's data into
 * without calling `write` (write-through, docs/fuse-binding.md), until `revoked` aborts or the
 * handle is released. While it is connected the filesystem changes neither the file's length nor
 * its bytes, and takes size and modification time from the counters.
 */
export interface WriteThrough {
  fd: number;
  /** The content's size now. */
  size: number;
  /** Every write goes to the end of the content (O_APPEND), whatever its offset. */
  append: boolean;
  revoked: AbortSignal;
  /** Registered with the binding: `counters` reads its live counters (null once unregistered). */
  connect(counters: () => WriteThroughCounters | null): void;
  /** Unregistered, with no write in flight any more: the final counters (null if never registered). */
  disconnect(final: WriteThroughCounters | null): void;
}

/** The filesystem the adapter serves. */
export interface Filesystem {
  getattr(path: string): Promise<FileAttributes>;
  /** Attributes of an open file (sees unflushed writes). */
  fgetattr(path: string, handle: FileHandle): Promise<FileAttributes>;
  readdir(path: string): Promise<DirectoryEntry[]>;
  /** `flags` are open(2) flags (O_RDONLY, O_WRONLY, O_RDWR, O_TRUNC, O_APPEND, …). */
  open(path: string, flags: number): Promise<FileHandle>;
  /** Creates and opens a new file (`mode` permission bits, `flags` open flags incl. O_EXCL). */
  create(path: string, mode: number, flags: number): Promise<FileHandle>;
  /**
   * Asked right after `open` and again after a `read` of a handle not reading through: a descriptor
   * the binding may read `handle`'s content from without calling `read`, or undefined (e.g. while
   * the content is still downloading). The caller stops using the fd before it calls `release`.
   */
  readThrough?(handle: FileHandle): ReadThrough | undefined;
  /**
   * Offered after a successful `write`: a descriptor the binding may write `handle`'s later writes
   * into without calling `write`, or undefined. The caller unregisters before it calls `release`.
   */
  writeThrough?(handle: FileHandle): WriteThrough | undefined;
  /** Reads up to `length` bytes at `position` into `buffer`; resolves with the count (0 = EOF). */
  read(path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number>;
  /** Writes `length` bytes of `buffer` at `position` (to local staging); resolves with the count. */
  write(path: string, handle: FileHandle, buffer: Buffer, length: number, position: number): Promise<number>;
  /** close(2) of one descriptor: uploads pending writes. */
  flush(path: string, handle: FileHandle): Promise<void>;
  /** Uploads pending writes and waits until the workspace has them. */
  fsync(path: string, handle: FileHandle, dataOnly: boolean): Promise<void>;
  /** Last close of a handle: always flushes, then frees it. */
  release(path: string, handle: FileHandle): Promise<void>;
  truncate(path: string, size: number): Promise<void>;
  ftruncate(path: string, handle: FileHandle, size: number): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, mode: number): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Moves a file or folder; replaces an existing file at `to` (atomic-save pattern of editors). */
  rename(from: string, to: string): Promise<void>;
  statfs(path: string): Promise<FilesystemStats>;
  /** access(2): F_OK/R_OK/W_OK/X_OK checks. */
  access(path: string, mode: number): Promise<void>;
  /** Sets the times shown (ms, fractions kept); undefined leaves that time as it is (UTIME_OMIT). */
  utimens(path: string, atimeMs: number | undefined, mtimeMs: number | undefined): Promise<void>;
  /** Accepted as a no-op (the workspace has no permission bits). */
  chmod(path: string, mode: number): Promise<void>;
  /** To the mounting user: no-op; to anyone else: EPERM. */
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Uploads everything pending and waits (unmount, SIGTERM). */
  flushAll(): Promise<void>;
}
