// Set file times (utimens) in WorkspaceFs over DatabricksRemote and the in-process emulator, with
// an injected clock for the TTL: a set time outlives fresh listings (after the TTL) and a new
// engine on the same state folder; rsync's pattern (temp file, close, utimens, rename over the
// target) keeps it with the rename endpoint and with the copy + delete fallback; a time set while
// a file is open for writing goes to the version its upload makes (sync and background uploads);
// notebooks keep it too; an out-of-band change shows the workspace's time again; flushAll writes
// the times its own uploads made; utimens of a local-only file waits for a rename queued first.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { VERSION_MTIMES_FILE } from '../../src/fs/meta/version-mtimes';
import type { WorkspaceFs } from '../../src/fs/workspace-fs';
import { home, startEmulator } from '../support/emulator-fixture';
import { removeFolder, tempFolder, testRemote } from '../support/remote-fixture';
import { inProcessDriver, uploadsSettled, workspaceFsFor } from '../conformance/in-process-driver';

const TTL_MS = 10_000;
const SET = Date.UTC(2020, 0, 2, 3, 4, 5, 678) + 0.25;

describe('WorkspaceFs: set file times', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let counter = 0;
  const clock = { t: 1_000_000 };
  const stateOf = (n: number): string => join(dir, `fs-${n}`);
  /** Every WorkspaceFs made, so that their pending time saves end before the folder is removed. */
  const made: WorkspaceFs[] = [];
  const track = (fs: WorkspaceFs): WorkspaceFs => {
    made.push(fs);
    return fs;
  };
  const fresh = (options: Parameters<typeof workspaceFsFor>[3] = {}, n = counter++): WorkspaceFs =>
    track(workspaceFsFor(emulator, remote, stateOf(n), { now: () => clock.t, ttlMs: TTL_MS, ...options }).fs);
  const afterTtl = (): void => {
    clock.t += TTL_MS + 1;
  };
  /** The set times engine `n` wrote to its state folder. */
  const storedTimes = async (n: number): Promise<{ versions: [string, number][] }> =>
    JSON.parse(await readFile(join(stateOf(n), 'state', VERSION_MTIMES_FILE), 'utf8')) as { versions: [string, number][] };
  const modifiedAt = (path: string): number => emulator.tree.find(home(emulator) + path)!.modifiedAt;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('mtime');
    remote = testRemote(emulator, join(dir, 'tmp'));
  });
  beforeEach(() => {
    emulator.stats.reset();
  });
  after(async () => {
    await Promise.all(made.map((fs) => fs.saveTimes()));
    await emulator.stop();
    await removeFolder(dir);
  });

  it('a set time shows after the listing is refreshed and in a new engine on the same state folder; an out-of-band change shows the workspace time', async () => {
    const n = counter++;
    const fs = fresh({}, n);
    const driver = inProcessDriver(fs);
    await fs.mkdir('/keep', 0o755);
    await driver.writeFile('/keep/a.txt', 'a');
    await fs.utimens('/keep/a.txt', SET, SET);
    assert.equal((await fs.getattr('/keep/a.txt')).mtimeMs, SET);
    afterTtl();
    assert.equal((await fs.getattr('/keep/a.txt')).mtimeMs, SET, 'after a new listing');
    assert.equal((await fs.readdir('/keep')).find((e) => e.name === 'a.txt')?.attributes.mtimeMs, SET);
    await fs.saveTimes();
    const stored = await storedTimes(n);
    assert.ok(stored.versions.some(([, mtime]) => mtime === SET), JSON.stringify(stored));

    const again = fresh({}, n);
    assert.equal((await again.getattr('/keep/a.txt')).mtimeMs, SET, 'a new engine on the same state folder');

    emulator.tree.write(`${home(emulator)}/keep/a.txt`, { kind: 'FILE', content: Buffer.from('theirs') });
    afterTtl();
    assert.equal((await again.getattr('/keep/a.txt')).mtimeMs, modifiedAt('/keep/a.txt'), 'a version made elsewhere shows its own time');
  });

  for (const rename of [true, false]) {
    it(`rsync's pattern keeps the set time over a refreshed listing (rename endpoint ${rename ? 'on' : 'off'})`, async () => {
      emulator.setFeature('rename', rename);
      const own = testRemote(emulator, join(dir, `tmp-${counter}`));
      const fs = track(workspaceFsFor(emulator, own, stateOf(counter++), { now: () => clock.t, ttlMs: TTL_MS }).fs);
      const driver = inProcessDriver(fs);
      const folder = `/rsync-${String(rename)}`;
      try {
        await fs.mkdir(folder, 0o755);
        await driver.writeFile(`${folder}/f.txt`, 'old');
        for (const [i, name] of ['f.txt', 'g.txt'].entries()) {
          const temp = `${folder}/.${name}.Ab12Cd`;
          await driver.writeFile(temp, `new ${name}`);
          await fs.utimens(temp, SET + i, SET + i);
          await fs.rename(temp, `${folder}/${name}`);
          assert.equal((await fs.getattr(`${folder}/${name}`)).mtimeMs, SET + i);
        }
        const uploads = emulator.stats.snapshot().requests;
        afterTtl();
        for (const [i, name] of ['f.txt', 'g.txt'].entries()) {
          assert.equal((await fs.getattr(`${folder}/${name}`)).mtimeMs, SET + i, `${name} after a new listing`);
          assert.equal((await driver.readFile(`${folder}/${name}`)).toString(), `new ${name}`);
        }
        const downloads = (emulator.stats.snapshot().requests['GET /api/2.0/workspace/export'] ?? 0) - (uploads['GET /api/2.0/workspace/export'] ?? 0);
        assert.equal(downloads, 0, 'the uploaded copies are still the cached content');
      } finally {
        emulator.setFeature('rename', true);
      }
    });
  }

  it('mv of a file read back long ago keeps its set time on a workspace without the rename endpoint (a copy: a new object)', async () => {
    emulator.setFeature('rename', false);
    const own = testRemote(emulator, join(dir, `tmp-${counter}`));
    const fs = track(workspaceFsFor(emulator, own, stateOf(counter++), { now: () => clock.t, ttlMs: TTL_MS }).fs);
    const driver = inProcessDriver(fs);
    try {
      await fs.mkdir('/mv-copy', 0o755);
      await driver.writeFile('/mv-copy/a.txt', 'a');
      afterTtl();
      await fs.utimens('/mv-copy/a.txt', SET, SET);
      const before = emulator.tree.find(`${home(emulator)}/mv-copy/a.txt`)!.objectId;
      await fs.rename('/mv-copy/a.txt', '/mv-copy/b.txt');
      assert.notEqual(emulator.tree.find(`${home(emulator)}/mv-copy/b.txt`)!.objectId, before, 'copied, not moved');
      afterTtl();
      assert.equal((await fs.getattr('/mv-copy/b.txt')).mtimeMs, SET);
    } finally {
      emulator.setFeature('rename', true);
    }
  });

  for (const uploadMode of ['sync', 'background'] as const) {
    it(`a time set while open for writing goes to the uploaded version; a later write replaces it (${uploadMode} uploads)`, async () => {
      const fs = fresh({ uploadMode });
      const driver = inProcessDriver(fs);
      const folder = `/open-${uploadMode}`;
      await fs.mkdir(folder, 0o755);
      // cp -p: create, write, set the time, close.
      const file = await driver.open(`${folder}/copied.bin`, 'w');
      await file.write('copied', 0);
      await fs.utimens(`${folder}/copied.bin`, SET, SET);
      assert.equal((await fs.getattr(`${folder}/copied.bin`)).mtimeMs, SET);
      await file.close();
      await uploadsSettled(fs);
      // Set, then written again: the write's time.
      const rewritten = await driver.open(`${folder}/rewritten.txt`, 'w');
      await rewritten.write('one', 0);
      await fs.utimens(`${folder}/rewritten.txt`, SET, SET);
      clock.t += 1_000;
      const wroteAt = clock.t;
      await rewritten.write('two', 3);
      await rewritten.close();
      await uploadsSettled(fs);
      afterTtl();
      assert.equal((await fs.getattr(`${folder}/copied.bin`)).mtimeMs, SET);
      assert.equal((await fs.getattr(`${folder}/rewritten.txt`)).mtimeMs, wroteAt, 'the last write time, not the set one');
      assert.equal(emulator.tree.find(`${home(emulator)}${folder}/copied.bin`)?.kind, 'FILE');
    });
  }

  it('a notebook keeps a set time until it is saved again; folders keep theirs', async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    await fs.mkdir('/nb', 0o755);
    await driver.writeFile('/nb/n.py', '# Databricks notebook source\nprint(1)\n');
    assert.equal(emulator.tree.find(`${home(emulator)}/nb/n`)?.kind, 'NOTEBOOK');
    await fs.utimens('/nb/n.py', SET, SET);
    afterTtl();
    assert.equal((await fs.getattr('/nb/n.py')).mtimeMs, SET);
    await driver.writeFile('/nb/n.py', '# Databricks notebook source\nprint(2)\n');
    assert.equal((await fs.getattr('/nb/n.py')).mtimeMs, clock.t, 'a save through the mount shows the write time');
    const folder = (await fs.getattr('/nb')).mtimeMs;
    await fs.utimens('/nb', SET, SET);
    assert.equal((await fs.getattr('/nb')).mtimeMs, folder);
  });

  it('flushAll (unmount) writes the times of the versions its own uploads made', async () => {
    const n = counter++;
    const fs = fresh({}, n);
    const driver = inProcessDriver(fs);
    await fs.mkdir('/flush-times', 0o755);
    await driver.writeFile('/flush-times/n.py', '# Databricks notebook source\nprint(1)\n');
    const h = await fs.open('/flush-times/n.py', constants.O_WRONLY);
    const text = Buffer.from('# Databricks notebook source\nprint(22)\n');
    await fs.write('/flush-times/n.py', h, text, text.length, 0);
    await fs.utimens('/flush-times/n.py', SET, SET); // goes to the version the upload makes
    await fs.flushAll();
    const node = emulator.tree.find(`${home(emulator)}/flush-times/n`)!;
    const stored = await storedTimes(n);
    assert.deepEqual(
      stored.versions.filter(([key]) => key === `${node.objectId}:${node.modifiedAt}`),
      [[`${node.objectId}:${node.modifiedAt}`, SET]],
      'written by flushAll itself, not by a save after it',
    );
    await fs.release('/flush-times/n.py', h);
  });

  it('utimens of a local-only file runs under its lock: after a rename queued first it fails with ENOENT, the moved file keeps its time', async () => {
    const fs = fresh();
    await fs.mkdir('/lo', 0o755);
    const h = await fs.create('/lo/.DS_Store', 0o644, constants.O_WRONLY | constants.O_CREAT);
    await fs.release('/lo/.DS_Store', h);
    const before = (await fs.getattr('/lo/.DS_Store')).mtimeMs;
    const renamed = fs.rename('/lo/.DS_Store', '/lo/._moved');
    const touched = fs.utimens('/lo/.DS_Store', SET, SET);
    await renamed;
    await assert.rejects(touched, (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
    assert.equal((await fs.getattr('/lo/._moved')).mtimeMs, before);
  });

  it('utimens of a missing path fails with ENOENT', async () => {
    const fs = fresh();
    await assert.rejects(fs.utimens('/no/such', SET, SET), (error: NodeJS.ErrnoException) => error.code === 'ENOENT');
  });
});
