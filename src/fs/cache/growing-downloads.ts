// The copies read handles read from (docs/cache.md "Reading while it downloads"): a complete
// pinned copy, or — while a plain file of listed size is still downloading — the growing file
// shared by every handle of that version, so the first bytes are answered as soon as they are on
// disk. It owns the registry of running downloads by version; the content cache still decides
// what is downloaded, shared, pinned and kept, and the caller passes the acquire.
import { open, type FileHandle } from 'node:fs/promises';
import type { CacheLease } from './content-cache';
import { GrowingFile } from './growing-file';

/** What one read handle reads: a complete pinned copy, or a download still running. */
export type ReadCopy =
  | { kind: 'complete'; fd: FileHandle; lease: CacheLease }
  /**
   * `lease` resolves with the pinned complete copy once the download ends (the handle releases
   * it); `interest` aborts when the handle closes (a download not kept is then cancelled).
   */
  | { kind: 'growing'; file: GrowingFile; lease: Promise<CacheLease>; interest: AbortController };

/** What a download for a read handle feeds, and the handle's interest in it (aborts when it closes). */
export interface GrowingReader {
  growing: GrowingFile;
  interest: AbortSignal;
}

/**
 * Running downloads by version key. The map changes only in synchronous stretches: an entry is
 * added before the acquire that may drive it starts and removed when its file ends (the download
 * finished, failed or was cancelled), so a later open never joins a cancelled download.
 */
export class GrowingDownloads {
  private readonly running = new Map<string, GrowingFile>();

  /**
   * A copy of the version `key` for a read handle. `acquire(reader)` pins a complete copy through
   * the content cache; when it has to download, it feeds `reader.growing` (attach, progress) and
   * may cancel it once `reader.interest` aborted (the cache decides). Resolves as
   * soon as the first bytes are on disk (a growing copy) or with the complete copy (a cached copy,
   * an empty file, `expectedSize` unknown); rejects with the acquire's error when nothing arrived.
   */
  async open(key: string, expectedSize: number | undefined, acquire: (reader: GrowingReader | undefined) => Promise<CacheLease>): Promise<ReadCopy> {
    if (expectedSize === undefined) return complete(await acquire(undefined));
    let growing = this.running.get(key);
    if (growing === undefined) {
      const created: GrowingFile = new GrowingFile(expectedSize, () => {
        if (this.running.get(key) === created) this.running.delete(key);
      });
      this.running.set(key, created);
      growing = created;
    }
    const file = growing;
    const interest = new AbortController();
    const lease = acquire({ growing: file, interest: interest.signal });
    // Every opener's outcome ends the shared file (the first one wins; they are one download).
    void lease.then(
      () => this.end(file, undefined),
      (error: unknown) => this.end(file, error),
    );
    const first = await Promise.race([lease.then(() => 'lease' as const, () => 'lease' as const), file.started.then(() => 'growing' as const)]);
    if (first === 'growing' && file.readable && !file.complete) {
      file.retain();
      return { kind: 'growing', file, lease, interest };
    }
    return complete(await lease);
  }

  /** Lets go of a handle's copy (its descriptor and pin; a running download goes on). */
  async close(copy: ReadCopy): Promise<void> {
    switch (copy.kind) {
      case 'complete':
        await copy.fd.close().catch(() => undefined);
        copy.lease.release();
        return;
      case 'growing':
        copy.interest.abort();
        copy.file.release();
        void copy.lease.then(
          (lease) => lease.release(),
          () => undefined,
        );
        return;
    }
  }

  private end(file: GrowingFile, error: unknown): void {
    if (error === undefined) file.finish();
    else file.fail(error);
  }
}

/** A descriptor on a pinned complete copy (the pin is released if the open fails). */
async function complete(lease: CacheLease): Promise<ReadCopy> {
  try {
    return { kind: 'complete', fd: await open(lease.file, 'r'), lease };
  } catch (error) {
    lease.release();
    throw error;
  }
}
