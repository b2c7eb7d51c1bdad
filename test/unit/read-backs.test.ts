// ReadBacks with fake timers, a recorded folder lister the test resolves, and the real PathLocks:
// one listing per folder for the uploads batched there, before() waiting for a running listing,
// forget() dropping a pending tag, stale tags and other sizes ignored, runUnder and the bounded
// runAll, and a failed listing logged, not thrown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger, type LogRecord } from '../../src/fs/logger';
import { PathLocks } from '../../src/fs/path-locks';
import type { RemoteEntry } from '../../src/fs/remote/remote-workspace';
import { READ_BACK_DELAY_MS, ReadBacks, type ReadBackTimers } from '../../src/fs/write/read-backs';

/** Timers that fire only when the test says so. */
class FakeTimers implements ReadBackTimers {
  private next = 1;
  readonly due = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Fires every timer set so far (not ones they set). */
  fireAll(): void {
    const now = [...this.due];
    for (const [id, { fn }] of now) {
      this.due.delete(id);
      fn();
    }
  }
}

interface Listing {
  folder: string;
  resolve: (entries: RemoteEntry[]) => void;
  reject: (error: Error) => void;
}

interface Rig {
  readBacks: ReadBacks;
  timers: FakeTimers;
  listings: Listing[];
  adopted: Array<{ local: string; tagged: number; real: number }>;
  fresh: Set<string>;
  logs: LogRecord[];
}

function rig(): Rig {
  const timers = new FakeTimers();
  const listings: Listing[] = [];
  const adopted: Rig['adopted'] = [];
  const fresh = new Set<string>();
  const logs: LogRecord[] = [];
  const locks = new PathLocks();
  const readBacks = new ReadBacks({
    list: (folder) => new Promise<RemoteEntry[]>((resolve, reject) => listings.push({ folder, resolve, reject })),
    locked: (local, fn) => locks.run([local], fn),
    isListingFresh: (folder) => fresh.has(folder),
    adopt: (local, tagged, real) => adopted.push({ local, tagged: tagged.localVersion!, real: real.objectId }),
    logger: new Logger({ level: 'debug', sink: (record) => logs.push(record) }),
    timers,
  });
  return { readBacks, timers, listings, adopted, fresh, logs };
}

let nextVersion = 1;
/** A tagged upload of `path` (remote = local here under /ws) with `size` bytes. */
function tagged(path: string, size = 10): RemoteEntry {
  return { path: `/ws${path}`, type: 'FILE', rawType: 'FILE', objectId: 9_000 + nextVersion, modifiedAt: 1_000, size, localVersion: nextVersion++ };
}

/** The listed version of `entry` with object id `objectId`. */
function listed(entry: RemoteEntry, objectId: number, size = entry.size): RemoteEntry {
  return { path: entry.path, type: 'FILE', rawType: 'FILE', objectId, modifiedAt: 2_000, ...(size !== undefined && { size }) };
}

/** Lets pending promise callbacks run (bounded). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('ReadBacks', () => {
  it('lists each folder once for the uploads batched there, after the delay', async () => {
    const { readBacks, timers, listings, adopted } = rig();
    const x = tagged('/a/x');
    const y = tagged('/a/y');
    const z = tagged('/b/z');
    readBacks.schedule('/a/x', x);
    readBacks.schedule('/a/y', y);
    readBacks.schedule('/b/z', z);
    assert.deepEqual(
      [...timers.due.values()].map((timer) => timer.ms),
      [READ_BACK_DELAY_MS, READ_BACK_DELAY_MS],
      'one timer per folder',
    );
    assert.equal(listings.length, 0, 'nothing is listed before the delay');
    assert.equal(readBacks.hasPending(), true);
    timers.fireAll();
    assert.deepEqual(listings.map((listing) => listing.folder).sort(), ['/ws/a', '/ws/b']);
    assert.equal(readBacks.hasPending(), false);
    listings.find((listing) => listing.folder === '/ws/a')!.resolve([listed(x, 1), listed(y, 2)]);
    listings.find((listing) => listing.folder === '/ws/b')!.resolve([listed(z, 3)]);
    await settle();
    assert.deepEqual(adopted.sort((p, q) => p.local.localeCompare(q.local)), [
      { local: '/a/x', tagged: x.localVersion, real: 1 },
      { local: '/a/y', tagged: y.localVersion, real: 2 },
      { local: '/b/z', tagged: z.localVersion, real: 3 },
    ]);
  });

  it('before() starts a pending batch and waits until its listing is applied', async () => {
    const { readBacks, listings, adopted } = rig();
    const x = tagged('/a/x');
    readBacks.schedule('/a/x', x);
    let waited = false;
    const waiting = readBacks.before('/a').then(() => (waited = true));
    await settle();
    assert.equal(listings.length, 1, 'before() lists at once, not after the delay');
    assert.equal(waited, false, 'before() waits for the listing');
    listings[0]!.resolve([listed(x, 7)]);
    await waiting;
    assert.deepEqual(adopted, [{ local: '/a/x', tagged: x.localVersion, real: 7 }]);
  });

  it('before() waits for a batch already running, and skips when the listing is fresh', async () => {
    const { readBacks, timers, listings, adopted, fresh } = rig();
    const x = tagged('/a/x');
    readBacks.schedule('/a/x', x);
    timers.fireAll();
    assert.equal(listings.length, 1);
    let waited = false;
    const waiting = readBacks.before('/a').then(() => (waited = true));
    await settle();
    assert.equal(listings.length, 1, 'no second listing');
    assert.equal(waited, false, 'before() waits for the running listing');
    listings[0]!.resolve([listed(x, 7)]);
    await waiting;
    assert.equal(adopted.length, 1);

    const y = tagged('/a/y');
    readBacks.schedule('/a/y', y);
    fresh.add('/a');
    await readBacks.before('/a');
    assert.equal(listings.length, 1, 'a fresh listing needs no read-back first');
    await readBacks.before('/elsewhere');
    assert.equal(listings.length, 1, 'nothing pending there');
  });

  it('forget() drops a pending tag, and the whole batch with its timer when it was the last', async () => {
    const { readBacks, timers, listings, adopted } = rig();
    const x = tagged('/a/x');
    const y = tagged('/a/y');
    readBacks.schedule('/a/x', x);
    readBacks.schedule('/a/y', y);
    readBacks.forget('/a/x', x);
    assert.equal(timers.due.size, 1, 'the batch still has /a/y');
    readBacks.forget('/a/y', { ...y, localVersion: 999 });
    assert.equal(timers.due.size, 1, 'another tag of /a/y does not drop it');
    timers.fireAll();
    listings[0]!.resolve([listed(x, 1), listed(y, 2)]);
    await settle();
    assert.deepEqual(adopted, [{ local: '/a/y', tagged: y.localVersion, real: 2 }]);

    const z = tagged('/c/z');
    readBacks.schedule('/c/z', z);
    readBacks.forget('/c/z', z);
    assert.equal(timers.due.size, 0, 'the timer of the emptied batch is cleared');
    assert.equal(readBacks.hasPending(), false);
  });

  it('ignores a stale tag (a newer upload of the path came meanwhile) and a listed size that is not ours', async () => {
    const { readBacks, timers, listings, adopted } = rig();
    const first = tagged('/a/x');
    readBacks.schedule('/a/x', first);
    timers.fireAll();
    const second = { ...tagged('/a/x'), size: 20 };
    readBacks.schedule('/a/x', second);
    listings[0]!.resolve([listed(first, 1)]);
    await settle();
    assert.deepEqual(adopted, [], 'the older upload is not the newest version any more');
    timers.fireAll();
    listings[1]!.resolve([listed(second, 2, 21)]);
    await settle();
    assert.deepEqual(adopted, [], 'a listed size other than the saved one is someone else’s version');

    const third = tagged('/a/x');
    readBacks.schedule('/a/x', third);
    timers.fireAll();
    listings[2]!.resolve([listed(third, 3)]);
    await settle();
    assert.deepEqual(adopted, [{ local: '/a/x', tagged: third.localVersion, real: 3 }]);
  });

  it('runUnder() reads back the folder and those under it only', async () => {
    const { readBacks, listings } = rig();
    readBacks.schedule('/a/x', tagged('/a/x'));
    readBacks.schedule('/a/b/y', tagged('/a/b/y'));
    readBacks.schedule('/ab/z', tagged('/ab/z'));
    const running = readBacks.runUnder('/a', 60_000);
    await settle();
    assert.deepEqual(listings.map((listing) => listing.folder), ['/ws/a'], 'one after another');
    listings[0]!.resolve([]);
    await settle();
    assert.deepEqual(listings.map((listing) => listing.folder), ['/ws/a', '/ws/a/b']);
    listings[1]!.resolve([]);
    await running;
    assert.equal(readBacks.hasPending(), true, '/ab is not under /a');
  });

  it('runAll() waits at most its bound; a failed listing is logged, not thrown', async () => {
    const { readBacks, timers, listings, logs } = rig();
    await readBacks.runAll(5_000);
    assert.equal(timers.due.size, 0, 'nothing pending: no bound either');
    readBacks.schedule('/a/x', tagged('/a/x'));
    readBacks.schedule('/b/y', tagged('/b/y'));
    let ended = false;
    const all = readBacks.runAll(5_000).then(() => (ended = true));
    await settle();
    assert.equal(listings.length, 2);
    assert.deepEqual([...timers.due.values()].map((timer) => timer.ms), [5_000]);
    listings[0]!.reject(new Error('boom'));
    await settle();
    assert.equal(ended, false, 'the other listing still runs');
    timers.fireAll();
    await all;
    assert.match(logs.map((record) => record.message).join('\n'), /could not read back uploads in \/a: Error: boom/);
  });
});
