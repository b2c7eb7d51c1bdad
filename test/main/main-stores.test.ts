// Main's small pure stores and policies: restart back-off, usage history (≤ 1 push per second per
// workspace, bounded by age), the problem log (dedup, notifications for the four notified kinds,
// cleared on remount, bounded).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemLog } from '../../src/main/problem-log';
import { DEFAULT_BACKOFF, restartDelay } from '../../src/main/supervisor/restart-backoff';
import { UsageHistory } from '../../src/main/usage-history';
import type { UsageSample } from '../../src/shared/ipc-contract';
import { ManualClock } from '../support/manual-clock';

function sample(workspaceId: string, at: number): UsageSample {
  return {
    workspaceId,
    at,
    cache: { enabled: true, bytesUsed: at, bytesLimit: 1, files: 0, hits: 0, misses: 0, evictions: 0, bytesFetched: 0 },
    transfers: { uploadsQueued: 0, uploadsInFlight: 0, bytesToUpload: 0, bytesUploaded: 0 },
  };
}

describe('restart back-off', () => {
  it('doubles from the base up to the cap, then gives up', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => restartDelay(DEFAULT_BACKOFF, n));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, undefined, undefined]);
    assert.equal(restartDelay({ ...DEFAULT_BACKOFF, maxAttempts: 20 }, 10), 60_000);
  });
});

describe('usage history', () => {
  it('pushes at most once a second per workspace and forgets old samples', () => {
    const history = new UsageHistory(10_000, 1_000, 100);
    assert.equal(history.add(sample('a', 0)), true);
    assert.equal(history.add(sample('a', 500)), false);
    assert.equal(history.add(sample('b', 500)), true);
    assert.equal(history.add(sample('a', 1_000)), true);
    assert.deepEqual(history.list().map((s) => [s.workspaceId, s.at]), [['a', 0], ['b', 500], ['a', 1_000]]);
    history.add(sample('a', 20_000));
    assert.deepEqual(history.list().map((s) => s.at), [20_000]);
    assert.equal(history.latest('a')?.at, 20_000);
    history.forget('a');
    assert.deepEqual(history.list(), []);
  });
});

describe('problem log', () => {
  it('notifies the four notified kinds, dedups repeats, clears on remount and stays bounded', () => {
    const clock = new ManualClock(1_000);
    const seen: string[] = [];
    const log = new ProblemLog(clock, { raised: (p) => seen.push(`+${p.id}`), cleared: (id) => seen.push(`-${id}`), notify: (title, body) => seen.push(`notify ${title}: ${body}`) }, 3);
    log.raise({ kind: 'upload-failed', path: 'a.py', message: 'Upload of a.py failed.', fix: 'the file is kept in the journal' }, 'ws-1');
    log.raise({ kind: 'upload-failed', path: 'a.py', message: 'Upload of a.py failed.', fix: 'the file is kept in the journal' }, 'ws-1');
    log.raise({ kind: 'cache-disabled', message: 'Cache off: disk full.' }, 'ws-1');
    log.raise({ kind: 'needs-sign-in', message: 'Token expired.' }, 'ws-2');
    assert.deepEqual(seen, ['+p-1', 'notify Upload failed: Upload of a.py failed. The file is kept in the journal.', '+p-2', '+p-3', 'notify Sign-in needed: Token expired.']);
    log.mounted('ws-2');
    assert.deepEqual(log.list().map((p) => p.id), ['p-1', 'p-2']);
    for (let i = 0; i < 3; i++) log.raise({ kind: 'other', message: `other ${i}` });
    assert.deepEqual(log.list().map((p) => p.id), ['p-4', 'p-5', 'p-6']);
    assert.equal(log.dismiss('p-5'), true);
    assert.equal(log.dismiss('p-5'), false);
    assert.equal(log.last()?.problem.message, 'other 2');
  });
});
