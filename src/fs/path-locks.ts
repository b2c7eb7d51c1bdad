// Per-path mutual exclusion for the filesystem: operations on one path run one after another in
// arrival order, operations on different paths run in parallel. A rename takes both of its paths
// by joining both queues in one synchronous step, so two renames can never wait on each other
// (whichever arrived first is ahead on every path they share). Owns nothing
// but the queues; it does not know what the operations do, and it does not lock whole subtrees.

/**
 * A FIFO lock per path. `run(paths, fn)` waits until every listed path is free, runs `fn`, and
 * frees them. Not reentrant: `fn` must not call `run` on a path it holds (it would wait forever).
 */
export class PathLocks {
  // `tails` maps a path to the promise that settles when the last queued holder of it is done;
  // it changes only synchronously inside `run` (append) and in the release callback (remove when
  // the holder that settles is still the tail).
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` while holding the locks of all `paths` (duplicates ignored); resolves with its result. */
  async run<T>(paths: readonly string[], fn: () => Promise<T>): Promise<T> {
    const keys = [...new Set(paths)];
    const previous: Promise<void>[] = [];
    const releases: Array<() => void> = [];
    for (const key of keys) {
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      previous.push(this.tails.get(key) ?? Promise.resolve());
      const tail = done;
      this.tails.set(key, tail);
      releases.push(() => {
        release();
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    }
    try {
      await Promise.all(previous);
      return await fn();
    } finally {
      for (const release of releases) release();
    }
  }

  /** True while some operation holds or waits for `path` (for tests). */
  isBusy(path: string): boolean {
    return this.tails.has(path);
  }
}
