// MetadataCache over DatabricksRemote and the in-process emulator (demo seed): a full walk of the
// home folder costs exactly one listing request per folder (with and without prefetch), a warm
// walk within the TTL costs no request at all, and an out-of-band change on the emulator is seen
// once the injected clock passes the TTL.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { MetadataCache } from '../../src/fs/meta/metadata-cache';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { home, startEmulator } from '../support/emulator-fixture';
import { removeFolder, tempFolder, testRemote } from '../support/remote-fixture';

const LISTINGS = ['GET /api/2.0/workspace-files/list-files', 'GET /api/2.0/workspace/list'];

/** Walks the tree breadth-first through readdir and a lookup of every name; returns the folders seen. */
async function walk(cache: MetadataCache): Promise<{ folders: string[]; files: number }> {
  const folders = ['/'];
  let files = 0;
  for (let i = 0; i < folders.length; i++) {
    assert.ok(i < 200, 'the walk ends');
    const folder = folders[i]!;
    const view = await cache.readdir(folder);
    for (const name of view.names) {
      const path = folder === '/' ? `/${name}` : `${folder}/${name}`;
      const found = await cache.lookup(path);
      if (found.presentation.kind === 'DIRECTORY') folders.push(path);
      else files++;
    }
  }
  return { folders, files };
}

describe('MetadataCache against the emulator (demo seed)', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;

  const requests = (): Record<string, number> => emulator.stats.snapshot().requests;
  const listingCount = (): number => LISTINGS.reduce((sum, key) => sum + (requests()[key] ?? 0), 0);
  const allCount = (): number => Object.values(requests()).reduce((sum, n) => sum + n, 0);

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('meta');
    remote = testRemote(emulator, join(dir, 'tmp'));
  });
  beforeEach(() => emulator.stats.reset());
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  for (const prefetchConcurrency of [0, 4]) {
    it(`a walk costs one listing per folder, a warm walk nothing (prefetch ${prefetchConcurrency})`, async () => {
      const clock = { t: 0 };
      const cache = new MetadataCache({ remote, root: home(emulator), now: () => clock.t, prefetchConcurrency });
      const cold = await walk(cache);
      await cache.prefetchIdle();
      assert.ok(cold.folders.length >= 9 && cold.files >= 12, `${cold.folders.length} folders, ${cold.files} files`);
      assert.equal(listingCount(), cold.folders.length, JSON.stringify(requests()));
      assert.equal(allCount(), cold.folders.length, `only listings: ${JSON.stringify(requests())}`);
      assert.ok(cold.folders.includes('/etl'));

      emulator.stats.reset();
      clock.t += 9_000;
      const warm = await walk(cache);
      await cache.prefetchIdle();
      assert.deepEqual(warm, cold);
      assert.equal(allCount(), 0, JSON.stringify(requests()));
      assert.equal(cache.counts().listings, cold.folders.length);
    });
  }

  it('notebooks appear under source names; an out-of-band change is seen after the TTL', async () => {
    const clock = { t: 0 };
    const cache = new MetadataCache({ remote, root: home(emulator), now: () => clock.t, prefetchConcurrency: 0 });
    const rootView = await cache.readdir('/');
    assert.ok(rootView.names.includes('Sales Report.sql'), rootView.names.join(', '));
    assert.deepEqual((await cache.lookup('/Sales Report.sql')).presentation, { kind: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' });
    await assert.rejects(cache.lookup('/README.md/x'), { code: 'ENOTDIR' });
    await assert.rejects(cache.lookup('/late.txt'), { code: 'ENOENT' });
    const before = (await cache.lookup('/README.md')).entry;

    emulator.tree.write(`${home(emulator)}/late.txt`, { kind: 'FILE', content: Buffer.from('hello') });
    emulator.tree.write(`${home(emulator)}/README.md`, { kind: 'FILE', content: Buffer.from('changed readme') });
    emulator.stats.reset();
    clock.t += 9_999;
    await assert.rejects(cache.lookup('/late.txt'), { code: 'ENOENT' }, 'still the cached negative entry');
    assert.equal((await cache.lookup('/README.md')).entry.modifiedAt, before.modifiedAt);
    assert.equal(allCount(), 0);

    clock.t += 1;
    const late = await cache.lookup('/late.txt');
    assert.equal(late.entry.type, 'FILE');
    assert.equal(late.entry.size, 5);
    const after = (await cache.lookup('/README.md')).entry;
    assert.equal(after.size, Buffer.byteLength('changed readme'));
    assert.ok(after.modifiedAt! > before.modifiedAt!);
    assert.equal(after.objectId, before.objectId);
    assert.equal(listingCount(), 1);
    assert.equal(allCount(), 1);
  });

  it('a root that does not exist is ENOENT', async () => {
    const cache = new MetadataCache({ remote, root: `${home(emulator)}/nope`, now: () => 0 });
    await assert.rejects(cache.readdir('/'), { code: 'ENOENT' });
  });
});
