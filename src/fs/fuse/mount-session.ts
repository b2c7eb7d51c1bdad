// One FUSE mount of a Filesystem: the checks before mounting (each failure names problem and fix),
// clearing a stale mount left by a dead engine, the libfuse options (docs/fuse-binding.md "FUSE
// adapter"), a clean unmount with a lazy fallback, and the 'unmounted' notification (also for an
// external `fusermount -u`). It does not decide what to do after an unmount; the host does.
// Never touch the mount point synchronously from this process once mounted (ARCHITECTURE.md §1).
import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants as fsConstants } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import Fuse from 'fuse-native';
import type { Filesystem } from '../filesystem';
import type { Logger } from '../logger';
import { createFuseOperations } from './fuse-operations';

/** Why a mount could not be made. */
export type MountProblemReason =
  | 'mount-point-missing'
  | 'mount-point-not-directory'
  | 'mount-point-not-empty'
  | 'already-mounted'
  | 'stale-mount'
  | 'fuse-unavailable'
  | 'mount-failed';

/** A mount failure: what went wrong (`message`, naming the mount point) and what to do (`fix`). */
export class MountError extends Error {
  constructor(
    readonly reason: MountProblemReason,
    message: string,
    readonly fix: string,
    override readonly cause?: unknown,
  ) {
    super(`${message} Fix: ${fix}`);
    this.name = 'MountError';
  }
}

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

/** The raw libfuse `-o` options wsfs mounts with (see docs/fuse-binding.md "FUSE adapter"). */
export function mountOptions(ttlSeconds: number, fsname = 'wsfs', platform: NodeJS.Platform = process.platform): string[] {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new TypeError(`ttlSeconds must be a non-negative number, got ${ttlSeconds}`);
  const escape = (value: string): string => value.replace(/\\/g, '\\\\').replace(/,/g, '\\,');
  const ttl = String(ttlSeconds);
  const options = [
    // Page-cache reuse across opens, invalidated when mtime/size change; never direct_io.
    'auto_cache',
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
    const operations = createFuseOperations({ filesystem: options.filesystem, logger: logger.child('op') });
    const fuse = new Fuse(mountPoint, operations, {
      timeout: false,
      debug: options.debug === true,
      extraOptions: mountOptions(options.ttlSeconds, options.fsname),
    });
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

/** Where checkFuseAvailable looks (injectable for tests). */
export interface FuseProbe {
  platform?: NodeJS.Platform;
  /** The FUSE device on Linux; default `/dev/fuse`. */
  device?: string;
  /** Directories searched for `fusermount`; default $PATH. */
  searchPath?: string;
}

/** Rejects with a per-OS hint when FUSE is not installed or usable. */
export async function checkFuseAvailable(probe: FuseProbe = {}): Promise<void> {
  const platform = probe.platform ?? process.platform;
  if (platform === 'darwin') {
    const candidates = ['/Library/Filesystems/macfuse.fs', '/Library/Filesystems/osxfuse.fs', '/usr/local/lib/libfuse.2.dylib'];
    for (const candidate of candidates) if (await exists(candidate)) return;
    throw new MountError('fuse-unavailable', 'macFUSE is not installed.', 'Install macFUSE (`brew install --cask macfuse` or https://osxfuse.github.io), allow its system extension in System Settings > Privacy & Security, then restart.');
  }
  const hint =
    'Install FUSE 2: `sudo apt install fuse libfuse2` (Debian/Ubuntu) or `sudo dnf install fuse fuse-libs` (Fedora); in a container add `--device /dev/fuse --cap-add SYS_ADMIN`.';
  const device = probe.device ?? '/dev/fuse';
  try {
    await access(device, fsConstants.R_OK | fsConstants.W_OK);
  } catch (error) {
    throw new MountError('fuse-unavailable', `FUSE is not available: ${device} is missing or not accessible (${(error as NodeJS.ErrnoException).code ?? String(error)}).`, hint, error);
  }
  if ((await which('fusermount', probe.searchPath ?? process.env.PATH ?? '')) === undefined) throw new MountError('fuse-unavailable', 'FUSE is not available: `fusermount` is not on PATH.', hint);
}

/**
 * Checks that `mountPoint` is an existing, empty, unmounted directory; clears a stale mount
 * ("Transport endpoint is not connected") first. Resolves with the real path to mount on.
 */
export async function prepareMountPoint(mountPoint: string, logger: Logger): Promise<string> {
  let info = await statOrError(mountPoint);
  if (info instanceof Error && isStale(info)) {
    logger.warn(`${mountPoint} is a stale mount (${info.code}); clearing it`);
    const cleared = await run(IS_MAC ? 'umount' : 'fusermount', IS_MAC ? ['-f', mountPoint] : ['-uz', mountPoint]);
    info = await statOrError(mountPoint);
    if (info instanceof Error) {
      throw new MountError('stale-mount', `${mountPoint} is a dead mount (${info.code ?? info.message}) and clearing it failed: ${cleared.stderr.trim()}.`, `Run \`${IS_MAC ? 'umount -f' : 'fusermount -uz'} ${mountPoint}\` (as the user who mounted it), then try again.`, info);
    }
  }
  if (info instanceof Error) {
    if (info.code === 'ENOENT') throw new MountError('mount-point-missing', `Mount point ${mountPoint} does not exist.`, `Create it with \`mkdir -p ${mountPoint}\`, or choose an existing empty folder.`, info);
    throw new MountError('mount-failed', `Mount point ${mountPoint} cannot be used: ${info.message}.`, 'Choose a folder you can read and write.', info);
  }
  if (!info.isDirectory()) throw new MountError('mount-point-not-directory', `Mount point ${mountPoint} is not a directory.`, 'Choose an empty folder (or remove the file and create a folder there).');
  const real = await realpath(mountPoint);
  if (await isMountPoint(real)) throw new MountError('already-mounted', `${real} is already a mount point.`, `Unmount it first (\`wsfs unmount ${real}\` or \`${IS_MAC ? 'umount' : 'fusermount -u'} ${real}\`), or choose another folder.`);
  const entries = await readdir(real);
  if (entries.length > 0) throw new MountError('mount-point-not-empty', `Mount point ${real} is not empty (${entries.length} entries, e.g. ${entries[0]}); mounting would hide them.`, 'Choose an empty folder, or move its contents away.');
  return real;
}

/** True when `dir` (a real path) is listed as a mount point by the OS. */
export async function isMountPoint(dir: string): Promise<boolean> {
  if (IS_MAC) {
    const mounts = await run('mount', []);
    return mounts.stdout.split('\n').some((line) => line.includes(` on ${dir} (`));
  }
  let table: string;
  try {
    table = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    // No /proc: fall back to a device change between the folder and its parent.
    const [self, parent] = await Promise.all([stat(dir), stat(path.dirname(dir))]);
    return self.dev !== parent.dev;
  }
  return table.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === dir);
}

/** Undoes the octal escapes of /proc/self/mountinfo (`\040` = space). */
export function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function isStale(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOTCONN' || error.code === 'ENXIO' || (IS_MAC && error.code === 'EIO');
}

async function statOrError(file: string): Promise<Awaited<ReturnType<typeof stat>> | NodeJS.ErrnoException> {
  try {
    return await stat(file);
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await statOrError(file)) instanceof Error ? false : true;
}

async function which(command: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
