// A file a download is still writing, readable while it grows (docs/cache.md "Reading while it
// downloads"): it owns one read descriptor on the download's target, the bytes the current attempt
// has written, and the download's outcome; a read waits until the bytes it asks for are on disk (or
// the download ended). It does not download, decide what is kept, or check content: the content
// cache does (a failed or cut-short download never becomes an entry there).
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Where the download is. `waiting`: no target yet; `growing`: `bytes` leading bytes of the current
 * target are written (an attempt that starts over counts from 0 again); `complete`/`failed`: the
 * content cache's acquire settled. Changes only in synchronous stretches (never across an await).
 */
type GrowingState =
  | { kind: 'waiting' }
  | { kind: 'growing'; bytes: number }
  | { kind: 'complete' }
  | { kind: 'failed'; error: unknown; bytes: number };

/**
 * One download, shared by every handle reading it. Errors: `read` rejects with the download's
 * error for bytes it never delivered, and with local disk errors of `pread`.
 */
export class GrowingFile {
  private state: GrowingState = { kind: 'waiting' };
  /** The read descriptor of the current target; earlier targets' stay open in `retired` until the end. */
  private fd: FileHandle | undefined;
  private readonly retired: FileHandle[] = [];
  /** Reads waiting for more bytes or the end; all are woken by every change. */
  private wakers: Array<() => void> = [];
  /** The registry's hold (until the end) plus one per reading handle; descriptors close at 0. */
  private holders = 1;
  private closed = false;
  private markStarted!: () => void;
  /** Resolves when the first bytes are on disk or the download ended (never rejects). */
  readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));

  /**
   * `expectedSize`: the size the workspace listed, so a read up to it knows what to wait for;
   * `onEnd`: told (synchronously) when the download ends either way.
   */
  constructor(
    readonly expectedSize: number,
    private readonly onEnd: () => void = () => undefined,
  ) {}

  /** Whether reads can be answered from this file (a target exists and the download did not fail). */
  get readable(): boolean {
    return this.fd !== undefined && (this.state.kind === 'growing' || this.state.kind === 'complete');
  }

  /** Whether the download finished and the file holds the whole content. */
  get complete(): boolean {
    return this.state.kind === 'complete' && this.fd !== undefined;
  }

  /** The OS descriptor of the complete file (for read-through), else undefined. */
  get completeDescriptor(): number | undefined {
    return this.complete ? this.fd!.fd : undefined;
  }

  /**
   * Creates (or empties) `target`, which the download will write next, and reads from it from now
   * on. Called by the download before each attempt at a new target; ignored once the download ended.
   */
  async attach(target: string): Promise<void> {
    if (this.ended()) return;
    const fd = await open(target, 'w+', 0o600);
    if (this.ended() || this.closed) {
      await fd.close();
      return;
    }
    if (this.fd !== undefined) this.retired.push(this.fd);
    this.fd = fd;
    this.state = { kind: 'growing', bytes: 0 };
    this.wake();
  }

  /** The current attempt has written `bytes` leading bytes of the target. */
  progress(bytes: number): void {
    if (this.state.kind !== 'growing') return;
    this.state.bytes = bytes;
    if (bytes > 0) this.markStarted();
    this.wake();
  }

  /** The download ended and the target holds the whole content (first end wins). */
  finish(): void {
    if (this.ended()) return;
    this.state = { kind: 'complete' };
    this.end();
  }

  /** The download failed: reads of bytes it never delivered reject with `error` (first end wins). */
  fail(error: unknown): void {
    if (this.ended()) return;
    this.state = { kind: 'failed', error, bytes: this.state.kind === 'growing' ? this.state.bytes : 0 };
    this.end();
  }

  /** One more handle reads this file (until its `release`). */
  retain(): void {
    this.holders++;
  }

  /** A holder is done; the descriptors close when none is left. */
  release(): void {
    this.holders--;
    if (this.holders > 0 || this.closed) return;
    this.closed = true;
    for (const fd of [...this.retired, ...(this.fd === undefined ? [] : [this.fd])]) void fd.close().catch(() => undefined);
  }

  /**
   * Reads `length` bytes at `position` into `buffer`, waiting until the download has written them
   * (up to the listed size) or ended; then short only at the end of the content.
   */
  async read(buffer: Buffer, length: number, position: number): Promise<number> {
    const need = Math.min(position + length, Math.max(this.expectedSize, position));
    for (;;) {
      const state = this.state;
      switch (state.kind) {
        case 'waiting':
          break;
        case 'complete':
          return this.pread(buffer, length, position);
        case 'failed':
          if (this.fd !== undefined && need > position && state.bytes >= need) return this.pread(buffer, length, position);
          throw state.error;
        case 'growing': {
          if (state.bytes < need || need <= position) break;
          const fd = this.fd!;
          const read = await fd.read(buffer, 0, length, position);
          // Short only when an attempt that starts over emptied the file meanwhile: wait for it.
          if (read.bytesRead >= need - position || this.state.kind === 'complete') return read.bytesRead;
          break;
        }
      }
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
  }

  private async pread(buffer: Buffer, length: number, position: number): Promise<number> {
    return (await this.fd!.read(buffer, 0, length, position)).bytesRead;
  }

  private ended(): boolean {
    return this.state.kind === 'complete' || this.state.kind === 'failed';
  }

  /** After finish or fail: wakes everyone and drops the registry's hold. */
  private end(): void {
    this.onEnd();
    this.markStarted();
    this.wake();
    this.release();
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const wake of wakers) wake();
  }
}
