// When the background uploader runs: at once when kicked, and again with exponential back-off
// (full jitter, capped) while uploads owed to the workspace keep failing. It owns only the timing:
// one run at a time, a kick during a run asks for one more run, and `stop` ends it. It does not
// know what a run uploads (WorkspaceFs.uploadOwed does) or why a run failed.

/** Timing of an UploadScheduler; everything is injectable so tests never wait for real. */
export interface UploadSchedulerOptions {
  /** The back-off ceiling before the first retry; it doubles per failed run (default 1 000 ms). */
  baseDelayMs?: number;
  /** Cap of one wait (default 60 000 ms). */
  maxDelayMs?: number;
  /** Uniform in [0, 1). */
  random?: () => number;
  setTimer?: (callback: () => void, ms: number) => { cancel(): void };
}

/** Default back-off of the background uploader. */
export const UPLOAD_RETRY_DEFAULTS = { baseDelayMs: 1_000, maxDelayMs: 60_000 } as const;

/**
 * Runs `run` when kicked and retries it with back-off while it reports that work remains.
 * `run` resolves true when something is still owed (a retry is scheduled), false when all is done;
 * a rejection counts as true.
 */
export class UploadScheduler {
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => { cancel(): void };
  // `running`, `again`, `failures` and `timer` change only synchronously in kick/start/settle.
  private running = false;
  private again = false;
  private failures = 0;
  private timer: { cancel(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<boolean>,
    options: UploadSchedulerOptions = {},
  ) {
    this.baseDelayMs = options.baseDelayMs ?? UPLOAD_RETRY_DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? UPLOAD_RETRY_DEFAULTS.maxDelayMs;
    this.random = options.random ?? Math.random;
    this.setTimer =
      options.setTimer ??
      ((callback, ms) => {
        const timer = setTimeout(callback, ms);
        timer.unref();
        return { cancel: () => clearTimeout(timer) };
      });
  }

  /** Runs now (or right after the current run), forgetting the back-off: something new is owed, or the workspace is back. */
  kick(): void {
    if (this.stopped) return;
    this.failures = 0;
    this.timer?.cancel();
    this.timer = undefined;
    if (this.running) {
      this.again = true;
      return;
    }
    this.start();
  }

  /** Runs after `ms` unless a run is under way or already scheduled (then that one will do). */
  soon(ms: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer === undefined) this.startAfter(ms);
  }

  /** Number of failed runs in a row (0 after a run that finished everything). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The wait after `failures` failed runs in a row: uniform in [0, min(max, base·2^(failures-1))), at least 10 ms. */
  private delayFor(failures: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, failures - 1));
    return Math.max(10, Math.floor(this.random() * ceiling));
  }

  /** No more runs (a run under way finishes). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private start(): void {
    this.running = true;
    this.again = false;
    void this.run().then(
      (remaining) => this.settle(remaining),
      () => this.settle(true),
    );
  }

  private settle(remaining: boolean): void {
    this.running = false;
    if (this.stopped) return;
    if (this.again) {
      this.start();
      return;
    }
    if (!remaining) {
      this.failures = 0;
      return;
    }
    this.failures++;
    this.startAfter(this.delayFor(this.failures));
  }

  /** Starts a run after `ms` unless one is running then or the scheduler stopped. */
  private startAfter(ms: number): void {
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      if (!this.running && !this.stopped) this.start();
    }, ms);
  }
}
