// Read-backs of uploaded plain files: a save's new version (object id, modified_at) is learnt from
// one shared listing of its folder, batched per local folder after READ_BACK_DELAY_MS, instead of
// a stat per save. It owns the pending batches, the running listings and the newest tag per path.
// It does not own what a read-back changes (mtimes, inode aliases, cache keys, metadata, open
// files): `adopt` does that for WorkspaceFs, under the per-path lock `locked` gives.
import type { Logger } from '../logger';
import { parentPath as parentOf } from '../fs-paths';
import type { RemoteEntry } from '../remote/remote-workspace';

/**
 * A plain file's upload is read back with one listing of its folder at most this long after the
 * first unread upload there, shared by every upload into the folder meanwhile (not a stat each).
 */
export const READ_BACK_DELAY_MS = 100;

/** The timer seam of ReadBacks (real timers by default; tests inject fake ones). */
export interface ReadBackTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Construction options of ReadBacks; everything it touches outside itself is injected. */
export interface ReadBacksOptions {
  /** Lists a remote folder (RemoteWorkspace.list). */
  list: (remoteFolder: string) => Promise<RemoteEntry[]>;
  /** Runs `fn` under the per-path lock of the local path `local`. */
  locked: (local: string, fn: () => Promise<void>) => Promise<void>;
  /** True while the metadata cache's listing of the local folder is fresh (before() need not read back). */
  isListingFresh: (folder: string) => boolean;
  /** Records `real`, the listed version of the upload `tagged` of `local` (its lock held). */
  adopt: (local: string, tagged: RemoteEntry, real: RemoteEntry) => void;
  logger: Logger;
  /** Default READ_BACK_DELAY_MS. */
  delayMs?: number;
  timers?: ReadBackTimers;
}

/** One folder's uploads waiting for its listing. */
interface Batch {
  remoteFolder: string;
  /** Local path → the tagged entry (RemoteEntry.localVersion) put into the metadata cache. */
  pending: Map<string, RemoteEntry>;
  timer: unknown;
}

const REAL_TIMERS: ReadBackTimers = {
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Batches the read-back listings of uploaded plain files per folder and applies what they find. */
export class ReadBacks {
  private readonly options: ReadBacksOptions;
  private readonly delayMs: number;
  private readonly timers: ReadBackTimers;
  // All three maps change only synchronously (no await between a read and the write that follows):
  // `batches` in schedule/run/forget, `running` in run and when a listing ends, `latestTags` in
  // schedule/forget and in a read-back under the per-path lock of the file.
  /** Uploaded plain files not read back yet, by local folder. */
  private readonly batches = new Map<string, Batch>();
  /** Read-backs under way, by local folder. */
  private readonly running = new Map<string, Promise<void>>();
  /** The tag of the newest upload of each remote path not read back yet. */
  private readonly latestTags = new Map<string, number>();

  constructor(options: ReadBacksOptions) {
    this.options = options;
    this.delayMs = options.delayMs ?? READ_BACK_DELAY_MS;
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** Queues `tagged` (just uploaded to `local`; it has a localVersion) for the next read-back listing of its folder. */
  schedule(local: string, tagged: RemoteEntry): void {
    const folder = parentOf(local);
    let batch = this.batches.get(folder);
    if (batch === undefined) {
      const timer = this.timers.setTimeout(() => void this.run(folder), this.delayMs);
      batch = { remoteFolder: parentOf(tagged.path), pending: new Map(), timer };
      this.batches.set(folder, batch);
    }
    batch.pending.set(local, tagged);
    this.latestTags.set(tagged.path, tagged.localVersion!);
  }

  /**
   * Before the metadata cache may list the local folder `folder` anew, the uploads there not read
   * back yet are read back first: a new listing would otherwise replace their tagged versions
   * with the workspace's, whose mtime is not the one shown while they were written.
   */
  async before(folder: string): Promise<void> {
    if (!this.batches.has(folder) && !this.running.has(folder)) return;
    if (this.options.isListingFresh(folder)) return;
    await this.run(folder);
    await this.running.get(folder);
  }

  /** Starts the read-back of `folder`'s batch now (if any); resolves when it and earlier ones there end. Never rejects. */
  run(folder: string): Promise<void> {
    const batch = this.batches.get(folder);
    if (batch === undefined) return Promise.resolve();
    this.batches.delete(folder);
    this.timers.clearTimeout(batch.timer);
    const done = this.readBack(batch.remoteFolder, batch.pending).catch((error: unknown) => {
      // The saves stand; their versions stay tagged until a listing replaces them.
      this.options.logger.debug(`could not read back uploads in ${folder}: ${String(error)}`);
    });
    const running = Promise.all([this.running.get(folder), done]).then(() => undefined);
    this.running.set(folder, running);
    void running.finally(() => {
      if (this.running.get(folder) === running) this.running.delete(folder);
    });
    return running;
  }

  /** Reads back, one after another, the batches of `path` and of every folder under it (before a rename moves them), waiting at most `boundMs`. */
  runUnder(path: string, boundMs: number): Promise<void> {
    return this.within(boundMs, async () => {
      for (const folder of [...this.batches.keys()]) {
        if (folder === path || folder.startsWith(`${path}/`)) await this.run(folder);
      }
    });
  }

  /** Reads back every pending batch, waiting at most `boundMs` for them (unmount). */
  runAll(boundMs: number): Promise<void> {
    if (this.batches.size === 0) return Promise.resolve();
    return this.within(boundMs, async () => {
      await Promise.all([...this.batches.keys()].map((folder) => this.run(folder)));
    });
  }

  /** Runs `work`, waiting at most `boundMs` for it (it goes on; the caller stops waiting). */
  private async within(boundMs: number, work: () => Promise<void>): Promise<void> {
    let timer: unknown;
    const bound = new Promise<void>((resolve) => (timer = this.timers.setTimeout(resolve, boundMs)));
    await Promise.race([work(), bound]);
    this.timers.clearTimeout(timer);
  }

  /** True while some upload waits for its batch to start. */
  hasPending(): boolean {
    return this.batches.size > 0;
  }

  /** The upload `tagged` of `local` was read back another way: the pending listing skips it. Lock held. */
  forget(local: string, tagged: RemoteEntry): void {
    if (this.latestTags.get(tagged.path) === tagged.localVersion) this.latestTags.delete(tagged.path);
    const folder = parentOf(local);
    const batch = this.batches.get(folder);
    if (batch === undefined || batch.pending.get(local)?.localVersion !== tagged.localVersion) return;
    batch.pending.delete(local);
    if (batch.pending.size > 0) return;
    this.timers.clearTimeout(batch.timer);
    this.batches.delete(folder);
  }

  /**
   * Lists the folder once and, for each upload that is still the newest one of its path and is
   * listed with the size it was saved with, hands the listed version to `adopt`. (As with a stat
   * right after the upload, a save made elsewhere in between with the very same size would be
   * taken for ours.)
   */
  private async readBack(remoteFolder: string, pending: Map<string, RemoteEntry>): Promise<void> {
    const listed = new Map((await this.options.list(remoteFolder)).map((entry) => [entry.path, entry]));
    for (const [local, tagged] of pending) {
      await this.options.locked(local, () => {
        if (this.latestTags.get(tagged.path) !== tagged.localVersion) return Promise.resolve();
        this.latestTags.delete(tagged.path);
        const real = listed.get(tagged.path);
        if (real === undefined || real.type !== 'FILE' || real.size !== tagged.size || real.modifiedAt === undefined) return Promise.resolve();
        this.options.adopt(local, tagged, real);
        return Promise.resolve();
      });
    }
  }
}
