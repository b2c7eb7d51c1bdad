// Request accounting: how many requests each endpoint received and how many body bytes went in
// and out, so tests and benchmarks can assert what a workload cost. Keys are the method plus the
// path without the query; endpoints that carry a workspace path in the URL are folded into one key
// with a `{path}` (or `{token}`) placeholder. Admin endpoints (`/__emulator/*` but signed URLs)
// are not counted.

/** A snapshot of the counters, as served by `GET /__emulator/stats`. */
export interface StatsSnapshot {
  requests: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
}

const PATH_CARRYING: Array<[prefix: string, placeholder: string]> = [
  ['/api/2.0/workspace-files/import-file/', '/api/2.0/workspace-files/import-file/{path}'],
  ['/__emulator/signed/', '/__emulator/signed/{token}'],
];
const NAMED_WORKSPACE_FILES = new Set(['list-files', 'object-info', 'new-files']);

/** The accounting key of a request: `METHOD /path` with path parameters folded. */
export function endpointKey(method: string, pathname: string): string {
  for (const [prefix, placeholder] of PATH_CARRYING) {
    if (pathname.startsWith(prefix)) return `${method} ${placeholder}`;
  }
  const filesPrefix = '/api/2.0/workspace-files/';
  if (pathname.startsWith(filesPrefix) && !NAMED_WORKSPACE_FILES.has(pathname.slice(filesPrefix.length))) {
    return `${method} ${filesPrefix}{path}`;
  }
  return `${method} ${pathname}`;
}

/** Counters of requests and bytes. */
export class RequestStats {
  private requests = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;

  /** Counts one request to `key`. */
  count(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** Adds request body bytes received. */
  addIn(bytes: number): void {
    this.bytesIn += bytes;
  }

  /** Adds response body bytes sent. */
  addOut(bytes: number): void {
    this.bytesOut += bytes;
  }

  /** The counters now. */
  snapshot(): StatsSnapshot {
    return { requests: Object.fromEntries(this.requests), bytesIn: this.bytesIn, bytesOut: this.bytesOut };
  }

  /** The number of requests to `key` (0 when none). */
  requestsTo(key: string): number {
    return this.requests.get(key) ?? 0;
  }

  /** The total number of counted requests. */
  total(): number {
    let sum = 0;
    for (const value of this.requests.values()) sum += value;
    return sum;
  }

  /** Zeroes every counter. */
  reset(): void {
    this.requests.clear();
    this.bytesIn = 0;
    this.bytesOut = 0;
  }
}
