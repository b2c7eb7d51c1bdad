// Remembers the download URLs (and sizes) that list-files and object-info hand out, so that a
// large read soon after a listing goes straight to storage without another metadata request.
// Bounded in entries; an entry counts as usable only while it has a safety margin before its
// expiry. It never fetches anything and never holds file contents.
import type { SignedUrl } from '../../shared/workspace-types';
import { isWithin } from '../fs-paths';

/** A remembered signed download URL. */
export interface SignedDownload {
  url: string;
  headers: Record<string, string>;
  /** ms since the epoch; undefined when the workspace did not say. */
  expiresAt?: number;
  objectId: number;
  size?: number;
}

/** Options of SignedUrlCache. */
export interface SignedUrlCacheOptions {
  now: () => number;
  /** Entries kept at most (oldest dropped first); default 4096. */
  maxEntries?: number;
  /** A URL is not handed out when it expires within this margin; default 60 s. */
  marginMs?: number;
  /** Lifetime assumed when the workspace gives no expiry; default 5 min. */
  defaultTtlMs?: number;
}

/** Signed download URLs by workspace path. */
export class SignedUrlCache {
  private readonly entries = new Map<string, SignedDownload>();
  private readonly maxEntries: number;
  private readonly marginMs: number;
  private readonly defaultTtlMs: number;

  constructor(private readonly options: SignedUrlCacheOptions) {
    this.maxEntries = options.maxEntries ?? 4096;
    this.marginMs = options.marginMs ?? 60_000;
    this.defaultTtlMs = options.defaultTtlMs ?? 5 * 60_000;
  }

  /** Remembers `signed` for the object at `path`. */
  remember(path: string, objectId: number, signed: SignedUrl, size?: number): void {
    this.entries.delete(path);
    const expiresAt = signed.expiry_time_millis ?? this.options.now() + this.defaultTtlMs;
    this.entries.set(path, { url: signed.url, headers: { ...signed.headers }, expiresAt, objectId, ...(size !== undefined && { size }) });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** A still-usable URL for `path`, if one is known. */
  get(path: string): SignedDownload | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt - this.marginMs <= this.options.now()) {
      this.entries.delete(path);
      return undefined;
    }
    return entry;
  }

  /** Forgets `path` and everything below it (after a change there). */
  forget(path: string): void {
    for (const key of [...this.entries.keys()]) if (isWithin(key, path)) this.entries.delete(key);
  }
}
