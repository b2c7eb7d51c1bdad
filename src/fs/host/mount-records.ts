// Where the `wsfs` command remembers backgrounded mounts: one JSON file per mount point in a
// runtime folder (`$WSFS_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/wsfs`, else `~/.cache/wsfs/run`),
// holding the engine's pid, host and remote path — never a secret. `wsfs status` and
// `wsfs unmount` read them; records of dead engines are removed when seen.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mountIdOf } from '../cache/cache-location';

/** One backgrounded (or foreground) mount. */
export interface MountRecord {
  mountPoint: string;
  pid: number;
  host: string;
  remotePath: string;
  demo: boolean;
  /** ISO time the mount became ready. */
  startedAt: string;
  /** The engine's log file (backgrounded mounts). */
  logFile?: string;
  /** The content cache folder and its size limit in bytes (for `wsfs status`). */
  cacheDir?: string;
  cacheLimitBytes?: number;
}

/** The runtime folder for this user. */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['WSFS_RUNTIME_DIR']) return env['WSFS_RUNTIME_DIR'];
  if (env['XDG_RUNTIME_DIR']) return join(env['XDG_RUNTIME_DIR'], 'wsfs');
  return join(homedir(), '.cache', 'wsfs', 'run');
}

/** The record file of `mountPoint` (and its log file, same stem). */
export function recordPaths(mountPoint: string, dir = runtimeDir()): { record: string; log: string } {
  const key = mountIdOf(mountPoint);
  return { record: join(dir, `${key}.json`), log: join(dir, `${key}.log`) };
}

/** Writes (replaces) the record of `record.mountPoint`. */
export async function writeRecord(record: MountRecord, dir = runtimeDir()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { record: file } = recordPaths(record.mountPoint, dir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** The record of `mountPoint`, if any. */
export async function readRecord(mountPoint: string, dir = runtimeDir()): Promise<MountRecord | undefined> {
  return parseRecord(await readFile(recordPaths(mountPoint, dir).record, 'utf8').catch(() => undefined));
}

/** Removes the record (and log) of `mountPoint`. */
export async function removeRecord(mountPoint: string, dir = runtimeDir(), withLog = true): Promise<void> {
  const paths = recordPaths(mountPoint, dir);
  await rm(paths.record, { force: true });
  if (withLog) await rm(paths.log, { force: true });
}

/** Every record in the runtime folder. */
export async function listRecords(dir = runtimeDir()): Promise<MountRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const records: MountRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const record = parseRecord(await readFile(join(dir, name), 'utf8').catch(() => undefined));
    if (record !== undefined) records.push(record);
  }
  return records;
}


function parseRecord(text: string | undefined): MountRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<MountRecord>;
    if (typeof value.mountPoint !== 'string' || typeof value.pid !== 'number') return undefined;
    return {
      mountPoint: value.mountPoint,
      pid: value.pid,
      host: typeof value.host === 'string' ? value.host : '?',
      remotePath: typeof value.remotePath === 'string' ? value.remotePath : '?',
      demo: value.demo === true,
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : '',
      ...(typeof value.logFile === 'string' && { logFile: value.logFile }),
      ...(typeof value.cacheDir === 'string' && { cacheDir: value.cacheDir }),
      ...(typeof value.cacheLimitBytes === 'number' && { cacheLimitBytes: value.cacheLimitBytes }),
    };
  } catch {
    return undefined;
  }
}
