// Paired, interleaved rounds for the throughput workloads: on a shared, noisy machine a single
// wsfs run beside a single bindfs run can be 2–5× off, so each round runs both, alternating which
// goes first (ABBA), and the ratio is taken per round and summarised by its median and range.
// It runs what it is given and computes statistics; it knows no mounts or workloads.
/** Median and range of a set of figures. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

/** What `pairedRounds` found. */
export interface PairedRounds<A, B> {
  wsfs: A[];
  bindfs: B[];
}

/**
 * Runs `rounds` rounds of `wsfs(round)` and `bindfs(round)`, wsfs first in even rounds and bindfs
 * first in odd ones, and returns every sample in round order.
 */
export async function pairedRounds<A, B>(rounds: number, wsfs: (round: number) => Promise<A>, bindfs: (round: number) => Promise<B>): Promise<PairedRounds<A, B>> {
  const a: A[] = [];
  const b: B[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      a.push(await wsfs(round));
      b.push(await bindfs(round));
    } else {
      b.push(await bindfs(round));
      a.push(await wsfs(round));
    }
  }
  return { wsfs: a, bindfs: b };
}

/** Median (the mean of the middle two for an even count), minimum and maximum of `values`. */
export function spreadOf(values: number[]): Spread {
  if (values.length === 0) throw new RangeError('spreadOf needs at least one value');
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** `median (min–max)` with `digits` decimals, for tables and notes. */
export function formatSpread(spread: Spread, digits = 2, unit = ''): string {
  const f = (n: number): string => n.toFixed(digits);
  return `${f(spread.median)}${unit} (${f(spread.min)}–${f(spread.max)})`;
}
