// VersionMtimes, the persisted store of set file times: kept per version (object id + modified_at)
// across a reload, bounded (the oldest set goes first), written by replacing the file (no temp
// file left behind, a torn temp file ignored), a corrupt or foreign file starts it empty (and is
// replaced by the next save), and versions only tagged as uploaded here stay in memory.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Logger, type LogRecord } from '../../src/fs/logger';
import { VERSION_MTIMES_FORMAT, VersionMtimes } from '../../src/fs/meta/version-mtimes';
import type { RemoteEntry } from '../../src/fs/remote/remote-workspace';

const entry = (objectId: number, modifiedAt: number | undefined, extra: Partial<RemoteEntry> = {}): RemoteEntry => ({
  path: `/Users/a/f${objectId}`,
  type: 'FILE',
  rawType: 'FILE',
  objectId,
  ...(modifiedAt !== undefined && { modifiedAt }),
  ...extra,
});

describe('VersionMtimes', () => {
  let dir: string;
  let n = 0;
  const records: LogRecord[] = [];
  const logger = new Logger({ sink: (record) => records.push(record), level: 'warn' });
  const fileOf = (): string => {
    const state = path.join(dir, `state-${n++}`);
    mkdirSync(state);
    return path.join(state, 'mtimes.json');
  };
  const open = (file: string, limit?: number): VersionMtimes => new VersionMtimes({ file, logger, ...(limit !== undefined && { limit }) });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wsfs-mtimes-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a time per version across a reload; another modified_at of the object is another version', async () => {
    const file = fileOf();
    const store = open(file);
    assert.equal(store.set(entry(7, 1000), 123.5), true);
    assert.equal(store.get(entry(7, 1000)), 123.5);
    assert.equal(store.get(entry(7, 1001)), undefined);
    await store.flush();
    const again = open(file);
    assert.equal(again.get(entry(7, 1000, { path: '/Users/a/renamed' })), 123.5, 'the path is not part of the version');
    assert.equal(again.get(entry(8, 1000)), undefined);
  });

  it('is bounded: past the limit the oldest set goes, also in the file', async () => {
    const file = fileOf();
    const store = open(file, 3);
    for (let i = 1; i <= 5; i++) store.set(entry(i, 1000), i);
    store.set(entry(3, 1000), 33); // set again: the newest now
    store.set(entry(6, 1000), 6);
    assert.equal(store.size, 3);
    await store.flush();
    const again = open(file, 3);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((i) => again.get(entry(i, 1000))), [undefined, undefined, 33, undefined, 5, 6]);
    const stored = JSON.parse(await readFile(file, 'utf8')) as { format: string; versions: unknown[] };
    assert.equal(stored.format, VERSION_MTIMES_FORMAT);
    assert.equal(stored.versions.length, 3);
  });

  it('replaces its file atomically: no temp file stays, a torn temp file of a crashed save is ignored and removed', async () => {
    const file = fileOf();
    const store = open(file);
    store.set(entry(1, 1), 10);
    await store.flush();
    await writeFile(`${file}.deadbeef.tmp`, '{"format":"wsfs-version-mtimes-1","versions":[["1:1",'); // a save cut short
    store.set(entry(2, 2), 20);
    await store.flush();
    assert.deepEqual((await readdir(path.dirname(file))).sort(), ['mtimes.json', 'mtimes.json.deadbeef.tmp'], 'no temp file of its own stays');
    const again = open(file);
    assert.equal(again.get(entry(1, 1)), 10);
    assert.equal(again.get(entry(2, 2)), 20);
    assert.deepEqual(await readdir(path.dirname(file)), ['mtimes.json'], 'the torn temp file is removed at the next start');
  });

  it('a corrupt or foreign file starts empty with a warning, and the next save replaces it', async () => {
    for (const bad of ['{"format":"wsfs-version-mtimes-1","versions":[["1:1",', '{"format":"other","versions":[]}', '{"format":"wsfs-version-mtimes-1","versions":[["1:1","x"]]}', 'null']) {
      const file = fileOf();
      await writeFile(file, bad);
      records.length = 0;
      const store = open(file);
      assert.equal(store.size, 0, bad);
      assert.equal(store.get(entry(1, 1)), undefined);
      assert.ok(records.some((record) => record.level === 'warn' && record.message.includes('not a valid')), bad);
      await store.flush();
      const stored = JSON.parse(await readFile(file, 'utf8')) as { format: string; versions: unknown[] };
      assert.deepEqual(stored, { format: VERSION_MTIMES_FORMAT, versions: [] }, 'replaced by a valid, empty store');
    }
  });

  it('writes a set time within the save delay, taking along times noted for later; a missing folder is a warning, not an error', async () => {
    const file = fileOf();
    const store = new VersionMtimes({ file, logger, saveDelayMs: 10 });
    store.set(entry(1, 1), 11, 'later');
    store.set(entry(2, 2), 22);
    const deadline = Date.now() + 5_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const again = open(file);
    assert.equal(again.get(entry(1, 1)), 11);
    assert.equal(again.get(entry(2, 2)), 22);

    const gone = path.join(dir, 'gone', 'mtimes.json');
    const orphan = open(gone);
    records.length = 0;
    orphan.set(entry(3, 3), 33);
    await orphan.flush();
    assert.ok(records.some((record) => record.level === 'warn' && record.message.includes('kept in memory only')));
    assert.equal(orphan.get(entry(3, 3)), 33);
    assert.equal(existsSync(path.dirname(gone)), false, 'the folder is not made');
  });

  it('keeps times of versions tagged as uploaded here in memory only; a version without modified_at keeps none', async () => {
    const file = fileOf();
    const store = open(file);
    const tagged = entry(9, 5, { localVersion: 4 });
    assert.equal(store.set(tagged, 77), true);
    assert.equal(store.get(tagged), 77);
    assert.equal(store.get(entry(9, 5)), undefined, 'the tag is not the workspace version');
    assert.equal(store.set(entry(10, undefined), 1), false);
    assert.equal(store.get(entry(10, undefined)), undefined);
    await store.flush();
    assert.equal(open(file).get(tagged), undefined);
  });
});
