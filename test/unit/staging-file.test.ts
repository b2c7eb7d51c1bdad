// StagingFile with a write-through writer connected (docs/fuse-binding.md row 10): size and mtime
// come from the writer's live counters while connected; at disconnect the final counters become
// the file's size, change count and mtime (dirty), and a writer that wrote nothing changes nothing.
// The writer here is a real descriptor written with fs.writeSync, standing in for the binding.
// A working copy that cannot be set up (stat fails after open) leaves neither file nor descriptor.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WriteThroughCounters } from '../../src/fs/filesystem';
import { StagingFile } from '../../src/fs/write/staging-file';

describe('StagingFile with a write-through writer', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wsfs-staging-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the live size and last write time, reads the written bytes, and takes the final counters over', async () => {
    const staging = await StagingFile.create(dir, 'a.txt', undefined, 1000);
    await staging.write(Buffer.from('hello'), 5, 0, 2000); // the first write comes through the engine
    const changesBefore = staging.changes;
    let live: WriteThroughCounters | null = { size: staging.size, writes: 0, modifiedMs: 0 };
    staging.connectWriter(() => live);
    assert.equal(staging.connected, true);
    assert.equal(staging.modifiedAt, 2000, 'no write through the writer yet: the engine write time');

    writeSync(staging.descriptor, Buffer.from(' world, through the binding'), 0, 27, 5);
    live = { size: 32, writes: 1, modifiedMs: 3000.5 };
    assert.equal(staging.size, 32);
    assert.equal(staging.modifiedAt, 3000.5);
    const buffer = Buffer.alloc(64);
    assert.equal(await staging.read(buffer, 64, 0), 32, 'reads see the live size');
    assert.equal(buffer.subarray(0, 32).toString(), 'hello world, through the binding');

    const final = live;
    live = null; // the binding forgot the handle: only the final counters count from now on
    staging.disconnectWriter(final);
    assert.equal(staging.connected, false);
    assert.equal(staging.size, 32);
    assert.equal(staging.changes, changesBefore + 1);
    assert.equal(staging.modifiedAt, 3000.5);
    assert.equal(staging.dirty, true);
    await staging.truncate(11, 4000); // back to engine writes: the length taken over is the base
    assert.equal((await readFile(staging.file)).toString(), 'hello world');
    await staging.discard();
  });

  it('a writer that wrote nothing leaves changes, mtime and dirtiness alone', async () => {
    const staging = await StagingFile.create(dir, 'b.txt', undefined, 1000);
    staging.connectWriter(() => ({ size: 0, writes: 0, modifiedMs: 0 }));
    staging.disconnectWriter({ size: 0, writes: 0, modifiedMs: 0 });
    assert.equal(staging.changes, 0);
    assert.equal(staging.modifiedAt, 1000);
    assert.equal(staging.dirty, false);
    staging.connectWriter(() => null);
    staging.disconnectWriter(null);
    assert.equal(staging.size, 0);
    await staging.discard();
  });

  it('a failed stat after open closes the descriptor and removes the file', async (t) => {
    const sub = await mkdtemp(path.join(dir, 'failing-'));
    const probe = await open(path.join(sub, 'probe'), 'w');
    const prototype = Object.getPrototypeOf(probe) as { stat: () => Promise<unknown> };
    await probe.close();
    await rm(path.join(sub, 'probe'));
    await (await open(path.join(sub, 'kept'), 'w')).close(); // a journaled working copy of an earlier run
    const descriptors = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    const before = await descriptors();
    t.mock.method(prototype, 'stat', () => Promise.reject(Object.assign(new Error('EIO: i/o error, fstat'), { code: 'EIO', syscall: 'fstat' })));
    await assert.rejects(StagingFile.create(sub, 'b.txt', undefined, 1000), /working copy of b\.txt/);
    await assert.rejects(StagingFile.reopen(path.join(sub, 'kept'), 1000), /EIO/);
    t.mock.restoreAll();
    assert.deepEqual(await readdir(sub), ['kept'], 'no partial working copy stays (a reopened one is kept)');
    assert.equal(await descriptors(), before, 'no descriptor leaks');
  });
});
