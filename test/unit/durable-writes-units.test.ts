// The pieces of durable writes on their own: the write journal's records (round trip, format
// check, leftovers of interrupted writes, the pinned on-disk shape), conflict and unsaved copy
// names, the upload scheduler's back-off (injected timers and randomness), and RemoteHealth
// (one problem per outage, only failures that outlived the retries count).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RemoteError } from '../../src/fs/remote/remote-error';
import { markedCopyName } from '../../src/fs/write/conflict-name';
import { RemoteHealth } from '../../src/fs/write/remote-health';
import { UploadScheduler } from '../../src/fs/write/upload-scheduler';
import { WriteJournal, type JournalRecord } from '../../src/fs/write/write-journal';
import type { Problem } from '../../src/shared/problem';

const RECORD: JournalRecord = {
  format: 1,
  id: 'k1',
  state: 'closed',
  path: '/etl/job.py',
  remotePath: '/Users/a@b.c/etl/job',
  base: { objectId: 42, modifiedAt: 1_700_000_000_000, size: 10 },
  notebook: { language: 'PYTHON', format: 'SOURCE' },
  staging: 'abc-job.py',
  size: 12,
  recordedAt: 1_700_000_000_500,
};

describe('WriteJournal', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'wsfs-journal-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes, replaces, loads (oldest first) and removes records; the on-disk shape is pinned', async () => {
    const journal = new WriteJournal(join(dir, 'a'));
    await journal.write({ ...RECORD, id: 'k2', recordedAt: RECORD.recordedAt + 1, state: 'open' }, false);
    await journal.write({ ...RECORD, state: 'open' }, false);
    await journal.write(RECORD, true);
    const { records, unreadable } = await journal.load();
    assert.deepEqual(unreadable, []);
    assert.deepEqual(records.map((r) => [r.id, r.state]), [['k1', 'closed'], ['k2', 'open']]);
    assert.equal(
      await readFile(join(dir, 'a', 'k1.json'), 'utf8'),
      '{"format":1,"id":"k1","state":"closed","path":"/etl/job.py","remotePath":"/Users/a@b.c/etl/job","base":{"objectId":42,"modifiedAt":1700000000000,"size":10},"notebook":{"language":"PYTHON","format":"SOURCE"},"staging":"abc-job.py","size":12,"recordedAt":1700000000500}',
    );
    await journal.remove('k1');
    await journal.remove('missing');
    assert.deepEqual((await journal.load()).records.map((r) => r.id), ['k2']);
  });

  it('reports records of another format or broken JSON, and deletes leftovers of interrupted writes', async () => {
    const folder = join(dir, 'b');
    const journal = new WriteJournal(folder);
    await journal.write(RECORD, true);
    await writeFile(join(folder, 'future.json'), JSON.stringify({ ...RECORD, id: 'future', format: 2 }));
    await writeFile(join(folder, 'broken.json'), '{"format":1,');
    await writeFile(join(folder, 'escape.json'), JSON.stringify({ ...RECORD, id: 'escape', staging: '../../etc/passwd' }));
    await writeFile(join(folder, 'escape-id.json'), JSON.stringify({ ...RECORD, id: '../../outside' }));
    await writeFile(join(folder, 'k9.json.1234.tmp'), '{');
    const { records, unreadable, claimedByUnreadable } = await journal.load();
    assert.deepEqual(records.map((r) => r.id), ['k1']);
    assert.deepEqual(unreadable.map((f) => f.slice(folder.length + 1)).sort(), ['broken.json', 'escape-id.json', 'escape.json', 'future.json']);
    assert.equal(claimedByUnreadable, undefined, 'broken JSON names no staging file: none may be deleted');
    assert.ok(!(await readdir(folder)).some((name) => name.endsWith('.tmp')));
    await rm(join(folder, 'broken.json'));
    await writeFile(join(folder, 'dot.json'), JSON.stringify({ ...RECORD, id: 'dot', staging: '..' }));
    assert.equal((await journal.load()).claimedByUnreadable, undefined, 'neither does a record naming ".." or a path');
    await rm(join(folder, 'dot.json'));
    await rm(join(folder, 'escape.json'));
    await rm(join(folder, 'escape-id.json'));
    assert.deepEqual((await journal.load()).claimedByUnreadable, [RECORD.staging], 'a record of another format still names its staging file');
  });

  it('new ids are unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => WriteJournal.newId()));
    assert.equal(ids.size, 1000);
  });
});

describe('markedCopyName', () => {
  const date = new Date(2026, 10, 30, 9, 15, 7);
  it('keeps the extension last (so a notebook copy keeps its language); more precision on each attempt', () => {
    assert.equal(markedCopyName('report.py', 'conflict', date), 'report (conflict 2026-11-30 09.15).py');
    assert.equal(markedCopyName('report.py', 'conflict', date, 1), 'report (conflict 2026-11-30 09.15.07).py');
    assert.equal(markedCopyName('report.py', 'conflict', date, 3), 'report (conflict 2026-11-30 09.15.07 3).py');
    assert.equal(markedCopyName('Sales Report.sql', 'conflict', date), 'Sales Report (conflict 2026-11-30 09.15).sql');
    assert.equal(markedCopyName('data.tar.gz', 'conflict', date), 'data.tar (conflict 2026-11-30 09.15).gz');
  });
  it('names without an extension, dot files and trailing dots keep their whole name as the stem', () => {
    assert.equal(markedCopyName('Makefile', 'conflict', date), 'Makefile (conflict 2026-11-30 09.15)');
    assert.equal(markedCopyName('.bashrc', 'conflict', date), '.bashrc (conflict 2026-11-30 09.15)');
    assert.equal(markedCopyName('odd.', 'conflict', date), 'odd. (conflict 2026-11-30 09.15)');
    assert.equal(markedCopyName('job.py', 'unsaved', date), 'job (unsaved 2026-11-30 09.15.07).py');
  });
});

describe('UploadScheduler', () => {
  /** Manual timers: `fire()` runs the earliest pending one. */
  function timers() {
    const pending: Array<{ callback: () => void; ms: number; cancelled: boolean }> = [];
    return {
      pending,
      setTimer: (callback: () => void, ms: number) => {
        const timer = { callback, ms, cancelled: false };
        pending.push(timer);
        return { cancel: () => (timer.cancelled = true) };
      },
      live: () => pending.filter((t) => !t.cancelled),
      fire: () => {
        const next = pending.find((t) => !t.cancelled)!;
        next.cancelled = true;
        next.callback();
      },
    };
  }
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('retries with doubling, capped back-off while work remains; a kick starts over; done means no timer', async () => {
    const clock = timers();
    const outcomes = [true, true, true, true, false];
    let runs = 0;
    const scheduler = new UploadScheduler(async () => outcomes[runs++]!, { baseDelayMs: 100, maxDelayMs: 300, random: () => 0.999, setTimer: clock.setTimer });
    scheduler.kick();
    await settle();
    assert.equal(runs, 1);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      waits.push(clock.live()[0]!.ms);
      clock.fire();
      await settle();
    }
    assert.deepEqual(waits, [99, 199, 299], 'full jitter under 100, 200, then the 300 cap');
    assert.equal(scheduler.consecutiveFailures, 4);
    scheduler.kick();
    await settle();
    assert.equal(runs, 5);
    assert.equal(scheduler.consecutiveFailures, 0);
    assert.equal(clock.live().length, 0);
  });

  it('a kick during a run asks for exactly one more run; soon() waits unless a run is due; stop ends it', async () => {
    const clock = timers();
    let release!: () => void;
    let runs = 0;
    const scheduler = new UploadScheduler(
      () => {
        runs++;
        return new Promise<boolean>((resolve) => (release = () => resolve(false)));
      },
      { setTimer: clock.setTimer },
    );
    scheduler.kick();
    scheduler.kick();
    scheduler.kick();
    release();
    await settle();
    assert.equal(runs, 2);
    release();
    await settle();
    assert.equal(runs, 2);
    scheduler.soon(50);
    scheduler.soon(50);
    assert.equal(clock.live().length, 1);
    assert.equal(clock.live()[0]!.ms, 50);
    clock.fire();
    await settle();
    assert.equal(runs, 3);
    scheduler.stop();
    release();
    await settle();
    scheduler.kick();
    scheduler.soon(10);
    assert.equal(runs, 3);
    assert.equal(clock.live().length, 0);
  });
});

describe('RemoteHealth', () => {
  const exhausted = (kind: 'network' | 'unavailable', attempts = 6): RemoteError =>
    new RemoteError(kind, 'gave up', { attempts, cause: new RemoteError(kind, 'connection refused') });

  it('one disconnected problem per outage, only for failures that outlived the retries; any answer ends it', async () => {
    const problems: Problem[] = [];
    let recovered = 0;
    const health = new RemoteHealth({ now: () => 5, onProblem: (p) => problems.push(p), onRecovered: () => recovered++ });
    health.failed(new RemoteError('network', 'one reset of an upload that is not repeated', { mayHaveApplied: true }));
    health.failed(new RemoteError('not-found', 'gone'));
    health.failed(exhausted('network', 2)); // a 503, then a lost answer of an upload that is not repeated
    health.failed(new Error('local'));
    assert.equal(health.state.kind, 'online');
    health.failed(exhausted('network'));
    health.failed(exhausted('unavailable'));
    assert.deepEqual(problems.map((p) => p.kind), ['disconnected']);
    assert.deepEqual(health.state, { kind: 'disconnected', since: 5, reason: 'gave up' });
    health.succeeded();
    health.succeeded();
    assert.equal(recovered, 1);
    health.failed(exhausted('network'));
    assert.equal(problems.length, 2, 'a new outage is told again');
  });

  it('a refused token is one needs-sign-in problem until new credentials arrive; observe() reports outcomes', async () => {
    const problems: Problem[] = [];
    let recovered = 0;
    const health = new RemoteHealth({ now: () => 1, onProblem: (p) => problems.push(p), onRecovered: () => recovered++ });
    let fail = true;
    const remote = health.observe({
      stat: async () => {
        if (fail) throw new RemoteError('unauthenticated', 'Invalid access token.');
        return { path: '/x', type: 'FILE', rawType: 'FILE', objectId: 1 };
      },
    } as never);
    await assert.rejects(remote.stat('/x'), /Invalid access token/);
    await assert.rejects(remote.stat('/x'), /Invalid access token/);
    assert.deepEqual(problems.map((p) => p.kind), ['needs-sign-in']);
    health.credentialsChanged();
    assert.equal(recovered, 1);
    fail = false;
    assert.equal((await remote.stat('/x')).objectId, 1);
    assert.equal(health.state.kind, 'online');
  });
});
