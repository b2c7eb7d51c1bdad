// The fuse-native operations table: a thin translation between the patched fuse-native handler
// signatures (docs/fuse-binding.md) and the path-based Filesystem port. Every handler is async,
// never throws synchronously and calls its callback exactly once; errno comes from errno-map.ts.
// It holds no filesystem state (handles, caches, staging belong to the Filesystem), only which
// handles it registered with the binding for read-through and write-through, and does not mount
// anything (mount-session.ts does).
import { constants as fsConstants } from 'node:fs';
import type Fuse from 'fuse-native';
import { FsError } from '../errors';
import type { DirectoryEntry, FileAttributes, Filesystem, FilesystemStats, WriteThroughCounters } from '../filesystem';
import type { Logger } from '../logger';
import { errnoFor, errnoOf } from './errno-map';

/** The operations object fuse-native's constructor takes. */
export type FuseOperations = NonNullable<ConstructorParameters<typeof Fuse>[1]>;
/** A stat as fuse-native takes it. */
export type FuseStat = NonNullable<Parameters<Parameters<NonNullable<FuseOperations['getattr']>>[1]>[1]>;
/** A statfs as fuse-native takes it. */
export type FuseStatFs = NonNullable<Parameters<Parameters<NonNullable<FuseOperations['statfs']>>[1]>[1]>;

/** What createFuseOperations needs. */
export interface FuseOperationsOptions {
  filesystem: Filesystem;
  /** Receives one debug line per call (operation, path, result, duration) and EIO errors. */
  logger: Logger;
  /** Owner reported for every entry; default the mounting process's uid/gid. */
  uid?: number;
  gid?: number;
  /** The binding's read-through registry (Fuse.setReadThrough); without it every read goes to `read`. */
  readThrough?: ReadThroughRegistry;
  /** The binding's write-through registry (Fuse.setWriteThrough); without it every write goes to `write`. */
  writeThrough?: WriteThroughRegistry;
}

/** Where the adapter registers write-through descriptors: the patched binding (docs/fuse-binding.md). */
export interface WriteThroughRegistry {
  /** Writes of `fh` go into `fd` from now on (content size `size`; at the end when `append`); false when declined. */
  set(fh: number, fd: number, size: number, append: boolean): boolean;
  /** The live counters of `fh`, null when not registered. */
  counters(fh: number): WriteThroughCounters | null;
  /** Writes of `fh` go to the handler again; returns the final counters once no write uses the fd any more. */
  clear(fh: number): WriteThroughCounters | null;
}

/** Where the adapter registers read-through descriptors: the patched binding (docs/fuse-binding.md). */
export interface ReadThroughRegistry {
  /** Reads of `fh` are served from `fd` from now on; false when the binding declined. */
  set(fh: number, fd: number): boolean;
  /** Reads of `fh` go to the handler again; returns once no read uses the fd any more. */
  clear(fh: number): void;
}

const S_IFDIR = fsConstants.S_IFDIR;
const S_IFREG = fsConstants.S_IFREG;
const BLOCK_SIZE = 4096;
/** opendir returns this; directories need no per-open state (fuse-native wants a non-zero fh). */
const DIRECTORY_HANDLE = 1;

/**
 * Unsupported operations and their errno (docs/fuse-binding.md "FUSE adapter"): the workspace has
 * no links, device nodes or extended attributes.
 */
const UNSUPPORTED_ERRNO = {
  /** symlink(2), link(2), mknod(2)/mkfifo(3): POSIX's "filesystem does not support this" is EPERM. */
  links: 'EPERM',
  /** Unreachable in practice (no entry is ever a symlink); EINVAL as for any non-link. */
  readlink: 'EINVAL',
  /** getxattr: no attribute exists (ENODATA; ENOATTR on macOS); answered without any await. */
  getxattr: 'ENODATA',
  /** setxattr, removexattr. */
  setxattr: 'ENOTSUP',
} as const;

/** Converts the port's attributes to a fuse-native stat with type bits, fractional-ms times and blocks. */
export function toFuseStat(attributes: FileAttributes, uid: number, gid: number): FuseStat {
  const directory = attributes.kind === 'directory';
  const stat: FuseStat = {
    mode: (directory ? S_IFDIR : S_IFREG) | (attributes.mode & 0o7777),
    size: attributes.size,
    uid,
    gid,
    nlink: directory ? 2 : 1,
    blksize: BLOCK_SIZE,
    blocks: Math.ceil(attributes.size / 512),
    mtime: attributes.mtimeMs,
    ctime: attributes.ctimeMs,
    atime: attributes.atimeMs,
  };
  if (attributes.ino !== undefined) stat.ino = attributes.ino;
  return stat;
}

/**
 * Converts the port's filesystem stats to fuse-native's statfs. fuse-native carries each count in
 * a uint32 (2³² would wrap to 0 and `df` would show an empty, full disk), so counts are capped.
 */
function toFuseStatFs(stats: FilesystemStats): FuseStatFs {
  const u32 = (n: number): number => Math.min(Math.max(0, Math.floor(n)), 0xffff_ffff);
  return {
    bsize: u32(stats.blockSize),
    frsize: u32(stats.blockSize),
    blocks: u32(stats.blocks),
    bfree: u32(stats.blocksFree),
    bavail: u32(stats.blocksAvailable),
    files: u32(stats.files),
    ffree: u32(stats.filesFree),
    favail: u32(stats.filesFree),
    namemax: u32(stats.nameMax),
  };
}

/** Builds the fuse-native operations object serving `filesystem`. */
export function createFuseOperations(options: FuseOperationsOptions): FuseOperations {
  const { filesystem: fs, logger } = options;
  const uid = options.uid ?? process.getuid?.() ?? 0;
  const gid = options.gid ?? process.getgid?.() ?? 0;
  const stat = (attributes: FileAttributes): FuseStat => toFuseStat(attributes, uid, gid);
  /** Registered read-through handles and how to unregister each; changes only on the JS thread. */
  const readingThrough = new Map<number, () => void>();

  /** Offers `fh`'s read-through descriptor (if the filesystem has one) to the binding. */
  function startReadThrough(path: string, fh: number): void {
    const registry = options.readThrough;
    if (registry === undefined || fs.readThrough === undefined) return;
    try {
      const offer = fs.readThrough(fh);
      if (offer === undefined || offer.revoked.aborted || !registry.set(fh, offer.fd)) return;
      const stop = (): void => {
        offer.revoked.removeEventListener('abort', stop);
        readingThrough.delete(fh);
        registry.clear(fh);
      };
      offer.revoked.addEventListener('abort', stop);
      readingThrough.set(fh, stop);
      if (logger.isEnabled('debug')) logger.debug(`open ${path} fh=${fh}: reads served by the binding from fd ${offer.fd}`);
    } catch (error) {
      // Reads simply keep coming through the handler.
      logger.warn(`open ${path} fh=${fh}: read-through unavailable: ${String(error)}`);
    }
  }

  /** Registered write-through handles and how to unregister each; changes only on the JS thread. */
  const writingThrough = new Map<number, () => void>();

  /** After a write of `fh` came through JS: offers its staging descriptor (if the filesystem has one) to the binding. */
  function startWriteThrough(path: string, fh: number): void {
    const registry = options.writeThrough;
    if (registry === undefined || fs.writeThrough === undefined || writingThrough.has(fh)) return;
    try {
      const offer = fs.writeThrough(fh);
      if (offer === undefined || offer.revoked.aborted || !registry.set(fh, offer.fd, offer.size, offer.append)) return;
      offer.connect(() => registry.counters(fh));
      const stop = (): void => {
        offer.revoked.removeEventListener('abort', stop);
        writingThrough.delete(fh);
        offer.disconnect(registry.clear(fh));
      };
      offer.revoked.addEventListener('abort', stop);
      writingThrough.set(fh, stop);
      if (logger.isEnabled('debug')) logger.debug(`write ${path} fh=${fh}: writes done by the binding into fd ${offer.fd}`);
    } catch (error) {
      // Writes simply keep coming through the handler.
      logger.warn(`write ${path} fh=${fh}: write-through unavailable: ${String(error)}`);
    }
  }

  /** Sends a reply; a throwing callback is logged, never retried (exactly one reply per call). */
  function deliver(op: string, path: string, send: () => void): void {
    try {
      send();
    } catch (error) {
      logger.error(`${op} ${path}: replying to the kernel failed: ${String(error)}`);
    }
  }

  function logCall(op: string, path: string, detail: string, result: string, started: number): void {
    if (!logger.isEnabled('debug')) return;
    const ms = (performance.now() - started).toFixed(2);
    logger.debug(`${op} ${path}${detail} -> ${result} (${ms} ms)`);
  }

  /**
   * Runs `work` (which also converts its result, so conversion errors are caught), then answers
   * with `ok(value)` or `fail(-errno)`: exactly once, never synchronously throwing.
   */
  function serve<T>(op: string, path: string, detail: string, work: () => Promise<T>, ok: (value: T) => void, fail: (errno: number) => void, describe: (value: T) => string = () => 'ok'): void {
    const started = performance.now();
    let promise: Promise<T>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        logCall(op, path, detail, describe(value), started);
        deliver(op, path, () => ok(value));
      },
      (error: unknown) => {
        const errno = errnoFor(error, logger, op, path);
        logCall(op, path, detail, errnoName(error, errno), started);
        deliver(op, path, () => fail(errno));
      },
    );
  }

  /** Answers an unsupported operation immediately with a fixed errno. */
  function refuse(op: string, path: string, errno: number, cb: (code: number) => void): void {
    const started = performance.now();
    logCall(op, path, '', `refused (${errno})`, started);
    deliver(op, path, () => cb(errno));
  }

  /** `serve` for operations that resolve with nothing. */
  function serveVoid(op: string, path: string, detail: string, work: () => Promise<void>, cb: (code: number) => void): void {
    serve(op, path, detail, work, () => cb(0), cb);
  }

  return {
    getattr(path, cb) {
      serve('getattr', path, '', () => fs.getattr(path).then(stat), (s) => cb(0, s), cb);
    },
    fgetattr(path, fd, cb) {
      serve('fgetattr', path, ` fh=${fd}`, () => fs.fgetattr(path, fd).then(stat), (s) => cb(0, s), cb);
    },
    access(path, mode, cb) {
      serveVoid('access', path, ` mode=${mode}`, () => fs.access(path, mode), cb);
    },
    statfs(path, cb) {
      serve('statfs', path, '', () => fs.statfs(path).then(toFuseStatFs), (s) => cb(0, s), cb);
    },
    readdir(path, cb) {
      serve(
        'readdir',
        path,
        '',
        () => fs.readdir(path).then((entries: DirectoryEntry[]) => ({ names: entries.map((e) => e.name), stats: entries.map((e) => stat(e.attributes)) })),
        (listing) => cb(0, listing.names, listing.stats),
        cb,
        (listing) => `${listing.names.length} ${listing.names.length === 1 ? 'entry' : 'entries'}`,
      );
    },
    opendir(path, _flags, cb) {
      deliver('opendir', path, () => cb(0, DIRECTORY_HANDLE));
    },
    releasedir(path, _fd, cb) {
      deliver('releasedir', path, () => cb(0));
    },
    fsyncdir(path, _datasync, _fd, cb) {
      deliver('fsyncdir', path, () => cb(0));
    },
    open(path, flags, cb) {
      serve(
        'open',
        path,
        ` flags=0x${flags.toString(16)}`,
        () => fs.open(path, flags),
        (fh) => {
          // Registered before the kernel learns fh, so no read of it can miss the registration.
          startReadThrough(path, fh);
          cb(0, fh);
        },
        cb,
        (fh) => `fh=${fh}`,
      );
    },
    // Declared with four parameters on purpose: the patched binding passes the open flags only then.
    create(path: string, mode: number, flags: number, cb: (code: number, fd?: number) => void) {
      serve('create', path, ` mode=0o${(mode & 0o7777).toString(8)} flags=0x${flags.toString(16)}`, () => fs.create(path, mode & 0o7777, flags), (fh) => cb(0, fh), cb, (fh) => `fh=${fh}`);
    },
    read(path, fd, buf, len, pos, cb) {
      serve(
        'read',
        path,
        ` fh=${fd} len=${len} pos=${pos}`,
        () => fs.read(path, fd, buf, len, pos),
        (n) => {
          // A copy still downloading at open is offered once complete (the filesystem decides when).
          if (!readingThrough.has(fd)) startReadThrough(path, fd);
          cb(n);
        },
        cb,
        (n) => `${n} bytes`,
      );
    },
    write(path, fd, buf, len, pos, cb) {
      serve(
        'write',
        path,
        ` fh=${fd} len=${len} pos=${pos}`,
        () => fs.write(path, fd, buf, len, pos),
        (n) => {
          // The journal saw this change through JS; later writes of fd may go straight to its staging file.
          startWriteThrough(path, fd);
          cb(n);
        },
        cb,
        (n) => `${n} bytes`,
      );
    },
    flush(path, fd, cb) {
      serveVoid('flush', path, ` fh=${fd}`, () => fs.flush(path, fd), cb);
    },
    // NB the patched binding's order: datasync before fd.
    fsync(path, datasync, fd, cb) {
      serveVoid('fsync', path, ` fh=${fd} datasync=${datasync}`, () => fs.fsync(path, fd, datasync !== 0), cb);
    },
    release(path, fd, cb) {
      // The kernel sends release after the handle's last read and write; unregister before the fd is closed.
      readingThrough.get(fd)?.();
      writingThrough.get(fd)?.();
      serveVoid('release', path, ` fh=${fd}`, () => fs.release(path, fd), cb);
    },
    truncate(path, size, cb) {
      serveVoid('truncate', path, ` size=${size}`, () => fs.truncate(path, size), cb);
    },
    ftruncate(path, fd, size, cb) {
      serveVoid('ftruncate', path, ` fh=${fd} size=${size}`, () => fs.ftruncate(path, fd, size), cb);
    },
    unlink(path, cb) {
      serveVoid('unlink', path, '', () => fs.unlink(path), cb);
    },
    mkdir(path, mode, cb) {
      serveVoid('mkdir', path, ` mode=0o${(mode & 0o7777).toString(8)}`, () => fs.mkdir(path, mode & 0o7777), cb);
    },
    rmdir(path, cb) {
      serveVoid('rmdir', path, '', () => fs.rmdir(path), cb);
    },
    rename(src, dest, cb) {
      serveVoid('rename', src, ` -> ${dest}`, () => fs.rename(src, dest), cb);
    },
    // A NaN time is one to leave as it is (UTIME_OMIT: touch -m, tar x; docs/fuse-binding.md row 7).
    utimens(path, atime, mtime, cb) {
      const given = (ms: number): number | undefined => (Number.isNaN(ms) ? undefined : ms);
      serveVoid('utimens', path, ` atime=${atime} mtime=${mtime}`, () => fs.utimens(path, given(atime), given(mtime)), cb);
    },
    // mode arrives with the file-type bits (e.g. 0o100600); the port takes permission bits only.
    chmod(path, mode, cb) {
      serveVoid('chmod', path, ` mode=0o${(mode & 0o7777).toString(8)}`, () => fs.chmod(path, mode & 0o7777), cb);
    },
    chown(path, owner, group, cb) {
      serveVoid('chown', path, ` uid=${owner} gid=${group}`, () => fs.chown(path, owner, group), cb);
    },
    getxattr(path, _name, _position, cb) {
      // The kernel asks for security.capability on every write(2): answer at once, no await.
      deliver('getxattr', path, () => cb(errnoOf(UNSUPPORTED_ERRNO.getxattr)));
    },
    listxattr(path, cb) {
      deliver('listxattr', path, () => cb(0, []));
    },
    setxattr(path, name, _value, _position, _flags, cb) {
      refuse(`setxattr ${name}`, path, errnoOf(UNSUPPORTED_ERRNO.setxattr), cb);
    },
    removexattr(path, name, cb) {
      refuse(`removexattr ${name}`, path, errnoOf(UNSUPPORTED_ERRNO.setxattr), cb);
    },
    symlink(target, linkPath, cb) {
      refuse(`symlink ${target} ->`, linkPath, errnoOf(UNSUPPORTED_ERRNO.links), cb);
    },
    link(existing, newPath, cb) {
      refuse(`link ${existing} ->`, newPath, errnoOf(UNSUPPORTED_ERRNO.links), cb);
    },
    mknod(path, _mode, _dev, cb) {
      refuse('mknod', path, errnoOf(UNSUPPORTED_ERRNO.links), cb);
    },
    readlink(path, cb) {
      refuse('readlink', path, errnoOf(UNSUPPORTED_ERRNO.readlink), cb);
    },
  };
}

function errnoName(error: unknown, errno: number): string {
  return `${error instanceof FsError ? error.code : 'EIO'} (${errno})`;
}
