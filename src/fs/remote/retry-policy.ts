// When and how long to wait before repeating a failed remote call: exponential back-off with full
// jitter, `Retry-After` honoured, bounded in attempts and in total time, and the idempotency rule
// (a call that may already have taken effect is never repeated blindly). It does not know about
// HTTP or endpoints: it reads RemoteError's kind and details. Time, sleep and randomness are
// injected so tests never wait for real.
import { RemoteError } from './remote-error';

/** Whether repeating a call is harmless once it may have taken effect. */
export type CallSafety = 'idempotent' | 'non-idempotent';

/** Limits and seams of a RetryPolicy; every field has a documented default. */
export interface RetryPolicyOptions {
  /** Attempts in total, the first included (default 6). */
  maxAttempts?: number;
  /** No retry starts later than this after the first attempt began (default 60 000 ms). */
  maxElapsedMs?: number;
  /** The back-off ceiling before the first retry; it doubles per retry (default 250 ms). */
  baseDelayMs?: number;
  /** Cap of one back-off wait (default 10 000 ms); a longer `Retry-After` is still honoured. */
  maxDelayMs?: number;
  /** Waits `ms`; may end early once `signal` aborts (the policy then stops either way). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock, ms. */
  now?: () => number;
  /** Uniform in [0, 1). */
  random?: () => number;
  /** Told about every retry before its wait (for debug logs). */
  onRetry?: (event: RetryEvent) => void;
}

/** One scheduled retry. */
export interface RetryEvent {
  /** The attempt that failed (1 = the first). */
  attempt: number;
  error: RemoteError;
  delayMs: number;
}

/** What the operation learns about its attempt. */
export interface AttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** True once an earlier attempt failed in a way that may have taken effect on the server. */
  earlierMayHaveApplied: boolean;
}

/** The retry decision for one failure. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Default limits (docs/remote.md explains them). */
export const RETRY_DEFAULTS = {
  maxAttempts: 6,
  maxElapsedMs: 60_000,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
} as const;

/** Runs remote calls with bounded, jittered retries of transient failures. */
export class RetryPolicy {
  private readonly maxAttempts: number;
  private readonly maxElapsedMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly onRetry: ((event: RetryEvent) => void) | undefined;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? RETRY_DEFAULTS.maxAttempts);
    this.maxElapsedMs = options.maxElapsedMs ?? RETRY_DEFAULTS.maxElapsedMs;
    this.baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
    this.sleep = options.sleep ?? abortableSleep;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.onRetry = options.onRetry;
  }

  /**
   * Runs `operation` until it succeeds, fails permanently, or the attempt or time budget is spent;
   * rejects with the last error (a RemoteError keeps its kind, with the attempt count in the
   * message). Errors that are not RemoteErrors are never retried. `signal` cancels the waits
   * between attempts (and any attempt not started yet): the call rejects with its reason.
   */
  async run<T>(safety: CallSafety, operation: (info: AttemptInfo) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const started = this.now();
    let earlierMayHaveApplied = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      try {
        return await operation({ attempt, earlierMayHaveApplied });
      } catch (error) {
        const decision = this.decide(error, safety, attempt, this.now() - started);
        if (!decision.retry) {
          throw attempt > 1 && error instanceof RemoteError && error.transient ? exhausted(error, attempt, decision.reason) : error;
        }
        const remote = error as RemoteError;
        if (remote.details.mayHaveApplied !== false) earlierMayHaveApplied = true;
        this.onRetry?.({ attempt, error: remote, delayMs: decision.delayMs });
        await this.wait(decision.delayMs, signal);
      }
    }
  }

  /** The back-off sleep, cut short (rejecting with the reason) when `signal` aborts. */
  private async wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return this.sleep(ms);
    if (signal.aborted) throw signal.reason;
    let stop: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      stop = () => reject(signal.reason);
      signal.addEventListener('abort', stop, { once: true });
    });
    try {
      await Promise.race([this.sleep(ms, signal), aborted]);
    } finally {
      signal.removeEventListener('abort', stop!);
    }
  }

  /**
   * Whether to retry after attempt number `attempt` failed with `error`, `elapsedMs` after the
   * first attempt began, and after how long. Idempotent calls retry every transient failure
   * (rate-limited, unavailable, network); non-idempotent ones only when the failed request
   * certainly did not take effect (`mayHaveApplied === false`: 429, 503, connection refused).
   */
  decide(error: unknown, safety: CallSafety, attempt: number, elapsedMs: number): RetryDecision {
    if (!(error instanceof RemoteError) || !error.transient) return { retry: false, reason: 'not transient' };
    if (safety === 'non-idempotent' && error.details.mayHaveApplied !== false) {
      return { retry: false, reason: 'the request may have taken effect and repeating it is not safe' };
    }
    if (attempt >= this.maxAttempts) return { retry: false, reason: `${attempt} attempts` };
    const delayMs = this.delayFor(attempt, error);
    if (elapsedMs + delayMs > this.maxElapsedMs) {
      return { retry: false, reason: `the retry budget of ${Math.round(this.maxElapsedMs / 1000)} s is spent` };
    }
    return { retry: true, delayMs };
  }

  /**
   * The wait after attempt `attempt` failed: full jitter, uniform in
   * [0, min(maxDelay, base·2^(attempt-1))), but never less than the server's `Retry-After`.
   */
  delayFor(attempt: number, error?: RemoteError): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(this.random() * ceiling);
    const requested = error?.details.retryAfterMs;
    return requested === undefined ? jittered : Math.max(Math.ceil(requested), jittered);
  }
}

/** setTimeout as a promise that resolves early (clearing its timer) when `signal` aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function exhausted(error: RemoteError, attempts: number, reason: string): RemoteError {
  return new RemoteError(error.kind, `${error.message} (gave up after ${attempts} attempts: ${reason})`, {
    ...error.details,
    attempts,
    cause: error,
  });
}
