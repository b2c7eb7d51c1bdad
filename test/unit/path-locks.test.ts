// PathLocks: one path's operations run one at a time in arrival order; different paths overlap;
// multi-path holders (rename) wait for each of their paths and never deadlock in opposite order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PathLocks } from '../../src/fs/path-locks';

/** A promise with its resolve function. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('PathLocks', () => {
  it('serialises one path in arrival order and frees it after a failure', async () => {
    const locks = new PathLocks();
    const order: string[] = [];
    const first = gate();
    const a = locks.run(['/a'], async () => {
      order.push('a1 start');
      await first.promise;
      order.push('a1 end');
      throw new Error('boom');
    });
    const b = locks.run(['/a'], async () => {
      order.push('a2');
    });
    await Promise.resolve();
    first.open();
    await assert.rejects(a, /boom/);
    await b;
    assert.deepEqual(order, ['a1 start', 'a1 end', 'a2']);
    assert.equal(locks.isBusy('/a'), false);
  });

  it('lets different paths run in parallel', async () => {
    const locks = new PathLocks();
    const held = gate();
    const slow = locks.run(['/a'], () => held.promise);
    let ran = false;
    await locks.run(['/b'], async () => {
      ran = true;
    });
    assert.equal(ran, true);
    held.open();
    await slow;
  });

  it('two renames in opposite directions both finish', async () => {
    const locks = new PathLocks();
    const order: string[] = [];
    const held = gate();
    const blocker = locks.run(['/x'], () => held.promise);
    const ab = locks.run(['/a', '/b'], async () => {
      order.push('a->b');
    });
    const ba = locks.run(['/b', '/a', '/x'], async () => {
      order.push('b->a');
    });
    await ab;
    held.open();
    await Promise.all([blocker, ba]);
    assert.deepEqual(order, ['a->b', 'b->a']);
  });
});
