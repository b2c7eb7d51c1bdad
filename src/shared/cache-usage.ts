// Cache and transfer figures the engine reports (issue 4: bytes used and limit, files, hits,
// misses, evictions, bytes fetched, uploads queued / in flight with progress). Pure types and
// pure arithmetic; the engine's cache owns the counting, the UI owns the presentation.

/** Usage of the on-disk content cache. Counters are cumulative since the engine started. */
export interface CacheUsage {
  /** Whether the content cache is on. */
  enabled: boolean;
  /** Bytes held by cache entries on disk. */
  bytesUsed: number;
  /** Configured size limit in bytes. */
  bytesLimit: number;
  /** Number of cached files. */
  files: number;
  /** Reads served from a cached copy of the current version. */
  hits: number;
  /** Reads that had to fetch from the workspace. */
  misses: number;
  /** Entries evicted to stay under the limit. */
  evictions: number;
  /** Bytes downloaded from the workspace. */
  bytesFetched: number;
}

/** Summary of uploads waiting in the journal or running. */
export interface TransferSummary {
  /** Uploads recorded in the journal and not yet started. */
  uploadsQueued: number;
  /** Uploads currently running. */
  uploadsInFlight: number;
  /** Total bytes of the running uploads. */
  bytesToUpload: number;
  /** Bytes of the running uploads already sent. */
  bytesUploaded: number;
  /**
   * Whether uploads can go now: the workspace answers (`online`), cannot be reached
   * (`disconnected`: saves wait in the journal) or refuses the credentials (`needs-sign-in`).
   * Absent when the sender does not know (engines before this field).
   */
  connection?: 'online' | 'disconnected' | 'needs-sign-in';
}

/** Everything an `engine:stats` event carries. */
export interface EngineStats {
  cache: CacheUsage;
  transfers: TransferSummary;
}

/** Hit rate in [0, 1], or undefined before the first read. */
export function cacheHitRate(usage: CacheUsage): number | undefined {
  const reads = usage.hits + usage.misses;
  return reads === 0 ? undefined : usage.hits / reads;
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A byte count for messages and the CLI: `512 B`, `1.5 KiB`, `5.0 GiB` (1024-based, one decimal). */
export function formatByteSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < IEC_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${IEC_UNITS[unit]}`;
}
