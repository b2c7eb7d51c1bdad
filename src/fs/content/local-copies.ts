// Downloaded content on local disk, one file per remote version (fingerprint: object id, modified
// time, size where known, and the format the bytes are presented in). Concurrent requests for one
// version share one download; a newer version of an object replaces the older copy. It does not
// decide what to download (the caller passes the download), and it is not yet the persistent,
// size-bounded content cache: copies live for one engine run and are kept in one folder.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DownloadFormat } from '../remote/remote-workspace';

/** What identifies one version of the bytes of a path. */
export interface ContentFingerprint {
  objectId: number;
  /** ms since the epoch; absent when the workspace did not say (then nothing is shared across opens). */
  modifiedAt?: number;
  /** Exact byte size when the workspace reported it. */
  size?: number;
  format: DownloadFormat;
  /** A version uploaded here and not read back yet (RemoteEntry.localVersion). */
  localVersion?: number;
}

/** A local copy: the file holding the bytes of one version, and its length. */
export interface LocalCopy {
  file: string;
  size: number;
}

/** The key of a fingerprint (also the copy's file name). */
export function fingerprintKey(fingerprint: ContentFingerprint): string {
  const size = fingerprint.size === undefined ? '' : `-s${fingerprint.size}`;
  const local = fingerprint.localVersion === undefined ? '' : `-v${fingerprint.localVersion}`;
  return `${fingerprint.objectId}-${fingerprint.modifiedAt ?? 'x'}${size}${local}-${fingerprint.format}`;
}

/**
 * Local copies of remote versions in the folder `dir` (created 0700 on first use).
 * Errors: whatever `download` rejects with, passed through; local disk errors as Node errors.
 */
export class LocalCopies {
  // `copies` and `inFlight` change only synchronously (after an await has settled), so a reader
  // never sees a half-written copy: a download goes to a `.part` file renamed into place first.
  private readonly copies = new Map<string, LocalCopy>();
  private readonly inFlight = new Map<string, Promise<LocalCopy>>();
  /** `objectId-format` → key of the newest copy, so an older version's file can be dropped. */
  private readonly newest = new Map<string, string>();
  private prepared: Promise<void> | undefined;
  private counter = 0;

  constructor(private readonly dir: string) {}

  /** The copy of `fingerprint`, if one is on disk (never for a fingerprint without modified time). */
  get(fingerprint: ContentFingerprint): LocalCopy | undefined {
    if (fingerprint.modifiedAt === undefined) return undefined;
    return this.copies.get(fingerprintKey(fingerprint));
  }

  /**
   * The copy of `fingerprint`, downloading it with `download(target)` when absent; callers asking
   * for the same version while it downloads share that one download.
   */
  fetch(fingerprint: ContentFingerprint, download: (target: string) => Promise<unknown>): Promise<LocalCopy> {
    const key = fingerprintKey(fingerprint);
    const cached = this.get(fingerprint);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const promise = (async () => {
      await this.prepare();
      const part = join(this.dir, `${key}.${this.counter++}.${randomBytes(4).toString('hex')}.part`);
      try {
        await download(part);
        return await this.install(fingerprint, part);
      } catch (error) {
        await rm(part, { force: true });
        throw error;
      }
    })();
    this.inFlight.set(key, promise);
    const forget = (): void => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Makes the local `file` (moved, not copied; same file system) the copy of `fingerprint`. */
  async adopt(fingerprint: ContentFingerprint, file: string): Promise<LocalCopy> {
    await this.prepare();
    return this.install(fingerprint, file);
  }

  /**
   * Makes the copy of `from` the copy of `to` (the same bytes, learnt to be that version, e.g. an
   * upload read back); false when there is no copy of `from`.
   */
  rekey(from: ContentFingerprint, to: ContentFingerprint): boolean {
    const copy = this.copies.get(fingerprintKey(from));
    if (copy === undefined) return false;
    this.copies.delete(fingerprintKey(from));
    const object = `${from.objectId}-${from.format}`;
    if (this.newest.get(object) === fingerprintKey(from)) this.newest.delete(object);
    this.record(to, copy);
    return true;
  }

  /** Removes every copy (unmount). */
  async clear(): Promise<void> {
    this.copies.clear();
    this.newest.clear();
    await rm(this.dir, { recursive: true, force: true });
    this.prepared = undefined;
  }

  private prepare(): Promise<void> {
    this.prepared ??= mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    return this.prepared;
  }

  private async install(fingerprint: ContentFingerprint, file: string): Promise<LocalCopy> {
    const key = fingerprintKey(fingerprint);
    const target = join(this.dir, `${key}.${this.counter++}`);
    await rename(file, target);
    const { size } = await stat(target);
    const copy: LocalCopy = { file: target, size };
    this.record(fingerprint, copy);
    return copy;
  }

  /** Records `copy` as the copy of `fingerprint` and drops the previous version of the same object. */
  private record(fingerprint: ContentFingerprint, copy: LocalCopy): void {
    const key = fingerprintKey(fingerprint);
    const object = `${fingerprint.objectId}-${fingerprint.format}`;
    const older = this.newest.get(object);
    if (older !== undefined && older !== key) {
      const old = this.copies.get(older);
      this.copies.delete(older);
      // Open descriptors keep reading the unlinked file; new opens get the new version.
      if (old !== undefined) void rm(old.file, { force: true });
    }
    const previousSame = this.copies.get(key);
    if (previousSame !== undefined && previousSame.file !== copy.file) void rm(previousSame.file, { force: true });
    this.newest.set(object, key);
    // Kept even without a modified time (so the next copy of the object replaces its file), but
    // `get` never serves such a copy: nothing tells whether it is still current.
    this.copies.set(key, copy);
  }
}
