// Keeps the remote client polite and frugal: at most N requests in flight at once (the rest wait
// in FIFO order), and identical reads that overlap in time share one execution and its result
// (single flight). It knows nothing about HTTP: a "request" is any async task, and a read is
// identified by a key its caller builds (operation + path + format). It does not retry.

/** Default number of concurrent requests. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8;

/** Bounded concurrency plus single-flight sharing of identical in-flight reads. */
export class RequestLimiter {
  readonly maxConcurrent: number;
  // `active` and `waiting` change only synchronously in `acquire`/`release` (no await between a
  // check and its update), so interleaving tasks can never exceed `maxConcurrent`.
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  // In-flight shared reads by key. An entry is removed when its task settles or when `forget`
  // drops it (after a mutation, later callers must not join a read that may predate it).
  private readonly flights = new Map<string, Promise<unknown>>();

  constructor(maxConcurrent = DEFAULT_MAX_CONCURRENT_REQUESTS) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError(`maxConcurrent must be a positive integer, got ${maxConcurrent}`);
    this.maxConcurrent = maxConcurrent;
  }

  /** Runs `task` once a slot is free; the slot is held until the task settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /**
   * Single flight: while a task for `key` is in flight, further calls get its promise instead
   * of starting another. The task itself is not limited here; it limits its own requests.
   */
  share<T>(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.flights.get(key);
    if (existing !== undefined) return existing as Promise<T>;
    const flight = task().finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight;
  }

  /** Stops sharing in-flight reads whose key matches, so later callers start afresh. */
  forget(matches: (key: string) => boolean = () => true): void {
    for (const key of [...this.flights.keys()]) if (matches(key)) this.flights.delete(key);
  }

  /** Requests running now, requests waiting for a slot, and shared reads in flight. */
  load(): { active: number; waiting: number; sharedReads: number } {
    return { active: this.active, waiting: this.waiting.length, sharedReads: this.flights.size };
  }

  private acquire(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return Promise.resolve();
    }
    // The slot is handed over by `release` (active stays the same), so no newcomer can overtake.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next !== undefined) next();
    else this.active--;
  }
}
