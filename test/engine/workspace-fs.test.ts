// WorkspaceFs driven directly over DatabricksRemote and the in-process emulator (demo seed, real
// HTTP): what each operation costs in requests (re-reads and sizes known from a listing are free,
// a notebook's size costs one export that the read then reuses), open-file behaviour (fgetattr,
// O_APPEND, O_EXCL, shared downloads), a failed upload that keeps its staging file, flushAll,
// out-of-band changes after the TTL, and a 12 MiB round trip by sha256 with bounded RSS growth.
import assert from 'node:assert/strict';
import { constants, createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { PROVISIONAL_ID_BASE } from '../../src/fs/inode-numbers';
import { Logger, type LogRecord } from '../../src/fs/logger';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { RemoteError } from '../../src/fs/remote/remote-error';
import type { RemoteWorkspace } from '../../src/fs/remote/remote-workspace';
import { DIRECTORY_MODE, FILE_MODE, type WorkspaceFs } from '../../src/fs/workspace-fs';
import { READ_BACK_DELAY_MS } from '../../src/fs/write/read-backs';
import { home, startEmulator } from '../support/emulator-fixture';
import { MiB, removeFolder, sha256File, tempFolder, testRemote, writeRandomFile } from '../support/remote-fixture';
import { inProcessDriver, workspaceFsFor } from '../conformance/in-process-driver';
import { rejectsWith } from '../conformance/scenarios';
import { createHash } from 'node:crypto';

const EXPORT = 'GET /api/2.0/workspace/export';
const SIGNED_GET = 'GET /__emulator/signed/{token}';

describe('WorkspaceFs against the emulator (demo seed)', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let counter = 0;

  const requests = (): Record<string, number> => emulator.stats.snapshot().requests;
  const total = (): number => Object.values(requests()).reduce((sum, n) => sum + n, 0);
  const downloads = (): number => (requests()[EXPORT] ?? 0) + (requests()[SIGNED_GET] ?? 0);
  /** Every filesystem made, so their background work (uploader, prefetch, cache index) ends before the folder goes. */
  const made: Array<ReturnType<typeof workspaceFsFor>> = [];
  const fresh = (options: Parameters<typeof workspaceFsFor>[3] = {}): WorkspaceFs => {
    const one = workspaceFsFor(emulator, remote, join(dir, `fs-${counter++}`), options);
    made.push(one);
    return one.fs;
  };

  /** The bytes the emulator stores at a mount path. */
  const content = (path: string): Buffer => {
    const node = emulator.tree.find(home(emulator) + path);
    if (node === undefined || !('content' in node)) assert.fail(`${path} is not a file`);
    return node.content;
  };

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('wsfs');
    remote = testRemote(emulator, join(dir, 'tmp'));
  });
  beforeEach(() => {
    emulator.setFeature('workspace-files', true);
    emulator.stats.reset();
  });
  after(async () => {
    for (const { fs } of made) fs.stopBackground();
    await Promise.all(made.map(({ fs }) => fs.prefetchIdle()));
    await Promise.all(made.map(({ cache }) => cache.close()));
    await emulator.stop();
    await removeFolder(dir);
  });

  it('getattr of a file whose size the listing gave downloads nothing; a second read costs zero requests', async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    const listing = await fs.readdir('/');
    const root = emulator.tree.find(home(emulator)) as unknown as { children: Map<string, { kind: string }> };
    const notebooks = [...root.children.values()].filter((node) => node.kind === 'NOTEBOOK').length;
    assert.equal(downloads(), notebooks, `readdir exports the root notebooks for their sizes, no file: ${JSON.stringify(requests())}`);
    const readme = listing.find((entry) => entry.name === 'README.md')!;
    emulator.stats.reset();
    const attributes = await fs.getattr('/README.md');
    assert.equal(total(), 0, JSON.stringify(requests()));
    assert.deepEqual(attributes, readme.attributes);
    assert.equal(attributes.mode, FILE_MODE);
    assert.equal((await fs.getattr('/etl')).mode, DIRECTORY_MODE);
    assert.equal(attributes.ino, emulator.tree.find(`${home(emulator)}/README.md`)!.objectId);
    const first = await driver.readFile('/README.md');
    assert.equal(first.length, attributes.size);
    assert.equal(downloads(), 1);
    emulator.stats.reset();
    assert.deepEqual(await driver.readFile('/README.md'), first);
    assert.equal(total(), 0, `a second read is free: ${JSON.stringify(requests())}`);
  });

  it("a notebook's size costs one export, which the following read reuses", async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    await fs.readdir('/etl');
    emulator.stats.reset();
    const attributes = await fs.getattr('/etl/Ingest.scala');
    assert.equal(total(), 0, 'readdir already exported it');
    const text = await driver.readFile('/etl/Ingest.scala');
    assert.equal(text.length, attributes.size);
    assert.equal(total(), 0, JSON.stringify(requests()));
  });

  it('without sizes in listings, getattr downloads once and the read is free; concurrent opens share one download', async () => {
    emulator.setFeature('workspace-files', false);
    // A remote of its own: the one shared by the other tests must keep using workspace-files.
    const plain = testRemote(emulator, join(dir, 'tmp-plain'));
    const fs = workspaceFsFor(emulator, plain, join(dir, `fs-${counter++}`)).fs;
    const driver = inProcessDriver(fs);
    const [a, b, c] = await Promise.all([fs.getattr('/data/sales.csv'), fs.open('/data/sales.csv', constants.O_RDONLY), fs.open('/data/sales.csv', constants.O_RDONLY)]);
    assert.equal(requests()[EXPORT], 1, JSON.stringify(requests()));
    await fs.release('/data/sales.csv', b);
    await fs.release('/data/sales.csv', c);
    const before = total();
    assert.equal((await driver.readFile('/data/sales.csv')).length, a.size);
    assert.equal(total(), before, 'the read is free');
    emulator.stats.reset();
    await fs.readdir('/data');
    assert.equal(total(), 0, 'and so is the listing with sizes, within the TTL');
  });

  it('after a write the cache knows the new version: getattr and re-read cost nothing', async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    await fs.mkdir('/after-write', 0o755);
    await driver.writeFile('/after-write/f.txt', 'new content');
    await driver.writeFile('/after-write/nb.py', '# Databricks notebook source\nx = 1\n');
    emulator.stats.reset();
    assert.equal((await fs.getattr('/after-write/f.txt')).size, 11);
    assert.equal((await driver.readFile('/after-write/f.txt')).toString(), 'new content');
    assert.equal((await driver.readFile('/after-write/nb.py')).toString(), '# Databricks notebook source\nx = 1\n');
    assert.equal(total(), 0, JSON.stringify(requests()));
  });

  it('seed notebooks in all four languages: read as SOURCE, written back in place, identity kept; a save lists nothing', async () => {
    // Read-backs of earlier tests' saves (one listing each, READ_BACK_DELAY_MS after them) must not
    // be counted against this test's saves, which now also stat for the conflict check.
    await new Promise((resolve) => setTimeout(resolve, READ_BACK_DELAY_MS * 3));
    const fs = fresh();
    const driver = inProcessDriver(fs);
    const seeds = [
      { path: '/Getting Started.py', remote: '/Getting Started', language: 'PYTHON', header: '# Databricks notebook source' },
      { path: '/Sales Report.sql', remote: '/Sales Report', language: 'SQL', header: '-- Databricks notebook source' },
      { path: '/etl/Ingest.scala', remote: '/etl/Ingest', language: 'SCALA', header: '// Databricks notebook source' },
      { path: '/etl/Model.r', remote: '/etl/Model', language: 'R', header: '# Databricks notebook source' },
    ];
    for (const seed of seeds) {
      const node = emulator.tree.find(home(emulator) + seed.remote) as unknown as { objectId: number; kind: string; language: string };
      const text = (await driver.readFile(seed.path)).toString('utf8');
      assert.ok(text.startsWith(`${seed.header}\n`), `${seed.path}: ${text.slice(0, 40)}`);
      await fs.getattr(seed.path);
      emulator.stats.reset();
      await driver.writeFile(seed.path, `${text}\n// changed by wsfs\n`);
      const keys = Object.keys(requests());
      assert.ok(!keys.some((key) => key.includes('list')), `no listing for a save: ${keys.join(', ')}`);
      const after = emulator.tree.find(home(emulator) + seed.remote) as unknown as { objectId: number; kind: string; language: string; content: Buffer };
      assert.equal(after.kind, 'NOTEBOOK');
      assert.equal(after.language, seed.language);
      assert.equal(after.objectId, node.objectId);
      assert.match(after.content.toString('utf8'), /changed by wsfs/);
      assert.match((await driver.readFile(seed.path)).toString('utf8'), /changed by wsfs/);
    }
  });

  it('mtime is the workspace modified_at; utimens sets the time shown and sends nothing (test/engine/workspace-fs-mtime.test.ts has more)', async () => {
    const clock = { t: 1_000_000 };
    const fs = fresh({ now: () => clock.t });
    const before = await fs.getattr('/README.md');
    assert.equal(before.mtimeMs, emulator.tree.find(`${home(emulator)}/README.md`)!.modifiedAt);
    emulator.stats.reset();
    await fs.utimens('/README.md', 5, 5.5);
    await fs.utimens('/README.md', 7, undefined); // atime only (touch -a): nothing shown changes
    await fs.chmod('/README.md', 0o777);
    assert.equal(total(), 0);
    clock.t += 5_000;
    assert.equal((await fs.getattr('/README.md')).mtimeMs, 5.5);
  });

  it('a version uploaded here keeps the mtime shown while it was being written (no jump to the workspace time)', async () => {
    const clock = { t: 1_000_000 };
    const fs = fresh({ now: () => clock.t, ttlMs: 0 });
    await fs.mkdir('/mtime', 0o755);
    const h = await fs.create('/mtime/a', 0o644, constants.O_WRONLY | constants.O_CREAT);
    await fs.write('/mtime/a', h, Buffer.from('abc'), 3, 0);
    const written = (await fs.fgetattr('/mtime/a', h)).mtimeMs;
    assert.equal(written, 1_000_000);
    clock.t += 5_000;
    await fs.flush('/mtime/a', h);
    await fs.release('/mtime/a', h);
    assert.notEqual(emulator.tree.find(`${home(emulator)}/mtime/a`)!.modifiedAt, written, 'the workspace time differs');
    assert.equal((await fs.getattr('/mtime/a')).mtimeMs, written);
    assert.equal((await fs.readdir('/mtime')).find((e) => e.name === 'a')?.attributes.mtimeMs, written, 'after a fresh listing too');
    // A change made elsewhere is a new version: its workspace time shows.
    const other = fresh({ ttlMs: 0 });
    await inProcessDriver(other).writeFile('/mtime/a', 'changed elsewhere');
    const changed = emulator.tree.find(`${home(emulator)}/mtime/a`)!.modifiedAt;
    assert.equal((await fs.getattr('/mtime/a')).mtimeMs, changed);
  });

  it('a plain file save costs one request; a shared listing reads the new versions back; no download before or after', async () => {
    const fs = fresh();
    await fs.mkdir('/batch', 0o755);
    emulator.stats.reset();
    const written = new Map<string, number>();
    let provisionalIno: number | undefined;
    for (const name of ['a', 'b', 'c']) {
      const h = await fs.create(`/batch/${name}`, 0o644, constants.O_WRONLY | constants.O_CREAT);
      await fs.write(`/batch/${name}`, h, Buffer.from(`content ${name}`), 9, 0);
      written.set(name, (await fs.fgetattr(`/batch/${name}`, h)).mtimeMs);
      if (name === 'a') provisionalIno = (await fs.fgetattr(`/batch/${name}`, h)).ino;
      await fs.release(`/batch/${name}`, h);
    }
    // (A listing may show up here: a read-back of another test's saves, or of these under a slow host.)
    const noStat = (): boolean => Object.keys(requests()).every((key) => !key.includes('get-status') && !key.includes('object-info'));
    assert.equal(requests()['POST /api/2.0/workspace-files/import-file/{path}'], 3);
    assert.ok(noStat(), `no stat per save: ${JSON.stringify(requests())}`);
    const readAll = async (): Promise<void> => {
      for (const name of ['a', 'b', 'c']) {
        const h = await fs.open(`/batch/${name}`, constants.O_RDONLY);
        const buffer = Buffer.alloc(64);
        const n = await fs.read(`/batch/${name}`, h, buffer, 64, 0);
        await fs.release(`/batch/${name}`, h);
        assert.equal(buffer.subarray(0, n).toString(), `content ${name}`);
        assert.equal((await fs.getattr(`/batch/${name}`)).mtimeMs, written.get(name));
      }
    };
    await readAll();
    assert.equal(downloads(), 0, 'the working copy is the content of the version not read back yet');
    await new Promise((resolve) => setTimeout(resolve, READ_BACK_DELAY_MS + 200));
    // Uploads within READ_BACK_DELAY_MS of each other share one listing (more under a slow test host).
    const listings = requests()['GET /api/2.0/workspace-files/list-files'] ?? 0;
    assert.ok(listings >= 1 && noStat(), `listings read the versions back, no stat: ${JSON.stringify(requests())}`);
    assert.ok(emulator.tree.find(`${home(emulator)}/batch/a`)!.objectId < PROVISIONAL_ID_BASE);
    assert.ok(provisionalIno !== undefined && provisionalIno >= PROVISIONAL_ID_BASE);
    assert.equal((await fs.getattr('/batch/a')).ino, provisionalIno, 'a created file keeps the number it was written with after the read-back');
    emulator.stats.reset();
    await readAll();
    assert.equal(total(), 0, `after the read-back too: ${JSON.stringify(requests())}`);
  });

  it('a file created here keeps its inode number when renamed before its read-back (temp + rename, git index.lock), also inside a moved folder', async () => {
    const clock = { t: Date.now() };
    const fs = fresh({ now: () => clock.t, ttlMs: 10_000 });
    const created = async (path: string): Promise<number> => {
      const h = await fs.create(path, 0o644, constants.O_WRONLY | constants.O_CREAT);
      await fs.write(path, h, Buffer.from('index'), 5, 0);
      const ino = (await fs.fgetattr(path, h)).ino!;
      await fs.release(path, h);
      assert.ok(ino >= PROVISIONAL_ID_BASE, 'a provisional number while written');
      return ino;
    };
    await fs.mkdir('/keep-ino', 0o755);
    await fs.mkdir('/keep-ino/sub', 0o755);
    const lock = await created('/keep-ino/index.lock');
    const inner = await created('/keep-ino/sub/a');
    await fs.rename('/keep-ino/index.lock', '/keep-ino/index');
    await fs.rename('/keep-ino/sub', '/keep-ino/moved');
    assert.equal((await fs.getattr('/keep-ino/index')).ino, lock, 'right after the rename');
    await fs.saveTimes(); // every pending read-back is done
    clock.t += 10_001; // the listings are listed anew
    assert.equal((await fs.getattr('/keep-ino/index')).ino, lock, 'after the read-back and a fresh listing');
    assert.equal((await fs.getattr('/keep-ino/moved/a')).ino, inner, 'a file in a moved folder too');
    assert.deepEqual(
      (await fs.readdir('/keep-ino/moved')).map((e) => e.attributes.ino),
      [inner],
    );
  });

  it('open files: fgetattr sees unflushed writes, O_APPEND appends, O_EXCL refuses, reads see the working copy', async () => {
    const fs = fresh();
    await fs.mkdir('/open', 0o755);
    const h = await fs.create('/open/a', 0o644, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL);
    assert.deepEqual((await fs.readdir('/open')).map((e) => e.name), ['a'], 'a created file is visible at once');
    await fs.write('/open/a', h, Buffer.from('12345'), 5, 0);
    assert.equal((await fs.fgetattr('/open/a', h)).size, 5);
    assert.equal((await fs.getattr('/open/a')).size, 5);
    const buffer = Buffer.alloc(10);
    assert.equal(await fs.read('/open/a', h, buffer, 10, 1), 4);
    assert.equal(buffer.subarray(0, 4).toString(), '2345');
    await fs.release('/open/a', h);
    await rejectsWith(fs.create('/open/a', 0o644, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL), 'EEXIST');
    const appender = await fs.open('/open/a', constants.O_WRONLY | constants.O_APPEND);
    await fs.write('/open/a', appender, Buffer.from('67'), 2, 0);
    await fs.release('/open/a', appender);
    assert.equal(content(`/open/a`).toString(), '1234567');
    await rejectsWith(fs.open('/open', constants.O_RDWR), 'EISDIR');
  });

  it('renaming over a file created here and not uploaded yet replaces it locally', async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    await fs.mkdir('/pending', 0o755);
    await driver.writeFile('/pending/source', 'saved');
    const h = await fs.create('/pending/target', 0o644, constants.O_WRONLY | constants.O_CREAT);
    await fs.write('/pending/target', h, Buffer.from('never saved'), 11, 0);
    await fs.rename('/pending/source', '/pending/target');
    await fs.release('/pending/target', h);
    assert.equal(content('/pending/target').toString(), 'saved');
    assert.deepEqual((await fs.readdir('/pending')).map((e) => e.name), ['target']);
    assert.equal((await driver.readFile('/pending/target')).toString(), 'saved');
  });

  it('an out-of-band change is read once the listing is older than the TTL', async () => {
    const clock = { t: 0 };
    const fs = fresh({ now: () => clock.t, ttlMs: 10_000 });
    const driver = inProcessDriver(fs);
    await fs.mkdir('/oob', 0o755);
    await driver.writeFile('/oob/f', 'mine');
    emulator.tree.write(`${home(emulator)}/oob/f`, { kind: 'FILE', content: Buffer.from('theirs!') });
    assert.equal((await driver.readFile('/oob/f')).toString(), 'mine', 'within the TTL');
    clock.t += 10_001;
    assert.equal((await fs.getattr('/oob/f')).size, 7);
    assert.equal((await driver.readFile('/oob/f')).toString(), 'theirs!');
  });

  it('a failed upload keeps the staging file, says where, and reports an errno; flushAll uploads it later', async () => {
    let failing = true;
    const flaky: RemoteWorkspace = new Proxy(remote, {
      get(target, property, receiver) {
        if (property === 'upload' && failing) return () => Promise.reject(new RemoteError('permission', 'no write access'));
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const records: LogRecord[] = [];
    const logger = new Logger({ sink: (record) => records.push(record), level: 'warn' });
    const { fs } = workspaceFsFor(emulator, flaky, join(dir, `fs-${counter++}`), { logger });
    await remote.mkdirs(`${home(emulator)}/failing`);
    const h = await fs.create('/failing/kept.txt', 0o644, constants.O_WRONLY | constants.O_CREAT);
    await fs.write('/failing/kept.txt', h, Buffer.from('precious'), 8, 0);
    await rejectsWith(fs.flush('/failing/kept.txt', h), 'EACCES');
    await rejectsWith(fs.release('/failing/kept.txt', h), 'EACCES');
    const warning = records.find((record) => record.level === 'warn' && typeof record.fields?.staging === 'string');
    assert.ok(warning !== undefined, JSON.stringify(records));
    assert.equal(await readFile(warning.fields!.staging as string, 'utf8'), 'precious');
    assert.equal((await fs.getattr('/failing/kept.txt')).size, 8, 'still visible with its content');
    await rejectsWith(fs.flushAll(), 'EACCES');
    failing = false;
    await fs.flushAll();
    assert.equal(content(`/failing/kept.txt`).toString(), 'precious');
  });

  it('a truncate by path uploads at once; a rename of a folder keeps files open in it', async () => {
    const fs = fresh();
    const driver = inProcessDriver(fs);
    await fs.mkdir('/trunc', 0o755);
    await driver.writeFile('/trunc/f', 'abcdef');
    await fs.truncate('/trunc/f', 3);
    assert.equal(content(`/trunc/f`).toString(), 'abc');
    const h = await fs.open('/trunc/f', constants.O_WRONLY);
    await fs.write('/trunc/f', h, Buffer.from('X'), 1, 3);
    const reader = await fs.open('/trunc/f', constants.O_RDONLY);
    await fs.rename('/trunc', '/moved');
    await fs.release('/moved/f', h);
    assert.equal(content(`/moved/f`).toString(), 'abcX');
    // A handle opened before the move reads the moved file.
    const buffer = Buffer.alloc(8);
    assert.equal(await fs.read('/moved/f', reader, buffer, 8, 0), 4);
    assert.equal(buffer.subarray(0, 4).toString(), 'abcX');
    const writer = await fs.open('/moved/f', constants.O_RDWR);
    await fs.write('/moved/f', writer, Buffer.from('Y'), 1, 4);
    await fs.release('/moved/f', writer);
    await fs.release('/moved/f', reader);
    assert.equal(content(`/moved/f`).toString(), 'abcXY');
  });

  it('local-only clutter is gone after the next start', async () => {
    const stateDir = join(dir, `fs-${counter++}`);
    const first = workspaceFsFor(emulator, remote, stateDir).fs;
    await inProcessDriver(first).writeFile('/.DS_Store', 'x');
    assert.ok((await first.readdir('/')).some((entry) => entry.name === '.DS_Store'));
    const second = workspaceFsFor(emulator, remote, stateDir).fs;
    await rejectsWith(second.getattr('/.DS_Store'), 'ENOENT');
    assert.equal(((await stat(join(stateDir, 'state'))).mode & 0o777).toString(8), '700');
    assert.ok((await readdir(join(stateDir, 'state'))).includes('local-only'));
  });

  it('12 MiB round trip by sha256 with bounded RSS growth', async () => {
    const fs = fresh();
    const source = join(dir, 'big.bin');
    const hash = await writeRandomFile(source, 12 * MiB);
    await fs.mkdir('/big', 0o755);
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const h = await fs.create('/big/big.bin', 0o644, constants.O_WRONLY | constants.O_CREAT);
    let position = 0;
    for await (const chunk of createReadStream(source, { highWaterMark: 128 * 1024 })) {
      const piece = chunk as Buffer;
      await fs.write('/big/big.bin', h, piece, piece.length, position);
      position += piece.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    await fs.release('/big/big.bin', h);
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal((await fs.getattr('/big/big.bin')).size, 12 * MiB);
    // Read back through a fresh filesystem, so the bytes really come from the workspace.
    const reader = fresh();
    const r = await reader.open('/big/big.bin', constants.O_RDONLY);
    const digest = createHash('sha256');
    const buffer = Buffer.alloc(128 * 1024);
    for (let offset = 0; ; ) {
      const count = await reader.read('/big/big.bin', r, buffer, buffer.length, offset);
      if (count === 0) break;
      digest.update(buffer.subarray(0, count));
      offset += count;
    }
    await reader.release('/big/big.bin', r);
    peak = Math.max(peak, process.memoryUsage().rss);
    assert.equal(digest.digest('hex'), hash);
    assert.equal(await sha256File(source), hash);
    // The in-process emulator itself holds the 12 MiB (and a copy while storing it).
    const growth = (peak - rssBefore) / MiB;
    assert.ok(growth < 64, `RSS grew by ${growth.toFixed(1)} MiB`);
  });
});
