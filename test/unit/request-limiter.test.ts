// RequestLimiter: the concurrency bound (never exceeded, FIFO hand-over) and single-flight sharing
// of identical reads (one execution, shared result or failure, fresh after settling or forget).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAX_CONCURRENT_REQUESTS, RequestLimiter } from '../../src/fs/remote/request-limiter';

/** A promise with its resolve/reject exposed. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('RequestLimiter: concurrency', () => {
  it('defaults to 8 and refuses a bad bound', () => {
    assert.equal(DEFAULT_MAX_CONCURRENT_REQUESTS, 8);
    assert.equal(new RequestLimiter().maxConcurrent, 8);
    assert.throws(() => new RequestLimiter(0), RangeError);
    assert.throws(() => new RequestLimiter(1.5), RangeError);
  });

  it('never runs more than the bound at once, and starts waiters in FIFO order', async () => {
    const limiter = new RequestLimiter(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 10 }, () => deferred());
    const tasks = gates.map((gate, index) =>
      limiter.run(async () => {
        started.push(index);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return index;
      }),
    );
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    assert.deepEqual(limiter.load(), { active: 3, waiting: 7, sharedReads: 0 });
    gates[1]!.resolve();
    await tick();
    assert.deepEqual(started, [0, 1, 2, 3]);
    for (const gate of gates) gate.resolve();
    assert.deepEqual(await Promise.all(tasks), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(peak, 3);
    assert.deepEqual(limiter.load(), { active: 0, waiting: 0, sharedReads: 0 });
  });

  it('frees the slot of a failed task', async () => {
    const limiter = new RequestLimiter(1);
    await assert.rejects(limiter.run(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await limiter.run(async () => 'next'), 'next');
    assert.equal(limiter.load().active, 0);
  });
});

describe('RequestLimiter: single flight', () => {
  it('overlapping calls with one key share one execution and its result', async () => {
    const limiter = new RequestLimiter();
    const gate = deferred<string>();
    let runs = 0;
    const task = (): Promise<string> => {
      runs++;
      return gate.promise;
    };
    const a = limiter.share('stat /x', task);
    const b = limiter.share('stat /x', task);
    const other = limiter.share('stat /y', async () => 'y');
    assert.equal(limiter.load().sharedReads, 2);
    gate.resolve('x');
    assert.deepEqual(await Promise.all([a, b, other]), ['x', 'x', 'y']);
    assert.equal(runs, 1);
    assert.equal(limiter.load().sharedReads, 0);
    assert.equal(await limiter.share('stat /x', async () => 'again'), 'again', 'a settled read is not reused');
  });

  it('shares a failure too', async () => {
    const limiter = new RequestLimiter();
    const gate = deferred<string>();
    const a = limiter.share('k', () => gate.promise);
    const b = limiter.share('k', () => Promise.resolve('never'));
    gate.reject(new Error('down'));
    await assert.rejects(a, /down/);
    await assert.rejects(b, /down/);
  });

  it('forget makes later callers start afresh (after a mutation)', async () => {
    const limiter = new RequestLimiter();
    const first = deferred<string>();
    const a = limiter.share('list /d', () => first.promise);
    limiter.forget((key) => key === 'list /d');
    const b = limiter.share('list /d', async () => 'fresh');
    first.resolve('stale');
    assert.equal(await a, 'stale');
    assert.equal(await b, 'fresh');
  });
});
