// What main knows about the system's mounts: whether a folder is a mount point, whether that mount
// is dead (its engine gone: "Transport endpoint is not connected"), and the lazy unmount that clears
// it. Used for stale-mount cleanup at start and after an engine crash. Main never reads files
// through a mount it supervises (no deadlock: the engines are other processes, and every check here
// is asynchronous and bounded).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount-table queries and the lazy unmount. */
export interface MountTable {
  /** True if `path` is currently a mount point. */
  isMounted(path: string): Promise<boolean>;
  /** True if `path` is a mount whose server is gone (ENOTCONN), or does not answer within the deadline. */
  isDead(path: string): Promise<boolean>;
  /** Detaches the mount at `path` even if busy (`fusermount -uz`, `umount -l`, macOS `umount -f`). */
  lazyUnmount(path: string): Promise<void>;
  /** Creates the folder (and parents) if missing. */
  ensureFolder(path: string): Promise<void>;
  /** Removes the folder if it is empty and not a mount point; true if removed. Never removes content. */
  removeEmptyFolder(path: string): Promise<boolean>;
}

/** Decodes the octal escapes of /proc/mounts (`\040` is a space). */
export function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount points listed in /proc/mounts text. */
export function procMountPoints(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((field): field is string => field !== undefined && field !== '')
    .map(decodeMountPath);
}

/** The mount points in the output of macOS `mount` (`dev on /path (type, …)`). */
export function bsdMountPoints(text: string): string[] {
  return text
    .split('\n')
    .map((line) => / on (.+) \([^()]*\)$/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
}

/** The real mount table of this machine (Linux /proc/mounts, macOS `mount`). */
export class SystemMountTable implements MountTable {
  constructor(private readonly deadlineMs = 3_000) {}

  async isMounted(path: string): Promise<boolean> {
    const points = process.platform === 'linux' ? procMountPoints(await readFile('/proc/mounts', 'utf8')) : bsdMountPoints((await run('mount')).stdout);
    return points.includes(path.replace(/\/+$/, '') || '/');
  }

  async isDead(path: string): Promise<boolean> {
    if (!(await this.isMounted(path))) return false;
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), this.deadlineMs).unref()));
    const probe = stat(path).then(
      () => 'alive' as const,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOTCONN' ? ('dead' as const) : ('alive' as const)),
    );
    const result = await Promise.race([probe, hung]).finally(() => clearTimeout(timer));
    return result !== 'alive';
  }

  async lazyUnmount(path: string): Promise<void> {
    const attempts: Array<[string, string[]]> =
      process.platform === 'darwin'
        ? [['umount', ['-f', path]], ['diskutil', ['unmount', 'force', path]]]
        : [['fusermount', ['-uz', path]], ['fusermount3', ['-uz', path]], ['umount', ['-l', path]]];
    const errors: string[] = [];
    for (const [command, args] of attempts) {
      try {
        await run(command, args, { timeout: this.deadlineMs });
        return;
      } catch (error) {
        errors.push(`${command}: ${(error as Error).message.split('\n')[0]}`);
      }
      if (!(await this.isMounted(path))) return;
    }
    throw new Error(`cannot unmount ${path} (${errors.join('; ')}); run: fusermount -uz "${path}"`);
  }

  async ensureFolder(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async removeEmptyFolder(path: string): Promise<boolean> {
    if (await this.isMounted(path)) return false;
    return rmdir(path).then(
      () => true,
      () => false,
    );
  }
}
