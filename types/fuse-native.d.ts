// Types for fuse-native 2.2.6 *with patches/fuse-native+2.2.6.patch applied*.
// Argument orders are the ones verified at runtime (see REPORT.md), not the upstream README.
// Return codes: 0 = OK, negative errno (Fuse.ENOENT, ...) = error, positive = byte count where noted.
// null/undefined/false as the return code now mean 0; an Error with a numeric errno maps to -|errno|, other Errors to EIO.

declare module 'fuse-native' {
  import { EventEmitter } from 'events'

  type Code = number | null | undefined
  type Cb = (code: Code) => void
  /** ms since epoch (fractions kept), a Date, or a bigint of ns since epoch. */
  type Time = Date | number | bigint

  interface Stat {
    mode: number
    size?: number
    uid?: number
    gid?: number
    nlink?: number
    /** st_ino with -o use_ino: a number (exact up to 2^53) or a bigint (all 64 bits) */
    ino?: number | bigint
    dev?: number
    rdev?: number
    blksize?: number
    blocks?: number
    atime?: Time
    mtime?: Time
    ctime?: Time
    /** bigint ns; wins over atime/mtime/ctime (same names as fs.BigIntStats) */
    atimeNs?: bigint
    mtimeNs?: bigint
    ctimeNs?: bigint
  }

  /** a write-through handle's counters: content size, writes since registration, last write (ms, 0 = none) */
  interface WriteThroughCounters {
    size: number
    writes: number
    modifiedMs: number
  }

  interface StatFs {
    bsize?: number; frsize?: number; blocks?: number; bfree?: number; bavail?: number
    files?: number; ffree?: number; favail?: number; fsid?: number; flag?: number; namemax?: number
  }

  interface Operations {
    init?(cb: Cb): void
    access?(path: string, mode: number, cb: Cb): void
    statfs?(path: string, cb: (code: Code, statfs?: StatFs) => void): void
    getattr?(path: string, cb: (code: Code, stat?: Stat) => void): void
    /** patched: really called (was routed to getattr). fd = the value returned by open/create. */
    fgetattr?(path: string, fd: number, cb: (code: Code, stat?: Stat) => void): void
    flush?(path: string, fd: number, cb: Cb): void
    /** NB: datasync BEFORE fd (upstream README says (path, fd, datasync)). datasync: 0 = fsync, 1 = fdatasync */
    fsync?(path: string, datasync: number, fd: number, cb: Cb): void
    fsyncdir?(path: string, datasync: number, fd: number, cb: Cb): void
    readdir?(path: string, cb: (code: Code, names?: string[], stats?: Stat[]) => void): void
    truncate?(path: string, size: number, cb: Cb): void
    ftruncate?(path: string, fd: number, size: number, cb: Cb): void
    /** ms since epoch as fractional numbers (sub-µs precision); NaN for a time to leave unchanged (UTIME_OMIT), UTIME_NOW arrives as the current time. Called for one time alone too (flag_utime_omit_ok). */
    utimens?(path: string, atime: number, mtime: number, cb: Cb): void
    readlink?(path: string, cb: (code: Code, target?: string) => void): void
    chown?(path: string, uid: number, gid: number, cb: Cb): void
    /** mode includes the file type bits (e.g. 0o100600) */
    chmod?(path: string, mode: number, cb: Cb): void
    mknod?(path: string, mode: number, dev: number, cb: Cb): void
    /** position is always 0 on Linux */
    setxattr?(path: string, name: string, value: Buffer, position: number, flags: number, cb: Cb): void
    /** answer with a Buffer, or null for ENODATA; > caller's size gives ERANGE */
    getxattr?(path: string, name: string, position: number, cb: (code: Code, value?: Buffer | null) => void): void
    listxattr?(path: string, cb: (code: Code, names?: string[]) => void): void
    removexattr?(path: string, name: string, cb: Cb): void
    /** return a non-zero fd (0 means "keep fh unset") */
    open?(path: string, flags: number, cb: (code: Code, fd?: number) => void): void
    /** patched: flags are the real open flags (upstream passed the still-unset fh, i.e. 0) */
    opendir?(path: string, flags: number, cb: (code: Code, fd?: number) => void): void
    /** fill buf (fresh V8 buffer of `len` bytes) and answer with the byte count as the CODE: cb(n); 0 = EOF */
    read?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrCode: number) => void): void
    /** buf is a copy of the kernel data; answer with the number of bytes written as the CODE: cb(len) */
    write?(path: string, fd: number, buf: Buffer, len: number, pos: number, cb: (bytesOrCode: number) => void): void
    release?(path: string, fd: number, cb: Cb): void
    releasedir?(path: string, fd: number, cb: Cb): void
    /**
     * mode includes S_IFREG. Declare FOUR parameters (path, mode, flags, cb) to receive the open(2) flags
     * (e.g. O_WRONLY|O_CREAT|O_EXCL|O_LARGEFILE); a 3-parameter handler gets (path, mode, cb) as upstream.
     */
    create?: ((path: string, mode: number, flags: number, cb: (code: Code, fd?: number) => void) => void)
      | ((path: string, mode: number, cb: (code: Code, fd?: number) => void) => void)
    unlink?(path: string, cb: Cb): void
    rename?(src: string, dest: string, cb: Cb): void
    /** src = existing path, dest = new link */
    link?(src: string, dest: string, cb: Cb): void
    /** src = link target text, dest = path of the new symlink */
    symlink?(src: string, dest: string, cb: Cb): void
    /** mode WITHOUT the S_IFDIR bit */
    mkdir?(path: string, mode: number, cb: Cb): void
    rmdir?(path: string, cb: Cb): void
  }

  type OpName = Exclude<keyof Operations, 'init'> | 'init'

  interface FuseOptions {
    /** per-operation watchdog answering ETIMEDOUT. false/0/null disables; default 15000 ms; or per op: { default: false, read: 60000 } */
    timeout?: number | false | null | ({ default?: number | false | null } & { [K in OpName]?: number | false | null })
    /** raw libfuse -o options, passed through verbatim: ['big_writes', 'max_write=131072', 'negative_timeout=5'] (never direct_io for wsfs) */
    extraOptions?: string[] | string
    debug?: boolean
    force?: boolean
    mkdir?: boolean
    displayFolder?: boolean
    allowOther?: boolean
    allowRoot?: boolean
    autoUnmount?: boolean
    defaultPermissions?: boolean
    blkdev?: boolean
    blksize?: number
    maxRead?: number
    fd?: number
    userId?: number
    fsname?: string
    subtype?: string
    kernelCache?: boolean
    autoCache?: boolean
    umask?: number
    uid?: number
    gid?: number
    /** seconds; 0 is now honoured (was dropped as falsy) */
    entryTimeout?: number
    attrTimeout?: number
    acAttrTimeout?: number
    noforget?: boolean
    remember?: number
    modules?: string
    name?: string
  }

  class Fuse extends EventEmitter {
    constructor (mnt: string, ops: Operations, opts?: FuseOptions)
    readonly mnt: string
    readonly opened: boolean
    readonly closing: boolean
    readonly closed: boolean
    mount (cb: (err: Error | null) => void): void
    /** after an external unmount this is a no-op that calls back with null */
    unmount (cb: (err: Error | null) => void): void
    errno (code: string): number
    /**
     * read-through (patched): reads of file handle fh are served by the FUSE threads with pread(fd),
     * never reaching the read handler. fd must hold exactly the handle's content, unchanged, and stay
     * open until clearReadThrough(fh) returned. false when not mounted or the slot for fh is taken.
     */
    setReadThrough (fh: number, fd: number): boolean
    /** unregisters fh; when it returns no read of fh uses the fd any more */
    clearReadThrough (fh: number): void
    /**
     * write-through (patched): writes of file handle fh are done by the FUSE threads with pwrite(fd)
     * (at the current size when append), never reaching the write handler. size is the content's
     * size now; nothing else may change fd's length while registered, and fd stays open until
     * clearWriteThrough(fh) returned. false when not mounted or the slot for fh is taken.
     */
    setWriteThrough (fh: number, fd: number, size: number, append: boolean): boolean
    /** the counters of a registered handle, or null when fh is not registered */
    writeThroughCounters (fh: number): WriteThroughCounters | null
    /** unregisters fh and returns its final counters (null when not registered); when it returns no write of fh uses the fd any more */
    clearWriteThrough (fh: number): WriteThroughCounters | null
    /** emitted when the native FUSE loop has ended: external = true when nobody called unmount() (e.g. `fusermount -u`) */
    on (event: 'unmount', listener: (info: { external: boolean }) => void): this
    once (event: 'unmount', listener: (info: { external: boolean }) => void): this
    static unmount (mnt: string, cb: (err: Error | null) => void): void

    static EPERM: number; static ENOENT: number; static EIO: number; static EBADF: number
    static EAGAIN: number; static ENOMEM: number; static EACCES: number; static EEXIST: number
    static EXDEV: number; static ENOTDIR: number; static EISDIR: number; static EINVAL: number
    static EFBIG: number; static ENOSPC: number; static EROFS: number; static ERANGE: number
    static ENAMETOOLONG: number; static ENOSYS: number; static ENOTEMPTY: number; static ENODATA: number
    static EOPNOTSUPP: number; static ETIMEDOUT: number; static ENOTCONN: number
    static ESTALE: number; static EBUSY: number
  }

  export = Fuse
}
