// The checks before a FUSE mount, each failure naming the problem and its fix: FUSE itself (per-OS
// install hint) and the mount point (missing, not a folder, not empty, already mounted), plus
// clearing a stale mount left by a dead engine. It does not import fuse-native, so the CLI can run
// the same checks before it starts an engine even where libfuse cannot be loaded.
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger';

const IS_MAC = process.platform === 'darwin';
const COMMAND_TIMEOUT_MS = 15_000;

/** Why a mount could not be made. */
export type MountProblemReason =
  | 'mount-point-missing'
  | 'mount-point-not-directory'
  | 'mount-point-not-empty'
  | 'mount-point-unusable'
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
    throw new MountError('fuse-unavailable', `FUSE is not available (${device} is missing or not accessible: ${(error as NodeJS.ErrnoException).code ?? String(error)}).`, hint, error);
  }
  if ((await which('fusermount', probe.searchPath ?? process.env.PATH ?? '')) === undefined) throw new MountError('fuse-unavailable', 'FUSE is not available (fusermount is not on PATH).', hint);
}

/**
 * Clears a stale mount ("Transport endpoint is not connected") on `mountPoint`, then runs
 * checkMountPoint. Resolves with the real path to mount on.
 */
export async function prepareMountPoint(mountPoint: string, logger: Logger): Promise<string> {
  const info = await statOrError(mountPoint);
  if (info instanceof Error && isStale(info)) {
    logger.warn(`${mountPoint} is a stale mount (${info.code}); clearing it`);
    const cleared = await run(IS_MAC ? 'umount' : 'fusermount', IS_MAC ? ['-f', mountPoint] : ['-uz', mountPoint]);
    const after = await statOrError(mountPoint);
    if (after instanceof Error) {
      throw new MountError('stale-mount', `${mountPoint} is a dead mount (${after.code ?? after.message}) and clearing it failed: ${cleared.stderr.trim()}.`, `Run \`${IS_MAC ? 'umount -f' : 'fusermount -uz'} ${mountPoint}\` (as the user who mounted it), then try again.`, after);
    }
  }
  return checkMountPoint(mountPoint);
}

/**
 * Checks, without changing anything, that `mountPoint` is an existing, empty, unmounted directory.
 * Resolves with its real path; rejects with MountError.
 */
export async function checkMountPoint(mountPoint: string): Promise<string> {
  const info = await statOrError(mountPoint);
  if (info instanceof Error) {
    if (info.code === 'ENOENT') throw new MountError('mount-point-missing', `Mount point ${mountPoint} does not exist.`, `Create it with \`mkdir -p ${mountPoint}\`, or choose an existing empty folder.`, info);
    if (info.code === 'ENOTDIR') throw new MountError('mount-point-not-directory', `Mount point ${mountPoint} is not a folder.`, 'Choose an empty folder (or remove the file and create a folder there).', info);
    throw new MountError('mount-point-unusable', `Mount point ${mountPoint} cannot be used: ${info.message}.`, 'Choose a folder you can read and write.', info);
  }
  if (!info.isDirectory()) throw new MountError('mount-point-not-directory', `Mount point ${mountPoint} is not a folder.`, 'Choose an empty folder (or remove the file and create a folder there).');
  const real = await realpath(mountPoint);
  if (await isMountPoint(real)) throw new MountError('already-mounted', `${real} is already a mount point.`, `Unmount it first (\`wsfs unmount ${real}\` or \`${IS_MAC ? 'umount' : 'fusermount -u'} ${real}\`), or choose another folder.`);
  const entries = await readdir(real);
  if (entries.length > 0) throw new MountError('mount-point-not-empty', `Mount point ${real} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, e.g. ${entries[0]}); mounting would hide them.`, 'Choose an empty folder, or move its contents away.');
  return real;
}

/** True when stat of `mountPoint` fails the way a dead FUSE mount does (prepareMountPoint clears it). */
export async function isStaleMount(mountPoint: string): Promise<boolean> {
  const info = await statOrError(mountPoint);
  return info instanceof Error && isStale(info);
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
function unescapeMountPath(field: string): string {
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

/** Runs `command`; never rejects (a failure is a non-zero `code` with stderr or the error message). */
export function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}
