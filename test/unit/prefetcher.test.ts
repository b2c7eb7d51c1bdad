// The small-file prefetcher's rules with an injected clock and recorded fetches: the trigger (two
// cold opens in a row within the window; one alone, warm opens or slow ones do nothing), the order
// (files after the opened one first), every limit (file size, files and bytes per trigger, queued
// overall, concurrency), off while inactive, stop dropping the queue, and failures counted, not thrown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prefetcher, type PrefetchCandidate, type PrefetchLimits } from '../../src/fs/cache/prefetcher';
import { Logger } from '../../src/fs/logger';

interface Rig {
  prefetcher: Prefetcher;
  fetched: string[];
  /** Fetches started and not finished yet, by path. */
  pending: Map<string, () => void>;
  maxRunning: () => number;
  clock: { now: number };
  listed: string[];
}

/** A prefetcher over folders of `files` (name -> size); fetches finish when the test says so (`manual`) or at once. */
function rig(folders: Record<string, Record<string, number>>, limits: Partial<PrefetchLimits> = {}, options: { manual?: boolean; active?: () => boolean; failing?: Set<string>; skipping?: Set<string> } = {}): Rig {
  const fetched: string[] = [];
  const pending = new Map<string, () => void>();
  const clock = { now: 1_000 };
  const listed: string[] = [];
  let running = 0;
  let most = 0;
  const candidates = (folder: string): Promise<PrefetchCandidate[]> => {
    listed.push(folder);
    const files = folders[folder] ?? {};
    return Promise.resolve(
      Object.entries(files).map(([name, size]) => {
        const path = `${folder === '/' ? '' : folder}/${name}`;
        return {
          path,
          size,
          fetch: () =>
            new Promise<boolean>((resolve, reject) => {
              running++;
              most = Math.max(most, running);
              const finish = (): void => {
                running--;
                fetched.push(path);
                if (options.failing?.has(path) === true) reject(new Error(`no ${path}`));
                else resolve(options.skipping?.has(path) !== true);
              };
              if (options.manual === true) pending.set(path, finish);
              else queueMicrotask(finish);
            }),
        };
      }),
    );
  };
  const prefetcher = new Prefetcher({ candidates, active: options.active ?? (() => true), now: () => clock.now, logger: new Logger({ level: 'warn', sink: () => undefined }), limits });
  return { prefetcher, fetched, pending, maxRunning: () => most, clock, listed };
}

function files(count: number, size = 100): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${String(i).padStart(3, '0')}.txt`, size]));
}

describe('Prefetcher', () => {
  it('does nothing for one cold open, warm opens, the same file again, or cold opens further apart than the window', async () => {
    const r = rig({ '/a': files(10) }, { windowMs: 2_000 });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', false);
    r.clock.now += 2_001;
    r.prefetcher.noteOpen('/a/f002.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.listed, []);
    assert.deepEqual(r.fetched, []);
    assert.equal(r.prefetcher.stats().triggers, 0);
  });

  it('fetches the folder after the second cold open, the files after the opened one first, not the opened one', async () => {
    const r = rig({ '/a': files(6), '/b': files(3) });
    r.prefetcher.noteOpen('/a/f002.txt', true);
    r.prefetcher.noteOpen('/b/f000.txt', true);
    r.clock.now += 1_500;
    r.prefetcher.noteOpen('/a/f003.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.listed, ['/a'], 'one folder with two cold opens; /b had one');
    assert.deepEqual(r.fetched, ['/a/f004.txt', '/a/f005.txt', '/a/f000.txt', '/a/f001.txt', '/a/f002.txt']);
    assert.deepEqual(r.prefetcher.stats(), { triggers: 1, fetched: 5, failed: 0, skipped: 0, bytes: 500 });
  });

  it('keeps every limit: file size, files and bytes per trigger, queued overall, concurrency', async () => {
    const big = { ...files(5, 100), 'huge.bin': 2_000, 'z-last.txt': 100 };
    const r = rig({ '/a': big }, { maxFileBytes: 1_000, filesPerTrigger: 3 });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.fetched, ['/a/f002.txt', '/a/f003.txt', '/a/f004.txt'], 'three files per trigger, none over the size limit');

    const bytes = rig({ '/a': files(10, 300) }, { bytesPerTrigger: 1_000 });
    bytes.prefetcher.noteOpen('/a/f000.txt', true);
    bytes.prefetcher.noteOpen('/a/f001.txt', true);
    await bytes.prefetcher.idle();
    assert.equal(bytes.fetched.length, 3, '3 × 300 bytes fit in 1000, a fourth does not');

    const slow = rig({ '/a': files(20), '/b': files(20) }, { concurrency: 2, maxQueuedFiles: 12 }, { manual: true });
    slow.prefetcher.noteOpen('/a/f000.txt', true);
    slow.prefetcher.noteOpen('/a/f001.txt', true);
    slow.prefetcher.noteOpen('/b/f000.txt', true);
    slow.prefetcher.noteOpen('/b/f001.txt', true);
    const idle = slow.prefetcher.idle();
    for (let round = 0; round < 50; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (slow.pending.size === 0) break;
      assert.ok(slow.pending.size <= 2, `at most 2 at once (saw ${slow.pending.size})`);
      for (const [path, finish] of [...slow.pending]) {
        slow.pending.delete(path);
        finish();
      }
    }
    await idle;
    assert.equal(slow.maxRunning(), 2);
    assert.equal(slow.fetched.length, 12, 'both triggers together stay within 12 queued files');
  });

  it('while a program walks folders (a trigger within the window), one cold open in the next folder triggers', async () => {
    const r = rig({ '/a': files(3), '/b': files(3), '/c': files(3) });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    await r.prefetcher.idle();
    r.clock.now += 1_000;
    r.prefetcher.noteOpen('/b/f000.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.listed, ['/a', '/b']);
    r.clock.now += 2_001;
    r.prefetcher.noteOpen('/c/f000.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.listed, ['/a', '/b'], 'the walk ended: one cold open alone again does nothing');
  });

  it('starts nothing while inactive (cache off)', async () => {
    const r = rig({ '/a': files(5) }, {}, { active: () => false });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.fetched, []);
  });

  it('drops what is queued on stop and triggers nothing afterwards', async () => {
    const r = rig({ '/a': files(10), '/b': files(10) }, { concurrency: 1 }, { manual: true });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    for (let i = 0; i < 10 && r.pending.size === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(r.pending.size, 1);
    r.prefetcher.stop();
    for (const finish of r.pending.values()) finish();
    await r.prefetcher.idle();
    assert.equal(r.fetched.length, 1, 'only the fetch already running finished');
    r.prefetcher.noteOpen('/b/f000.txt', true);
    r.prefetcher.noteOpen('/b/f001.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.listed, ['/a']);
  });

  it('counts failed and skipped fetches and carries on with the rest', async () => {
    const r = rig({ '/a': files(5) }, {}, { failing: new Set(['/a/f003.txt']), skipping: new Set(['/a/f004.txt']) });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.prefetcher.stats(), { triggers: 1, fetched: 2, failed: 1, skipped: 1, bytes: 200 }, 'four candidates, one failed, one skipped');
  });

  it('triggers the next batch of a large folder once the program opens cold files past the first', async () => {
    const r = rig({ '/a': files(10) }, { filesPerTrigger: 3 });
    r.prefetcher.noteOpen('/a/f000.txt', true);
    r.prefetcher.noteOpen('/a/f001.txt', true);
    await r.prefetcher.idle();
    assert.deepEqual(r.fetched, ['/a/f002.txt', '/a/f003.txt', '/a/f004.txt']);
    // Prefetched files are warm; the program then reaches cold ones again.
    r.prefetcher.noteOpen('/a/f005.txt', true);
    r.prefetcher.noteOpen('/a/f006.txt', true);
    await r.prefetcher.idle();
    assert.equal(r.prefetcher.stats().triggers, 2);
    assert.ok(r.fetched.includes('/a/f007.txt'));
  });
});
