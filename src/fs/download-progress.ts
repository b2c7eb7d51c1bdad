// Progress of one download for the front end (`transfer:progress`, direction `download`): it
// watches the size of the local file the download writes, so every download path of the remote
// client (export, signed URL, resumed or restarted attempts) reports the same way. It owns only
// the ticker and the events; it does not download, and it does not count the cache's statistics.
import { stat } from 'node:fs/promises';
import type { TransferProgressEvent } from '../shared/engine-protocol';

/** How often the size of a running download is told (at most). */
const DOWNLOAD_PROGRESS_EVERY_MS = 250;

/** A transfer update without its event kind. */
export type TransferUpdate = Omit<TransferProgressEvent, 'kind'>;

/**
 * Runs `download` (which writes `target` and resolves with its byte count) and reports it as a
 * download of `path`: `running` at once, the bytes on disk at most every DOWNLOAD_PROGRESS_EVERY_MS,
 * then `done` with the final count (as done and total) or `failed`. `bytesTotal` is `expectedSize` when the workspace
 * listed one, else the bytes so far (a notebook's export has no size before it arrives).
 */
export async function reportDownload(
  transferId: string,
  path: string,
  target: string,
  expectedSize: number | undefined,
  onTransfer: (update: TransferUpdate) => void,
  download: () => Promise<number>,
): Promise<number> {
  let done = 0;
  const tell = (phase: TransferUpdate['phase'], bytes: number): void => {
    const bytesTotal = phase === 'done' ? bytes : Math.max(expectedSize ?? 0, bytes);
    onTransfer({ transferId, direction: 'download', path, phase, bytesDone: bytes, bytesTotal });
  };
  tell('running', 0);
  let finished = false;
  const ticker = setInterval(() => {
    void stat(target).then(
      (info) => {
        // A restarted attempt truncates the file; the count may go back, as for uploads.
        if (finished || info.size === done) return;
        done = info.size;
        tell('running', done);
      },
      () => undefined,
    );
  }, DOWNLOAD_PROGRESS_EVERY_MS);
  ticker.unref();
  try {
    const bytes = await download();
    finished = true;
    tell('done', bytes);
    return bytes;
  } catch (error) {
    finished = true;
    tell('failed', done);
    throw error;
  } finally {
    clearInterval(ticker);
  }
}
