// Checks a front end runs before it starts an engine, so the common mistakes fail at once with
// their fix: the mount point (missing, not a folder, not empty, already mounted or a dead mount)
// and FUSE itself (per-OS install hint). Also the list of current mounts and the lazy unmount.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { EngineError } from './engine-host';

/** True if `mountPoint` is a mount point right now (any filesystem type). */
export async function isMountPoint(mountPoint: string): Promise<boolean> {
  return (await currentMountPoints()).has(mountPoint);
}

/** Mount points of the system (Linux: /proc/self/mountinfo; elsewhere: `mount`). */
export async function currentMountPoints(): Promise<Set<string>> {
  try {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    const points = new Set<string>();
    for (const line of text.split('\n')) {
      const field = line.split(' ')[4];
      if (field !== undefined) points.add(field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
    }
    return points;
  } catch {
    const output = await new Promise<string>((resolve) => execFile('mount', [], (error, stdout) => resolve(error ? '' : stdout)));
    const points = new Set<string>();
    for (const line of output.split('\n')) {
      const match = / on (.+?) \(/.exec(line) ?? / on (.+?) type /.exec(line);
      if (match?.[1] !== undefined) points.add(match[1]);
    }
    return points;
  }
}

/** Throws EngineError (code `mount-point-*`) unless `mountPoint` is an empty folder that is not mounted. */
export async function checkMountPoint(mountPoint: string): Promise<void> {
  const stale = await stat(mountPoint).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === 'ENOTCONN',
  );
  // A dead mount left by a crashed engine is cleared by the new engine's mount session.
  if (stale) return;
  if (await isMountPoint(mountPoint)) {
    throw new EngineError(
      'mount-point-mounted',
      `${mountPoint} is already a mount point`,
      `unmount it first: wsfs unmount ${quote(mountPoint)}`,
    );
  }
  let info;
  try {
    info = await stat(mountPoint);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new EngineError('mount-point-missing', `the mount point ${mountPoint} does not exist`, `create it: mkdir -p ${quote(mountPoint)}`);
    }
    if (code === 'ENOTDIR') {
      throw new EngineError('mount-point-not-directory', `the mount point ${mountPoint} is not a folder`, 'pick an empty folder as the mount point');
    }
    throw new EngineError('mount-point-unusable', `cannot use ${mountPoint}: ${(error as Error).message}`, 'pick an empty folder you own');
  }
  if (!info.isDirectory()) {
    throw new EngineError('mount-point-not-directory', `the mount point ${mountPoint} is not a folder`, 'pick an empty folder as the mount point');
  }
  const entries = await readdir(mountPoint);
  if (entries.length > 0) {
    throw new EngineError(
      'mount-point-not-empty',
      `the mount point ${mountPoint} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); mounting would hide its files`,
      'pick an empty folder, e.g. mkdir ~/databricks && wsfs mount ... ~/databricks',
    );
  }
}

/** Throws EngineError `fuse-missing` with the install hint for this OS when FUSE is unavailable. */
export async function checkFuseInstalled(platform: NodeJS.Platform = process.platform): Promise<void> {
  if (platform === 'linux') {
    const device = await access('/dev/fuse').then(
      () => true,
      () => false,
    );
    const helper = await onPath('fusermount');
    if (device && helper) return;
    throw new EngineError(
      'fuse-missing',
      `FUSE is not available (${device ? '' : '/dev/fuse is missing'}${!device && !helper ? '; ' : ''}${helper ? '' : 'fusermount is not on PATH'})`,
      'install FUSE 2: Debian/Ubuntu `sudo apt install fuse libfuse2` (or `fuse3 libfuse2t64`), Fedora `sudo dnf install fuse fuse-libs`, Arch `sudo pacman -S fuse2`; in a container run with --device /dev/fuse --cap-add SYS_ADMIN',
    );
  }
  if (platform === 'darwin') {
    const installed = await access('/Library/Filesystems/macfuse.fs').then(
      () => true,
      () => false,
    );
    if (installed) return;
    throw new EngineError(
      'fuse-missing',
      'macFUSE is not installed',
      'install it with `brew install --cask macfuse` (or from https://macfuse.github.io), allow its system extension, then try again',
    );
  }
  throw new EngineError('fuse-missing', `wsfs cannot mount on ${platform}`, 'run wsfs on Linux (libfuse2) or macOS (macFUSE)');
}

/** Unmounts `mountPoint` with fusermount (or umount on macOS); `lazy` detaches a busy or dead mount. */
export function fuseUnmount(mountPoint: string, lazy: boolean): Promise<{ ok: boolean; message: string }> {
  const [command, args] =
    process.platform === 'linux' ? ['fusermount', [lazy ? '-uz' : '-u', mountPoint]] : ['umount', lazy ? ['-f', mountPoint] : [mountPoint]];
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 20_000 }, (error, _stdout, stderr) => {
      resolve({ ok: error === null, message: (stderr || (error?.message ?? '')).trim() });
    });
  });
}

async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const found = await access(join(dir, name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return true;
  }
  return false;
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
