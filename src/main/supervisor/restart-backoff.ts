// When to restart a crashed engine: exponential back-off with a cap and a give-up point, reset once
// a mount stayed up long enough. Pure arithmetic on attempt counts and times; the supervisor owns
// the timers and the counting.

/** The back-off policy. */
export interface RestartBackoff {
  /** Delay before the first restart. */
  baseMs: number;
  /** Largest delay. */
  maxMs: number;
  /** Consecutive failures after which the supervisor stops retrying (and says so). */
  maxAttempts: number;
  /** A mount up at least this long counts as healthy: the failure count starts again. */
  stableMs: number;
}

/** 1 s, 2 s, 4 s … up to 60 s; 6 tries; healthy after 2 minutes. */
export const DEFAULT_BACKOFF: RestartBackoff = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 6, stableMs: 120_000 };

/** Delay before restart number `failures` (1 = after the first failure), or undefined to give up. */
export function restartDelay(policy: RestartBackoff, failures: number): number | undefined {
  if (failures >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, failures - 1));
}
