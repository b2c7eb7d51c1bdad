// reportDownload: transfer events driven by the download's own progress callback (no polling), at
// most one `running` per 250 ms of the injected clock, `done` with the final count, `failed` for
// an error, and `done` (not `failed`) for a download its signal cancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reportDownload, type TransferUpdate } from '../../src/fs/download-progress';

describe('reportDownload', () => {
  const phases = (updates: TransferUpdate[]): string[] => updates.map((u) => `${u.phase}:${u.bytesDone}/${u.bytesTotal}`);

  it('tells running at once, progress at most every 250 ms of the clock, then done with the count', async () => {
    const updates: TransferUpdate[] = [];
    let clock = 0;
    const bytes = await reportDownload({ transferId: 't1', path: '/a.bin', expectedSize: 1000, now: () => clock }, (u) => updates.push(u), async (onProgress) => {
      for (const [at, written] of [[100, 20], [300, 100], [400, 200], [600, 300], [700, 50], [900, 1000]] as const) {
        clock = at;
        onProgress(written);
      }
      return 1000;
    });
    assert.equal(bytes, 1000);
    assert.deepEqual(phases(updates), ['running:0/1000', 'running:100/1000', 'running:300/1000', 'running:1000/1000', 'done:1000/1000']);
    assert.ok(updates.every((u) => u.transferId === 't1' && u.direction === 'download' && u.path === '/a.bin'));
  });

  it('an error is failed at the bytes so far; a cancel by the signal is done, not failed', async () => {
    // A clock that moves 1 s per look: every progress call is told.
    let clock = 0;
    const now = (): number => (clock += 1000);
    const failed: TransferUpdate[] = [];
    const broken = new Error('reset');
    await assert.rejects(
      reportDownload({ transferId: 't2', path: '/b', expectedSize: undefined, now }, (u) => failed.push(u), async (onProgress) => {
        onProgress(40);
        throw broken;
      }),
      (error: unknown) => error === broken,
    );
    assert.deepEqual(phases(failed), ['running:0/0', 'running:40/40', 'failed:40/40']);

    const cancelled: TransferUpdate[] = [];
    const controller = new AbortController();
    const reason = new Error('every reader closed the file');
    await assert.rejects(
      reportDownload({ transferId: 't3', path: '/c', expectedSize: 100, signal: controller.signal, now }, (u) => cancelled.push(u), async (onProgress) => {
        onProgress(10);
        controller.abort(reason);
        throw reason;
      }),
      (error: unknown) => error === reason,
    );
    assert.deepEqual(phases(cancelled), ['running:0/100', 'running:10/100', 'done:10/10']);
  });
});
