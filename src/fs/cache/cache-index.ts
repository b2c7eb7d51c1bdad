// The on-disk index of the content cache (docs/cache.md, "On disk"): `index.json` in the cache
// folder, a format name and version, the workspace it belongs to and one record per kept version.
// Replaced atomically (temp file, fsync, rename), so a crash leaves the old or the new index,
// never a torn one. It does not decide what is kept or evicted (ContentCache does).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../replace-file';
import type { DownloadFormat } from '../remote/remote-workspace';

/** The `format` field of every index file. */
export const CACHE_INDEX_FORMAT = 'wsfs-content-cache';
/** The current `version`; an index of another version is discarded with the cache's content. */
export const CACHE_INDEX_VERSION = 1;
/** The index's file name in the cache folder. */
export const CACHE_INDEX_FILE = 'index.json';

/** One kept version, as stored. */
export interface CacheIndexRecord {
  objectId: number;
  modifiedAt: number;
  /** The workspace's size of the object (files only), part of the fingerprint. */
  size?: number;
  format: DownloadFormat;
  /** The content file, relative to the cache folder (`data/<name>`). */
  file: string;
  /** Byte length of the content file. */
  bytes: number;
  /** sha256 of the content file, lower-case hex. */
  sha256: string;
  /** Last use, ms since the epoch (least recently used goes first). */
  lastUsed: number;
}

/** A whole index file. */
export interface CacheIndexFile {
  format: typeof CACHE_INDEX_FORMAT;
  version: typeof CACHE_INDEX_VERSION;
  /** Identity of the workspace the object ids belong to (its origin). */
  workspace: string;
  /** Least recently used first. */
  records: CacheIndexRecord[];
}

const FORMATS: readonly DownloadFormat[] = ['RAW', 'SOURCE', 'JUPYTER'];

/** The index text for `index` (stable: same input, same bytes; one record per line). */
export function serializeCacheIndex(index: CacheIndexFile): string {
  const records = index.records.map((r) => {
    const ordered: CacheIndexRecord = {
      objectId: r.objectId,
      modifiedAt: r.modifiedAt,
      ...(r.size !== undefined && { size: r.size }),
      format: r.format,
      file: r.file,
      bytes: r.bytes,
      sha256: r.sha256,
      lastUsed: r.lastUsed,
    };
    return `    ${JSON.stringify(ordered)}`;
  });
  const head = `{\n  "format": ${JSON.stringify(index.format)},\n  "version": ${index.version},\n  "workspace": ${JSON.stringify(index.workspace)},\n`;
  return `${head}  "records": [${records.length === 0 ? '' : `\n${records.join(',\n')}\n  `}]\n}\n`;
}

/** Parses index text. Errors: Error naming what is wrong (bad JSON, other format or version, bad record). */
export function parseCacheIndex(text: string): CacheIndexFile {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || value['format'] !== CACHE_INDEX_FORMAT) throw new Error(`not a ${CACHE_INDEX_FORMAT} index`);
  if (value['version'] !== CACHE_INDEX_VERSION) throw new Error(`index version ${String(value['version'])}, this engine reads ${CACHE_INDEX_VERSION}`);
  if (typeof value['workspace'] !== 'string') throw new Error('the index names no workspace');
  if (!Array.isArray(value['records'])) throw new Error('the index has no records list');
  const records = (value['records'] as unknown[]).map((record, i) => parseRecord(record, i));
  return { format: CACHE_INDEX_FORMAT, version: CACHE_INDEX_VERSION, workspace: value['workspace'], records };
}

function parseRecord(value: unknown, i: number): CacheIndexRecord {
  const r = value as Record<string, unknown>;
  const count = (name: string): number => {
    const n = r[name];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`record ${i}: ${name} is not a count`);
    return n;
  };
  if (typeof r !== 'object' || r === null) throw new Error(`record ${i} is not an object`);
  const format = r['format'] as DownloadFormat;
  if (!FORMATS.includes(format)) throw new Error(`record ${i}: unknown format ${String(r['format'])}`);
  const file = r['file'];
  if (typeof file !== 'string' || !/^data\/[A-Za-z0-9._-]+$/.test(file)) throw new Error(`record ${i}: bad file name`);
  const sha256 = r['sha256'];
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`record ${i}: bad sha256`);
  const record: CacheIndexRecord = { objectId: count('objectId'), modifiedAt: count('modifiedAt'), format, file, bytes: count('bytes'), sha256, lastUsed: count('lastUsed') };
  if (r['size'] !== undefined) record.size = count('size');
  return record;
}

/** Reads `index.json` of `dir`: undefined when there is none. Errors: parse errors; disk errors. */
export async function readCacheIndex(dir: string): Promise<CacheIndexFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CACHE_INDEX_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseCacheIndex(text);
}

/** Replaces `index.json` of `dir` atomically (0600). Errors: disk errors (ENOSPC …); the old index stays. */
export async function writeCacheIndex(dir: string, index: CacheIndexFile): Promise<void> {
  await replaceFile(join(dir, CACHE_INDEX_FILE), serializeCacheIndex(index));
}
