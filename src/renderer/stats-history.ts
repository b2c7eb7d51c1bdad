// The last minutes of cache usage and traffic of one workspace, as the chart draws them: a
// bounded list of samples derived from successive EngineStats snapshots. Pure functions over
// immutable arrays (React state); it does not subscribe to anything itself.
import type { EngineStats } from '../shared/cache-usage';

/** One point of the chart. */
export interface StatsSample {
  /** Milliseconds since the epoch when the snapshot arrived. */
  at: number;
  bytesUsed: number;
  /** Bytes fetched plus bytes uploaded per second since the previous snapshot. */
  bytesPerSecond: number;
  /** Cumulative bytes moved (fetched + uploaded), to compute the next rate. */
  bytesMoved: number;
}

/** Seconds of history the chart shows and the list keeps. */
export const HISTORY_SECONDS = 300;

/** `history` plus a sample for `stats` received at `at`, dropping samples older than the window. */
export function addSample(history: readonly StatsSample[], stats: EngineStats, at: number): StatsSample[] {
  const bytesMoved = stats.cache.bytesFetched + stats.transfers.bytesUploaded;
  const previous = history[history.length - 1];
  let bytesPerSecond = 0;
  if (previous !== undefined && at > previous.at) {
    // A restarted engine resets its counters; never draw a negative rate.
    bytesPerSecond = Math.max(0, bytesMoved - previous.bytesMoved) / ((at - previous.at) / 1000);
  }
  const sample: StatsSample = { at, bytesUsed: stats.cache.bytesUsed, bytesPerSecond, bytesMoved };
  const cutoff = at - HISTORY_SECONDS * 1000;
  const kept = history.filter((s) => s.at >= cutoff);
  return [...kept, sample];
}
