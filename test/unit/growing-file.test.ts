// GrowingFile (src/fs/cache/growing-file.ts) over a real temp file written the way the remote
// client writes it: reads of written bytes answer at once, reads past them wait for progress or
// the end, an attempt that starts over (truncating) never yields a short read, a failure fails
// only the reads of bytes never written, and the end of the content reads as EOF.
import assert from 'node:assert/strict';
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { GrowingFile } from '../../src/fs/cache/growing-file';
import { removeFolder, tempFolder } from '../support/remote-fixture';

const bytes = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251));

/** Whether `promise` is still pending after the event loop ran a few times (nothing here waits on time). */
async function pending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await tick();
  return !settled;
}

describe('GrowingFile', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await tempFolder('growing-file');
  });
  after(async () => {
    await removeFolder(dir);
  });

  /** A GrowingFile read by one handle, attached to a new target, with a writer on that target (as writeBody opens it). */
  async function started(size: number): Promise<{ file: GrowingFile; target: string; writer: FileHandle; data: Buffer; ended: () => boolean }> {
    let ended = false;
    const file = new GrowingFile(size, () => (ended = true));
    file.retain(); // a reading handle (the file's own hold ends with the download)
    const target = join(dir, `t${n++}`);
    await file.attach(target);
    const writer = await open(target, 'r+');
    return { file, target, writer, data: bytes(size, n), ended: () => ended };
  }

  const readAt = async (file: GrowingFile, length: number, position: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, await file.read(buffer, length, position));
  };

  it('answers written bytes at once and waits for the rest', async () => {
    const { file, writer, data } = await started(1000);
    try {
      await writer.write(data, 0, 400, 0);
      file.progress(400);
      assert.deepEqual(await readAt(file, 100, 100), data.subarray(100, 200));
      const later = readAt(file, 200, 300);
      assert.ok(await pending(later), 'a read past the written bytes returned');
      await writer.write(data, 400, 300, 400);
      file.progress(700);
      assert.deepEqual(await later, data.subarray(300, 500));
      const tail = readAt(file, 500, 900);
      assert.ok(await pending(tail));
      await writer.write(data, 700, 300, 700);
      file.progress(1000);
      assert.deepEqual(await tail, data.subarray(900, 1000), 'the bytes up to the listed size are enough');
      const beyond = readAt(file, 10, 1000);
      assert.ok(await pending(beyond), 'a read at the listed size must wait for the end (the content may be longer)');
      file.finish();
      assert.equal((await beyond).length, 0);
      assert.ok(file.complete);
      assert.equal(typeof file.completeDescriptor, 'number');
    } finally {
      await writer.close();
      file.release();
    }
  });

  it('an attempt that starts over empties the file: reads wait again instead of coming back short', async () => {
    const { file, target, writer, data } = await started(600);
    try {
      await writer.write(data, 0, 600, 0);
      file.progress(600);
      assert.equal(file.complete, false, 'not complete before the download ends');
      assert.equal(file.completeDescriptor, undefined);
      // The retry truncates (export opens with 'w') before it reports its first bytes.
      await truncate(target, 0);
      const read = readAt(file, 300, 200);
      assert.ok(await pending(read), 'a read of bytes the restart removed returned short');
      await writer.write(data, 0, 250, 0);
      file.progress(250);
      assert.ok(await pending(read));
      await writer.write(data, 250, 350, 250);
      file.progress(600);
      assert.deepEqual(await read, data.subarray(200, 500));
    } finally {
      await writer.close();
      file.finish();
      file.release();
    }
  });

  it('a failure fails only the reads of bytes never written, waiting ones included', async () => {
    const { file, writer, data, ended } = await started(1000);
    try {
      await writer.write(data, 0, 300, 0);
      file.progress(300);
      const waiting = readAt(file, 100, 500);
      assert.ok(await pending(waiting));
      const failure = new Error('connection reset');
      file.fail(failure);
      assert.ok(ended(), 'the registry was not told');
      await assert.rejects(waiting, failure);
      await assert.rejects(readAt(file, 10, 295), failure);
      assert.deepEqual(await readAt(file, 100, 0), data.subarray(0, 100));
      assert.equal(file.readable, false);
      file.finish();
      await assert.rejects(readAt(file, 100, 500), failure, 'the first end wins');
    } finally {
      await writer.close();
      file.release();
    }
  });

  it('started resolves with the first bytes or the end; a later attach or progress is ignored after the end', async () => {
    const file = new GrowingFile(10);
    let started = false;
    void file.started.then(() => (started = true));
    await file.attach(join(dir, `t${n++}`));
    file.progress(0);
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(started, false, 'started without bytes');
    file.progress(4);
    await file.started;
    file.finish();
    await file.attach(join(dir, `t${n++}`));
    file.progress(2);
    assert.ok(file.complete);
    const empty = new GrowingFile(0);
    empty.finish();
    await empty.started;
    assert.equal(empty.readable, false, 'never attached: nothing to read from');
  });
});
