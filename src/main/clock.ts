// Time for main's logic (restart back-off, stats polling, usage history), injected so tests control
// it instead of sleeping. Owns only the interface and the real clock; no scheduling policy.

/** A timer handle as returned by `Clock.setTimeout`. */
export type TimerHandle = { readonly timer: unknown };

/** Wall-clock time and timers. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer (no-op when it already fired). */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock; its timers do not keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => ({ timer: setTimeout(callback, ms).unref() }),
  clearTimeout: (handle) => clearTimeout(handle.timer as NodeJS.Timeout),
};
