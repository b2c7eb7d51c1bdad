// Small-file prefetch (docs/cache.md "Prefetch"): when a program opens cold (not cached) files of
// one folder one after another — git status, grep -r, an IDE indexing — the folder's other small
// plain files are fetched into the content cache ahead of it, a bounded batch per trigger, a few at
// a time. It owns the trigger rule, the limits and the queue; it does not know how a folder is
// listed or a file fetched (the filesystem passes both in) and never holds a copy pinned.
import { baseName, parentPath } from '../fs-paths';
import type { Logger } from '../logger';

/** The limits of prefetching; every one is a bound, none a target. */
export interface PrefetchLimits {
  /** Files larger than this are never prefetched. */
  maxFileBytes: number;
  /** Files fetched for one trigger, at most. */
  filesPerTrigger: number;
  /** Bytes fetched for one trigger, at most. */
  bytesPerTrigger: number;
  /**
   * Cold opens in one folder, each within `windowMs` of the previous, that trigger a batch; while a
   * program walks (a batch was triggered within `windowMs`), one cold open in another folder does.
   */
  triggerOpens: number;
  windowMs: number;
  /** Prefetch downloads at once: a share of the remote's request limit (8), so programs' own requests keep slots. */
  concurrency: number;
  /** Files queued or running overall, at most; a trigger takes only what still fits. */
  maxQueuedFiles: number;
  /** Bytes queued or running overall, at most. */
  maxQueuedBytes: number;
}

/** The defaults (docs/cache.md "Prefetch"). */
export const DEFAULT_PREFETCH_LIMITS: Readonly<PrefetchLimits> = {
  maxFileBytes: 1024 * 1024,
  filesPerTrigger: 64,
  bytesPerTrigger: 16 * 1024 * 1024,
  triggerOpens: 2,
  windowMs: 2_000,
  concurrency: 4,
  maxQueuedFiles: 256,
  maxQueuedBytes: 64 * 1024 * 1024,
};

/** A file the filesystem offers for prefetch: its mount path, its size, and how to fetch it into the cache. */
export interface PrefetchCandidate {
  path: string;
  size: number;
  /** Fetches the file's version into the content cache (and lets go of it); false when it was skipped (open, or changed since planned). */
  fetch(): Promise<boolean>;
}

/** What a Prefetcher needs. */
export interface PrefetcherOptions {
  /** The folder's files worth fetching: plain files whose current version is not cached yet. */
  candidates(folder: string): Promise<PrefetchCandidate[]>;
  /** Whether prefetching may run now (the content cache is on). */
  active(): boolean;
  now(): number;
  logger: Logger;
  limits?: Partial<PrefetchLimits>;
}

/** What the prefetcher did so far (tests and `--debug`). */
export interface PrefetchCounters {
  triggers: number;
  fetched: number;
  failed: number;
  /** Jobs that found their file open or changed when their turn came. */
  skipped: number;
  bytes: number;
}

interface Job {
  folder: string;
  candidate: PrefetchCandidate;
}

/**
 * Watches read opens and prefetches folders. Errors of a fetch are logged at debug and dropped
 * (the program's own open fetches the file again and reports its error).
 *
 * Concurrency: every field changes only in synchronous stretches on the JS thread (noteOpen,
 * the then-callbacks of plan and run), so checks and updates never interleave across an await.
 */
export class Prefetcher {
  private readonly limits: PrefetchLimits;
  /** Cold opens per folder: how many in a row, the last one's time and name. */
  private readonly recent = new Map<string, { opens: number; lastAt: number; lastName: string }>();
  /** Folders with a batch being planned, queued or running (no second trigger meanwhile): files left. */
  private readonly busy = new Map<string, number>();
  private readonly queue: Job[] = [];
  /** Paths queued or running. */
  private readonly queued = new Set<string>();
  private queuedBytes = 0;
  private running = 0;
  private stopped = false;
  /** When the last batch was triggered (a program walking folders), -Infinity before the first. */
  private lastTriggerAt = -Infinity;
  private readonly counters: PrefetchCounters = { triggers: 0, fetched: 0, failed: 0, skipped: 0, bytes: 0 };
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: PrefetcherOptions) {
    this.limits = { ...DEFAULT_PREFETCH_LIMITS, ...options.limits };
  }

  /**
   * Told of every read open of a file at `path`; `cold` when its content was not in the cache.
   * Counted: cold opens while active, of another file than the folder's last one (a program
   * re-reading one file is not walking a folder).
   */
  noteOpen(path: string, cold: boolean): void {
    if (!cold || this.stopped || !this.options.active()) return;
    const folder = parentPath(path);
    const now = this.options.now();
    const last = this.recent.get(folder);
    const recent = last !== undefined && now - last.lastAt <= this.limits.windowMs;
    if (recent && last.lastName === baseName(path)) {
      last.lastAt = now;
      return;
    }
    const opens = recent ? last.opens + 1 : 1;
    // Oldest first: re-inserting keeps the map ordered by last use, bounded below.
    this.recent.delete(folder);
    this.recent.set(folder, { opens, lastAt: now, lastName: baseName(path) });
    if (this.recent.size > 1_000) this.recent.delete(this.recent.keys().next().value!);
    const walking = now - this.lastTriggerAt <= this.limits.windowMs;
    if ((opens < this.limits.triggerOpens && !walking) || this.busy.has(folder)) return;
    this.recent.delete(folder);
    this.lastTriggerAt = now;
    this.busy.set(folder, 0);
    this.counters.triggers++;
    this.options.candidates(folder).then(
      (candidates) => this.plan(folder, path, candidates),
      (error: unknown) => {
        this.options.logger.debug(`prefetch of ${folder} not planned: ${String(error)}`);
        this.busy.delete(folder);
        this.settleIdle();
      },
    );
  }

  /** Stops: drops what is queued; fetches running finish on their own (unmount). */
  stop(): void {
    this.stopped = true;
    for (const job of this.queue.splice(0)) this.done(job);
  }

  /** What was done so far. */
  stats(): PrefetchCounters {
    return { ...this.counters };
  }

  /** Resolves once nothing is planned, queued or running (tests). */
  idle(): Promise<void> {
    if (this.busy.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Queues a batch for `folder` from `candidates`: the files after the opened one first, within every limit. */
  private plan(folder: string, opened: string, candidates: PrefetchCandidate[]): void {
    const limits = this.limits;
    const after = baseName(opened);
    const eligible = candidates
      .filter((c) => c.path !== opened && !this.queued.has(c.path) && c.size <= limits.maxFileBytes && parentPath(c.path) === folder)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const split = eligible.findIndex((c) => baseName(c.path) > after);
    const ordered = split < 0 ? eligible : [...eligible.slice(split), ...eligible.slice(0, split)];
    let files = 0;
    let bytes = 0;
    for (const candidate of ordered) {
      if (this.stopped || files >= limits.filesPerTrigger || this.queued.size >= limits.maxQueuedFiles) break;
      if (bytes + candidate.size > limits.bytesPerTrigger || this.queuedBytes + candidate.size > limits.maxQueuedBytes) continue;
      files++;
      bytes += candidate.size;
      this.queued.add(candidate.path);
      this.queuedBytes += candidate.size;
      this.queue.push({ folder, candidate });
    }
    if (this.options.logger.isEnabled('debug')) this.options.logger.debug(`prefetch ${folder}: ${files} of ${candidates.length} files (${bytes} bytes)`);
    if (files === 0) this.busy.delete(folder);
    else this.busy.set(folder, files);
    this.pump();
    this.settleIdle();
  }

  /** Starts queued fetches while slots are free. */
  private pump(): void {
    while (!this.stopped && this.running < this.limits.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (!this.options.active()) {
        this.done(job);
        continue;
      }
      this.running++;
      job.candidate.fetch().then(
        (fetched) => {
          if (fetched) {
            this.counters.fetched++;
            this.counters.bytes += job.candidate.size;
          } else {
            this.counters.skipped++;
          }
          this.finish(job);
        },
        (error: unknown) => {
          this.counters.failed++;
          this.options.logger.debug(`prefetch of ${job.candidate.path} failed: ${String(error)}`);
          this.finish(job);
        },
      );
    }
  }

  private finish(job: Job): void {
    this.running--;
    this.done(job);
    this.pump();
    this.settleIdle();
  }

  /** Forgets `job` (ran, failed or dropped) and frees its folder once its batch is through. */
  private done(job: Job): void {
    this.queued.delete(job.candidate.path);
    this.queuedBytes -= job.candidate.size;
    const left = (this.busy.get(job.folder) ?? 1) - 1;
    if (left <= 0) this.busy.delete(job.folder);
    else this.busy.set(job.folder, left);
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.busy.size > 0 || this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
