// A test-only Filesystem over a real local directory, standing in for the workspace engine so the
// FUSE adapter can be driven by real programs. It records calls and can be told to fail an
// operation with an FsError (or with a plain Error, which the adapter must turn into EIO).
// Not a model of the workspace's semantics; src/fs/workspace-fs.ts is.
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type { DirectoryEntry, FileAttributes, FileHandle, Filesystem, FilesystemStats, ReadThrough, WriteThrough, WriteThroughCounters } from '../../src/fs/filesystem';
import { FsError, type FsErrorCode } from '../../src/fs/errors';

const CODES = new Set<string>(['ENOENT', 'EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EFBIG', 'ENAMETOOLONG', 'ENOSPC', 'EINVAL', 'ENOTSUP', 'EAGAIN', 'ETIMEDOUT', 'EXDEV', 'EBUSY', 'ENODATA', 'ENOSYS', 'EIO']);

/** The fixed statfs answer. */
export const PASSTHROUGH_STATFS: FilesystemStats = { blockSize: 4096, blocks: 1 << 20, blocksFree: 1 << 19, blocksAvailable: 1 << 19, files: 1 << 20, filesFree: 1 << 19, nameMax: 255 };

/** One recorded call: operation name and its arguments (buffers left out). */
export interface RecordedCall {
  op: string;
  args: unknown[];
}

/** The access-mode bits of open(2) flags (O_RDONLY, O_WRONLY, O_RDWR). */
const ACCESS_MODE = 3;

/** A Filesystem serving `root` from local disk. */
export class PassthroughFilesystem implements Filesystem {
  private readonly handles = new Map<number, fsp.FileHandle>();
  private nextHandle = 10;
  readonly calls: RecordedCall[] = [];
  /** `op` → failure; `op:/path` → failure for that path only. A FsErrorCode throws FsError, 'BUG' a TypeError. */
  readonly faults = new Map<string, FsErrorCode | 'BUG'>();
  readonly writeSizes: number[] = [];
  flushAllCalls = 0;
  /** Paths whose read-only handles are offered for read-through (readThrough); empty by default. */
  readonly readThroughPaths = new Set<string>();
  /** Per path: aborts the read-through offers made so far (see revokeReadThrough). */
  private readonly readThroughOffers = new Map<string, AbortController>();
  private readonly handlePaths = new Map<number, { path: string; flags: number }>();
  /** Paths whose writable handles are offered for write-through (writeThrough); empty by default. */
  readonly writeThroughPaths = new Set<string>();
  /** Per handle: the write-through offer's revocation and its counters (live while connected, then the final ones). */
  readonly writeThroughs = new Map<number, { revoke: AbortController; live?: () => WriteThroughCounters | null; final?: WriteThroughCounters | null }>();

  constructor(readonly root: string) {}

  private real(p: string): string {
    return path.join(this.root, p);
  }

  private async call<T>(op: string, args: unknown[], work: () => Promise<T>): Promise<T> {
    this.calls.push({ op, args });
    const p = typeof args[0] === 'string' ? args[0] : '';
    // Name-driven faults for lookups: `/fail-EACCES` fails getattr with EACCES, `/bug-x` with a TypeError.
    const name = path.posix.basename(p);
    const fault = this.faults.get(`${op}:${p}`) ?? this.faults.get(op) ?? (op === 'getattr' && name.startsWith('fail-') ? (name.slice(5) as FsErrorCode) : undefined) ?? (op === 'getattr' && name.startsWith('bug-') ? 'BUG' : undefined);
    if (fault === 'BUG') throw new TypeError(`injected bug in ${op}`);
    if (fault !== undefined) throw new FsError(fault, `${p}: injected ${fault}`);
    try {
      return await work();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined && CODES.has(code)) throw new FsError(code as FsErrorCode, `${p}: ${(error as Error).message}`, error);
      if (code === 'EOPNOTSUPP') throw new FsError('ENOTSUP', `${p}: ${(error as Error).message}`, error);
      throw error;
    }
  }

  private handle(fh: FileHandle): fsp.FileHandle {
    const handle = this.handles.get(fh);
    if (handle === undefined) throw new FsError('EINVAL', `no open handle ${fh}`);
    return handle;
  }

  private async attributes(p: string): Promise<FileAttributes> {
    return toAttributes(await fsp.lstat(this.real(p)));
  }

  getattr(p: string): Promise<FileAttributes> {
    return this.call('getattr', [p], () => this.attributes(p));
  }

  fgetattr(p: string, fh: FileHandle): Promise<FileAttributes> {
    return this.call('fgetattr', [p, fh], async () => toAttributes(await this.handle(fh).stat()));
  }

  readdir(p: string): Promise<DirectoryEntry[]> {
    return this.call('readdir', [p], async () => {
      const names = await fsp.readdir(this.real(p));
      return Promise.all(names.map(async (name) => ({ name, attributes: await this.attributes(path.posix.join(p, name)) })));
    });
  }

  open(p: string, flags: number): Promise<FileHandle> {
    return this.call('open', [p, flags], async () => {
      const fh = this.register(await fsp.open(this.real(p), flags));
      this.handlePaths.set(fh, { path: p, flags });
      return fh;
    });
  }

  /** Offers the handle's own descriptor when its path is in `readThroughPaths` and it is read-only. */
  readThrough(fh: FileHandle): ReadThrough | undefined {
    const opened = this.handlePaths.get(fh);
    if (opened === undefined || !this.readThroughPaths.has(opened.path) || (opened.flags & ACCESS_MODE) !== constants.O_RDONLY) return undefined;
    this.calls.push({ op: 'readThrough', args: [opened.path, fh] });
    let offers = this.readThroughOffers.get(opened.path);
    if (offers === undefined) this.readThroughOffers.set(opened.path, (offers = new AbortController()));
    return { fd: this.handle(fh).fd, revoked: offers.signal };
  }

  /** Offers the handle's own descriptor (once) when its path is in `writeThroughPaths` and it is writable. */
  writeThrough(fh: FileHandle): WriteThrough | undefined {
    const opened = this.handlePaths.get(fh);
    if (opened === undefined || !this.writeThroughPaths.has(opened.path) || (opened.flags & ACCESS_MODE) === constants.O_RDONLY || this.writeThroughs.has(fh)) return undefined;
    this.calls.push({ op: 'writeThrough', args: [opened.path, fh] });
    const state: { revoke: AbortController; live?: () => WriteThroughCounters | null; final?: WriteThroughCounters | null } = { revoke: new AbortController() };
    this.writeThroughs.set(fh, state);
    return {
      fd: this.handle(fh).fd,
      size: 0,
      append: (opened.flags & constants.O_APPEND) !== 0,
      revoked: state.revoke.signal,
      connect: (counters) => (state.live = counters),
      disconnect: (final) => {
        state.final = final;
        delete state.live;
      },
    };
  }

  /** Revokes the read-through of every handle of `p` offered so far (as a writer opening would). */
  revokeReadThrough(p: string): void {
    this.readThroughOffers.get(p)?.abort();
    this.readThroughOffers.delete(p);
  }

  create(p: string, mode: number, flags: number): Promise<FileHandle> {
    return this.call('create', [p, mode, flags], async () => this.register(await fsp.open(this.real(p), flags | constants.O_CREAT, mode)));
  }

  private register(handle: fsp.FileHandle): FileHandle {
    const fh = this.nextHandle++;
    this.handles.set(fh, handle);
    return fh;
  }

  read(p: string, fh: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    return this.call('read', [p, fh, length, position], async () => (await this.handle(fh).read(buffer, 0, length, position)).bytesRead);
  }

  write(p: string, fh: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
    this.writeSizes.push(length);
    return this.call('write', [p, fh, length, position], async () => (await this.handle(fh).write(buffer, 0, length, position)).bytesWritten);
  }

  flush(p: string, fh: FileHandle): Promise<void> {
    return this.call('flush', [p, fh], async () => undefined);
  }

  fsync(p: string, fh: FileHandle, dataOnly: boolean): Promise<void> {
    return this.call('fsync', [p, fh, dataOnly], () => (dataOnly ? this.handle(fh).datasync() : this.handle(fh).sync()));
  }

  release(p: string, fh: FileHandle): Promise<void> {
    return this.call('release', [p, fh], async () => {
      const handle = this.handle(fh);
      this.handles.delete(fh);
      this.handlePaths.delete(fh);
      await handle.close();
    });
  }

  truncate(p: string, size: number): Promise<void> {
    return this.call('truncate', [p, size], () => fsp.truncate(this.real(p), size));
  }

  ftruncate(p: string, fh: FileHandle, size: number): Promise<void> {
    return this.call('ftruncate', [p, fh, size], () => this.handle(fh).truncate(size));
  }

  unlink(p: string): Promise<void> {
    return this.call('unlink', [p], () => fsp.unlink(this.real(p)));
  }

  mkdir(p: string, mode: number): Promise<void> {
    return this.call('mkdir', [p, mode], async () => void (await fsp.mkdir(this.real(p), { mode })));
  }

  rmdir(p: string): Promise<void> {
    return this.call('rmdir', [p], () => fsp.rmdir(this.real(p)));
  }

  rename(from: string, to: string): Promise<void> {
    return this.call('rename', [from, to], () => fsp.rename(this.real(from), this.real(to)));
  }

  statfs(p: string): Promise<FilesystemStats> {
    return this.call('statfs', [p], async () => PASSTHROUGH_STATFS);
  }

  access(p: string, mode: number): Promise<void> {
    return this.call('access', [p, mode], () => fsp.access(this.real(p), mode));
  }

  utimens(p: string, atimeMs: number | undefined, mtimeMs: number | undefined): Promise<void> {
    return this.call('utimens', [p, atimeMs, mtimeMs], async () => {
      const current = await fsp.stat(this.real(p));
      await fsp.utimes(this.real(p), (atimeMs ?? current.atimeMs) / 1000, (mtimeMs ?? current.mtimeMs) / 1000);
    });
  }

  chmod(p: string, mode: number): Promise<void> {
    return this.call('chmod', [p, mode], async () => undefined);
  }

  chown(p: string, uid: number, gid: number): Promise<void> {
    return this.call('chown', [p, uid, gid], async () => {
      const own = process.getuid?.() ?? 0;
      if (uid !== own && uid !== 0xffffffff && uid !== -1) throw new FsError('EPERM', `${p}: cannot give files away`);
    });
  }

  async flushAll(): Promise<void> {
    this.flushAllCalls++;
  }

  /** Closes every handle still open (test teardown). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.close().catch(() => undefined)));
    this.handles.clear();
  }
}

function toAttributes(stats: import('node:fs').Stats): FileAttributes {
  return {
    kind: stats.isDirectory() ? 'directory' : 'file',
    size: stats.isDirectory() ? 4096 : stats.size,
    mode: stats.mode & 0o7777,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    atimeMs: stats.atimeMs,
    ino: stats.ino,
  };
}
