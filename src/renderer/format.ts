// Formatting of numbers for people: byte sizes, rates, percentages and relative times, in the
// user's locale. Pure functions; no React, no window.api.

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** `1536` -> `1.5 KB` (binary multiples, short units as file managers show them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  const exponent = Math.min(UNITS.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  const value = bytes / 1024 ** exponent;
  const digits = exponent === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(undefined, { maximumFractionDigits: digits })} ${UNITS[exponent]}`;
}

/** Bytes per second as `2.1 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A ratio in [0, 1] as `87%`; `—` when unknown. */
export function formatPercent(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)}%`;
}

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** GiB as entered in settings <-> bytes. */
export const GIB = 1024 ** 3;
