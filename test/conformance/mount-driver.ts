// The conformance driver through a real mount: node:fs/promises on the mount point, so every
// operation goes through the kernel, the FUSE adapter and the engine process exactly as any
// program's would. node:fs errors already carry the errno name in `code`.
import { constants } from 'node:fs';
import { access, appendFile, chmod, chown, mkdir, open, readdir, readFile, rename, rmdir, stat, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { journalSettled, type MountedWorkspace } from '../support/mounted-workspace';
import { emulatorProbe } from './in-process-driver';
import type { ConformanceDriver, DriverFile, WorkspaceProbe } from './scenarios';

/** A driver doing node:fs calls on `mounted.local(path)`. */
export function mountDriver(mounted: MountedWorkspace): ConformanceDriver {
  const local = (path: string): string => mounted.local(path);
  const openFile = async (path: string, mode: 'r' | 'r+' | 'w' | 'a'): Promise<DriverFile> => {
    const handle = await open(local(path), mode);
    return {
      read: async (length, position) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        return buffer.subarray(0, bytesRead);
      },
      write: async (data, position) => {
        const buffer = typeof data === 'string' ? Buffer.from(data) : data;
        for (let offset = 0; offset < buffer.length; ) {
          const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, position + offset);
          offset += bytesWritten;
        }
      },
      truncate: (size) => handle.truncate(size),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  };
  return {
    stat: async (path) => {
      const stats = await stat(local(path));
      return { kind: stats.isDirectory() ? 'directory' : 'file', size: stats.size, mode: stats.mode, mtimeMs: stats.mtimeMs };
    },
    readdir: (path) => readdir(local(path)),
    readFile: (path) => readFile(local(path)),
    writeFile: (path, data) => writeFile(local(path), data),
    appendFile: (path, data) => appendFile(local(path), data),
    open: openFile,
    truncate: (path, size) => truncate(local(path), size),
    unlink: (path) => unlink(local(path)),
    mkdir: async (path) => {
      await mkdir(local(path));
    },
    rmdir: (path) => rmdir(local(path)),
    rename: (from, to) => rename(local(from), local(to)),
    // node:fs takes seconds (fractions allowed) for numeric times.
    utimes: (path, atimeMs, mtimeMs) => utimes(local(path), atimeMs / 1000, mtimeMs / 1000),
    chmod: (path, mode) => chmod(local(path), mode),
    chown: (path, uid, gid) => chown(local(path), uid, gid),
    access: (path, mode = constants.F_OK) => access(local(path), mode),
  };
}

/**
 * What the emulator behind the mount stores at a mount path (read directly, not through the mount),
 * once the engine owes the workspace nothing: its write journal holds no closed save (a record goes
 * only after its upload committed; docs/cache.md "Waiting for uploads").
 */
export function mountProbe(mounted: MountedWorkspace): WorkspaceProbe {
  if (mounted.remotePath !== `/Users/${mounted.emulator.userName}`) throw new Error(`the probe expects the user's home mounted, not ${mounted.remotePath}`);
  return emulatorProbe(mounted.emulator, () => journalSettled(mounted.stateHome));
}
