// Progress of one download for the front end (`transfer:progress`, direction `download`): it turns
// the remote client's progress callback (`DownloadOptions.onProgress`, told after every write, on
// every download path: export, signed URL, resumed or restarted attempts) into rate-limited events.
// It owns only the events; it does not download, and it does not count the cache's statistics.
import type { TransferProgressEvent } from '../shared/engine-protocol';

/** How often a running download's byte count is told (at most; the end is always told). */
const DOWNLOAD_PROGRESS_EVERY_MS = 250;

/** A transfer update without its event kind. */
export type TransferUpdate = Omit<TransferProgressEvent, 'kind'>;

/** What reportDownload tells about. */
export interface ReportedDownload {
  transferId: string;
  /** Mount-relative path. */
  path: string;
  /** The size the workspace listed, if any (a notebook's export has none before it arrives). */
  expectedSize: number | undefined;
  /** The download's cancel signal: a cancelled download is no failure (see below). */
  signal?: AbortSignal;
  /** Clock in ms for the rate limit (default performance.now). */
  now?: () => number;
}

/**
 * Runs `download` (which writes its target, calls `onProgress` with the bytes written so far, and
 * resolves with its byte count) and reports it: `running` at once, then the bytes at most every
 * DOWNLOAD_PROGRESS_EVERY_MS, then `done` with the final count (as done and total), or `failed`.
 * A download ended by its `signal` (every reader closed the file, or unmount) is not a failure:
 * it ends with `done` at the bytes it got (the front end drops ended transfers either way).
 * `bytesTotal` is the expected size when known, else the bytes so far.
 */
export async function reportDownload(
  report: ReportedDownload,
  onTransfer: (update: TransferUpdate) => void,
  download: (onProgress: (bytes: number) => void) => Promise<number>,
): Promise<number> {
  const now = report.now ?? (() => performance.now());
  let done = 0;
  let ended = false;
  let toldAt = -Infinity;
  const tell = (phase: TransferUpdate['phase'], bytes: number): void => {
    const bytesTotal = phase === 'done' ? bytes : Math.max(report.expectedSize ?? 0, bytes);
    onTransfer({ transferId: report.transferId, direction: 'download', path: report.path, phase, bytesDone: bytes, bytesTotal });
  };
  tell('running', 0);
  toldAt = now();
  const onProgress = (bytes: number): void => {
    // A restarted attempt starts over; the count may go back, as for uploads.
    done = bytes;
    if (ended || now() - toldAt < DOWNLOAD_PROGRESS_EVERY_MS) return;
    toldAt = now();
    tell('running', bytes);
  };
  try {
    const bytes = await download(onProgress);
    ended = true;
    tell('done', bytes);
    return bytes;
  } catch (error) {
    ended = true;
    tell(report.signal?.aborted === true ? 'done' : 'failed', done);
    throw error;
  }
}
