// Files that never reach the workspace: macOS Finder clutter (`.DS_Store`, AppleDouble `._name`).
// They live as plain files in one folder under the state dir, readable and writable for the
// mount's lifetime and removed at the next start. It owns the naming rule and the mapping from a
// mount path to its local file; it does not do I/O on the files' content (the filesystem does).
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** True for names that stay local-only: `.DS_Store` and AppleDouble `._*` files. */
export function isLocalOnlyName(name: string): boolean {
  return name === '.DS_Store' || (name.startsWith('._') && name.length > 2);
}

/** What a local-only file reports. */
export interface LocalOnlyStat {
  size: number;
  mtimeMs: number;
  /** The local file's inode number. */
  ino: number;
}

/** The local-only files of one mount, kept in `dir` (0700; emptied on `prepare`). */
export class LocalOnlyFiles {
  private prepared: Promise<void> | undefined;

  constructor(private readonly dir: string) {}

  /** Empties and creates the folder once (leftovers of a previous run are dropped). */
  prepare(): Promise<void> {
    this.prepared ??= (async () => {
      await rm(this.dir, { recursive: true, force: true });
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
    })();
    return this.prepared;
  }

  /** The local file behind the mount path `path` (one flat folder; the path is encoded). */
  fileOf(path: string): string {
    return join(this.dir, encodeURIComponent(path));
  }

  /** Size and mtime of `path`, or undefined when it does not exist. */
  async stat(path: string): Promise<LocalOnlyStat | undefined> {
    await this.prepare();
    try {
      const info = await stat(this.fileOf(path));
      return { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
    } catch {
      return undefined;
    }
  }

  /** Names of the local-only files directly in the mount folder `folder`. */
  async namesIn(folder: string): Promise<string[]> {
    await this.prepare();
    const prefix = folder === '/' ? '/' : `${folder}/`;
    const names: string[] = [];
    for (const encoded of await readdir(this.dir)) {
      const path = decodeURIComponent(encoded);
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes('/')) names.push(path.slice(prefix.length));
    }
    return names.sort();
  }

  /** Deletes `path`; false when it did not exist. */
  async remove(path: string): Promise<boolean> {
    const existed = (await this.stat(path)) !== undefined;
    await rm(this.fileOf(path), { force: true });
    return existed;
  }

  /** Moves `from` to `to` (replacing `to`). */
  async move(from: string, to: string): Promise<void> {
    await this.prepare();
    await rename(this.fileOf(from), this.fileOf(to));
  }

  /** Moves every local-only file under folder `from` to folder `to`, or drops them (`to` undefined). */
  async moveTree(from: string, to: string | undefined): Promise<void> {
    await this.prepare();
    for (const encoded of await readdir(this.dir)) {
      const path = decodeURIComponent(encoded);
      if (!path.startsWith(`${from}/`)) continue;
      if (to === undefined) await rm(join(this.dir, encoded), { force: true });
      else await rename(join(this.dir, encoded), this.fileOf(to + path.slice(from.length)));
    }
  }
}
