// One FUSE mount of a Filesystem: runs the checks of mount-checks.ts (each failure names problem
// and fix; a stale mount left by a dead engine is cleared), the libfuse options (docs/fuse-binding.md "FUSE
// adapter"), a clean unmount with a lazy fallback, and the 'unmounted' notification (also for an
// external `fusermount -u`). It does not decide what to do after an unmount; the host does.
// Never touch the mount point synchronously from this process once mounted (ARCHITECTURE.md §1).
import { EventEmitter } from 'node:events';
import path from 'node:path';
import Fuse from 'fuse-native';
import type { Filesystem } from '../filesystem';
import type { Logger } from '../logger';
import { createFuseOperations } from './fuse-operations';
import { checkFuseAvailable, MountError, prepareMountPoint, run } from './mount-checks';

/** What `FuseMountSession.mount` needs. */
export interface MountSessionOptions {
  mountPoint: string;
  filesystem: Filesystem;
  logger: Logger;
  /** The metadata TTL; the kernel's attr/entry/negative timeouts are set to it. */
  ttlSeconds: number;
  /** Shown as the source in /proc/mounts and `mount`; default `wsfs`. */
  fsname?: string;
  /** libfuse's own request trace on stderr (very verbose). */
  debug?: boolean;
}

/** How a mount ended. */
export interface UnmountedEvent {
  /** True when someone else unmounted it (`fusermount -u`, `umount`), not `unmount()`. */
  external: boolean;
  /** True when a busy mount point was detached lazily (it disappears once no longer used). */
  lazy: boolean;
}

/** Session lifecycle; `mounted` until an unmount starts or the mount is removed from outside. */
export type MountSessionState = 'mounted' | 'unmounting' | 'unmounted';

const IS_MAC = process.platform === 'darwin';
const COMMAND_TIMEOUT_MS = 15_000;

/** The options `new Fuse(…)` takes. */
type FuseOptions = NonNullable<ConstructorParameters<typeof Fuse>[2]>;

/** The raw libfuse `-o` options wsfs mounts with (see docs/fuse-binding.md "FUSE adapter"). */
export function mountOptions(ttlSeconds: number, fsname = 'wsfs', platform: NodeJS.Platform = process.platform): string[] {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new TypeError(`ttlSeconds must be a non-negative number, got ${ttlSeconds}`);
  const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  const ttl = String(ttlSeconds);
  const options = [
    // Page-cache reuse across opens, invalidated when mtime/size change; never direct_io.
    'auto_cache',
    // st_ino and readdir's d_ino are the filesystem's (workspace object ids, stable across mounts), not libfuse's node ids.
    'use_ino',
    `attr_timeout=${ttl}`,
    `entry_timeout=${ttl}`,
    `negative_timeout=${ttl}`,
    `fsname=${escape(fsname)}`,
    'subtype=wsfs',
  ];
  // 128 KiB writes instead of 4 KiB (17x faster here); macFUSE always writes large and rejects big_writes.
  if (platform !== 'darwin') options.unshift('big_writes', 'max_write=131072');
  return options;
}

/**
 * The fuse-native options wsfs mounts with: no per-operation watchdog (`timeout: false`; its
 * default answers ETIMEDOUT to any handler slower than 15 s, e.g. a slow remote open or read),
 * libfuse's own trace only when asked, and `mountOptions` as raw `-o` options.
 */
export function fuseOptions(ttlSeconds: number, fsname = 'wsfs', debug = false, platform: NodeJS.Platform = process.platform): FuseOptions {
  return { timeout: false, debug, extraOptions: mountOptions(ttlSeconds, fsname, platform) };
}

/** A mounted Filesystem. Emits `unmounted` (UnmountedEvent) exactly once. */
export class FuseMountSession extends EventEmitter {
  private current: MountSessionState = 'mounted';
  /** Set when unmount() starts, so the loop-exit event is not mistaken for an external unmount. */
  private requested = false;
  private lazy = false;
  private resolveUnmounted!: (event: UnmountedEvent) => void;
  private unmounting: Promise<UnmountedEvent> | undefined;

  /** Resolves when the mount is gone, however that happened. */
  readonly unmounted: Promise<UnmountedEvent>;

  private constructor(
    readonly mountPoint: string,
    private readonly fuse: Fuse,
    private readonly filesystem: Filesystem,
    private readonly logger: Logger,
  ) {
    super();
    this.unmounted = new Promise((resolve) => (this.resolveUnmounted = resolve));
    fuse.on('unmount', () => {
      this.finish(!this.requested);
    });
  }

  /**
   * Checks the mount point (clearing a stale mount), then mounts `filesystem` on it.
   * Rejects with MountError naming the problem and its fix.
   */
  static async mount(options: MountSessionOptions): Promise<FuseMountSession> {
    const logger = options.logger;
    await checkFuseAvailable();
    const mountPoint = await prepareMountPoint(path.resolve(options.mountPoint), logger);
    // The operations need the binding for read-through and write-through; it exists only once they are built.
    const bound: { fuse?: Fuse } = {};
    const operations = createFuseOperations({
      filesystem: options.filesystem,
      logger: logger.child('op'),
      readThrough: {
        set: (fh, fd) => bound.fuse?.setReadThrough(fh, fd) ?? false,
        clear: (fh) => bound.fuse?.clearReadThrough(fh),
      },
      writeThrough: {
        set: (fh, fd, size, append) => bound.fuse?.setWriteThrough(fh, fd, size, append) ?? false,
        counters: (fh) => bound.fuse?.writeThroughCounters(fh) ?? null,
        clear: (fh) => bound.fuse?.clearWriteThrough(fh) ?? null,
      },
    });
    const fuse = new Fuse(mountPoint, operations, fuseOptions(options.ttlSeconds, options.fsname, options.debug === true));
    bound.fuse = fuse;
    const session = new FuseMountSession(mountPoint, fuse, options.filesystem, logger);
    try {
      await new Promise<void>((resolve, reject) => fuse.mount((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw new MountError('mount-failed', `Mounting ${mountPoint} failed: ${String(error)}.`, 'Check that FUSE works (`fusermount -V`), that you may mount there, and run with --debug for libfuse output.', error);
    }
    logger.info(`mounted ${mountPoint}`);
    return session;
  }

  /** Current lifecycle state. */
  get state(): MountSessionState {
    return this.current;
  }

  /**
   * Flushes the filesystem, then unmounts; if the mount is busy, detaches it lazily. Resolves with
   * how it ended (also when it was already unmounted from outside). Safe to call more than once.
   */
  unmount(): Promise<UnmountedEvent> {
    if (this.current === 'unmounted') return this.unmounted;
    this.unmounting ??= this.doUnmount();
    return this.unmounting;
  }

  private async doUnmount(): Promise<UnmountedEvent> {
    this.requested = true;
    this.current = 'unmounting';
    try {
      await this.filesystem.flushAll();
    } catch (error) {
      this.logger.warn(`unmount ${this.mountPoint}: flushing pending uploads failed: ${String(error)}`);
    }
    if (this.current !== 'unmounting') return this.unmounted;
    const clean = await run(IS_MAC ? 'umount' : 'fusermount', IS_MAC ? [this.mountPoint] : ['-u', this.mountPoint]);
    if (clean.code === 0) {
      // The FUSE loop ends and fuse-native reports it; wait for that (bounded), then release the binding.
      await Promise.race([this.unmounted, delay(COMMAND_TIMEOUT_MS)]);
    } else {
      this.logger.warn(`unmount ${this.mountPoint}: ${clean.stderr.trim() || 'failed'}; detaching lazily`);
      this.lazy = true;
    }
    // After the loop ended this is a no-op; otherwise it runs `fusermount -uz` (`diskutil unmount force`).
    await new Promise<void>((resolve) =>
      this.fuse.unmount((error) => {
        if (error) this.logger.warn(`unmount ${this.mountPoint}: ${String(error)}`);
        resolve();
      }),
    );
    this.finish(false);
    return this.unmounted;
  }

  private finish(external: boolean): void {
    if (this.current === 'unmounted') return;
    this.current = 'unmounted';
    const event: UnmountedEvent = { external, lazy: this.lazy };
    this.logger.info(`unmounted ${this.mountPoint}${external ? ' (from outside)' : ''}${this.lazy ? ' (lazily)' : ''}`);
    this.resolveUnmounted(event);
    this.emit('unmounted', event);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
