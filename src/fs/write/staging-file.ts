// The working copy of one file open for writing: a local file holding the whole content, so
// writes and truncates go to disk, never into memory, and an upload streams from it. It tracks
// its size and whether it differs from the last uploaded version. It does not upload, lock or
// decide when to upload; the filesystem does that under its per-path lock. While a write-through
// writer is connected (the FUSE binding writes into its descriptor), size and modification time
// come from the binding's counters and are taken over when it disconnects. Local disk failures
// (a full disk, …) reject as LocalDiskError with their errno (errors.ts fromLocalError); the bytes
// written before stay in the file.
import { randomBytes } from 'node:crypto';
import { copyFile, open, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fromLocalError } from '../errors';
import type { WriteThroughCounters } from '../filesystem';

/**
 * One staging file; `dirty`, `size`, `changes` and `modifiedAt` change only inside the owner's
 * per-path lock, or (size, modifiedAt) through a connected write-through writer, which the owner
 * disconnects at the start of every locked operation on the path.
 */
export class StagingFile {
  /** True when the content differs from what the workspace has (or the file is new). */
  dirty: boolean;
  /** Counts writes and truncates: tells whether the content changed since a moment (the journal's last record). */
  changes = 0;
  private changedAt: number;
  /** Whether `changedAt` is a time a program set (utimens) rather than the last change's. */
  private setByProgram = false;
  /** The binding's live counters while a write-through writer is connected. */
  private writer: (() => WriteThroughCounters | null) | undefined;

  private constructor(
    /** Absolute path of the local file. */
    readonly file: string,
    private handle: FileHandle | undefined,
    private length: number,
    now: number,
  ) {
    this.dirty = false;
    this.changedAt = now;
  }

  /**
   * Creates a staging file in `dir` named after `name`: a copy of `seed` (a local file) when given,
   * else empty. The caller marks it dirty when the new file or the copy is itself a change.
   */
  static async create(dir: string, name: string, seed: string | undefined, now: number): Promise<StagingFile> {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    const file = join(dir, `${randomBytes(6).toString('hex')}-${safe}`);
    let handle: FileHandle | undefined;
    try {
      if (seed !== undefined) await copyFile(seed, file);
      handle = await open(file, seed !== undefined ? 'r+' : 'w+', 0o600);
      const { size } = await handle.stat();
      return new StagingFile(file, handle, size, now);
    } catch (error) {
      await handle?.close().catch(() => undefined); // no descriptor leaks when stat fails
      await rm(file, { force: true }); // a partial copy would only take room
      throw fromLocalError(error, `cannot create a working copy of ${name}`, dir);
    }
  }

  /**
   * Takes over an existing staging file `file` (left by an earlier engine run, named in the write
   * journal); it is marked dirty, as its content is owed to the workspace.
   */
  static async reopen(file: string, now: number): Promise<StagingFile> {
    const handle = await open(file, 'r+');
    const { size } = await handle.stat().catch(async (error: unknown) => {
      await handle.close().catch(() => undefined);
      throw error;
    });
    const staging = new StagingFile(file, handle, size, now);
    staging.dirty = true;
    return staging;
  }

  /** Current byte length (with the connected writer's writes). */
  get size(): number {
    return this.writer?.()?.size ?? this.length;
  }

  /** When the content last changed locally (ms), for the mtime an open file reports. */
  get modifiedAt(): number {
    return this.liveWrites()?.modifiedMs ?? this.changedAt;
  }

  /** The OS descriptor, for write-through (docs/fuse-binding.md); the file must be open. */
  get descriptor(): number {
    return this.fd().fd;
  }

  /** Whether a write-through writer is connected. */
  get connected(): boolean {
    return this.writer !== undefined;
  }

  /**
   * A write-through writer now writes into the descriptor (a dirty file, under the owner's lock
   * rules above); `counters` reads its live size, write count and last write time.
   */
  connectWriter(counters: () => WriteThroughCounters | null): void {
    this.writer = counters;
  }

  /** The writer stopped (no write in flight): takes over its final counters. */
  disconnectWriter(final: WriteThroughCounters | null): void {
    this.writer = undefined;
    if (final === null) return;
    this.length = final.size;
    if (final.writes === 0) return;
    this.dirty = true;
    this.changes += final.writes;
    this.changedAt = final.modifiedMs;
    this.setByProgram = false;
  }

  /** Shows `mtimeMs` as the time of the last change (utimens) until the next write or truncate; the content stays as it is. */
  setModifiedAt(mtimeMs: number): void {
    this.changedAt = mtimeMs;
    this.setByProgram = true;
  }

  /** Whether `modifiedAt` is a time a program set (setModifiedAt) with no write after it. */
  get modifiedAtSet(): boolean {
    return this.setByProgram && this.liveWrites() === undefined;
  }

  /** The connected writer's counters once the binding wrote through it, else undefined. */
  private liveWrites(): WriteThroughCounters | undefined {
    const live = this.writer?.();
    return live !== null && live !== undefined && live.writes > 0 ? live : undefined;
  }

  /** Reads up to `length` bytes at `position`; resolves with the count (0 at the end). */
  async read(buffer: Buffer, length: number, position: number): Promise<number> {
    const size = this.size;
    if (position >= size) return 0;
    const { bytesRead } = await this.fd().read(buffer, 0, Math.min(length, size - position), position);
    return bytesRead;
  }

  /** Writes `length` bytes of `buffer` at `position` (holes read as zeros); marks the file dirty. */
  async write(buffer: Buffer, length: number, position: number, now: number): Promise<number> {
    const fd = this.fd();
    const { bytesWritten } = await this.local(() => fd.write(buffer, 0, length, position));
    this.length = Math.max(this.length, position + bytesWritten);
    this.dirty = true;
    this.changes++;
    this.changedAt = now;
    this.setByProgram = false;
    return bytesWritten;
  }

  /** Cuts or extends (with zeros) the content to `size` bytes; marks the file dirty. */
  async truncate(size: number, now: number): Promise<void> {
    const fd = this.fd();
    await this.local(() => fd.truncate(size));
    this.length = size;
    this.dirty = true;
    this.changes++;
    this.changedAt = now;
    this.setByProgram = false;
  }

  /** Reads the first `length` bytes (for notebook detection). */
  async head(length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(Math.min(length, this.length));
    if (buffer.length === 0) return buffer;
    const { bytesRead } = await this.fd().read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  }

  /** Makes the content durable (fdatasync), so that a power loss keeps it. */
  async sync(): Promise<void> {
    const current = this.handle;
    if (current !== undefined) {
      await this.local(() => current.datasync());
      return;
    }
    const handle = await this.local(() => open(this.file, 'r'));
    try {
      await this.local(() => handle.datasync());
    } finally {
      await handle.close();
    }
  }

  /** Flushes to disk and closes the descriptor; the file stays (to be uploaded, adopted or kept). */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await handle.close();
  }

  /** Closes and deletes the file. */
  async discard(): Promise<void> {
    await this.close().catch(() => undefined);
    await rm(this.file, { force: true });
  }

  /** Whether the descriptor is still open. */
  get isOpen(): boolean {
    return this.handle !== undefined;
  }

  /** Runs a call on the local file; its local disk failure rejects as LocalDiskError. */
  private async local<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw fromLocalError(error, `working copy ${this.file}`, dirname(this.file));
    }
  }

  private fd(): FileHandle {
    if (this.handle === undefined) throw new Error(`staging file ${this.file} is closed`);
    return this.handle;
  }
}
