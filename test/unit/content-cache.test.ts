// ContentCache on real temp folders: one download per version shared by concurrent callers, the
// index across restarts, LRU eviction under the limit that skips pinned entries, the free-space
// guard (injected probe), checksums (corrupt or missing copies are fetched again), on/off, clear,
// disk full, and the permission bits of what it writes.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContentCache, type ContentCacheOptions } from '../../src/fs/cache/content-cache';
import type { ContentFingerprint } from '../../src/fs/cache/content-fingerprint';
import { silentLogger } from '../../src/fs/logger';
import type { CacheDisabledProblem } from '../../src/shared/problem';
import { removeFolder, tempFolder } from '../support/remote-fixture';

const v = (objectId: number, modifiedAt = 100, format: ContentFingerprint['format'] = 'RAW'): ContentFingerprint => ({ objectId, modifiedAt, format });

/** A download writing `content` and counting its calls. */
function source(content: string | (() => string)): { download: (target: string) => Promise<void>; calls: () => number } {
  let calls = 0;
  return {
    download: async (target) => {
      calls++;
      await writeFile(target, typeof content === 'string' ? content : content());
    },
    calls: () => calls,
  };
}

/** Waits (at most 500 ms) for `file` to be deleted (a release deletes without awaiting), then asserts it is. */
async function gone(file: string): Promise<void> {
  for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(existsSync(file), false, `${file} is deleted`);
}

/** Asserts `cache` serves `fingerprint` with `content` and no download. */
async function servedWithoutDownload(cache: ContentCache, fingerprint: ContentFingerprint, content: string): Promise<void> {
  const lease = await cache.acquire(fingerprint, () => Promise.reject(new Error(`no download expected for ${fingerprint.objectId}`)));
  try {
    assert.equal(await readFile(lease.file, 'utf8'), content);
  } finally {
    lease.release();
  }
}

describe('ContentCache', () => {
  let dir: string;
  let n = 0;
  const problems: CacheDisabledProblem[] = [];
  let clock = 1_000;
  const make = (name: string, options: Partial<ContentCacheOptions> = {}): ContentCache =>
    new ContentCache({
      dir: join(dir, name, 'cache'),
      transientDir: join(dir, name, 'transient'),
      workspace: 'https://a.example.com',
      enabled: true,
      minFreeBytes: 0,
      now: () => clock++,
      logger: silentLogger(),
      onProblem: (problem) => problems.push(problem),
      ...options,
    });
  const fresh = (options: Partial<ContentCacheOptions> = {}): { cache: ContentCache; name: string } => {
    const name = `c${n++}`;
    return { cache: make(name, options), name };
  };

  before(async () => {
    dir = await tempFolder('content-cache');
  });
  after(() => removeFolder(dir));

  it('shares one download between concurrent callers, then serves hits; counts both', async () => {
    const { cache } = fresh();
    const bytes = source('bytes');
    const [x, y] = await Promise.all([cache.acquire(v(7), bytes.download), cache.acquire(v(7), bytes.download)]);
    assert.equal(bytes.calls(), 1);
    assert.equal(x.file, y.file);
    assert.equal(x.size, 5);
    x.release();
    y.release();
    const z = await cache.acquire(v(7), bytes.download);
    assert.equal(await readFile(z.file, 'utf8'), 'bytes');
    z.release();
    assert.equal(bytes.calls(), 1);
    assert.deepEqual(cache.usage(), { enabled: true, bytesUsed: 5, bytesLimit: 5 * 1024 ** 3, files: 1, hits: 1, misses: 2, evictions: 0, bytesFetched: 5 });
  });

  it('leaves nothing after a failed download; a newer version replaces the older file once unpinned', async () => {
    const { cache, name } = fresh();
    await assert.rejects(
      cache.acquire(v(8), async (target) => {
        await writeFile(target, 'partial');
        throw new Error('broken');
      }),
      /broken/,
    );
    assert.deepEqual(await readdir(join(dir, name, 'cache', 'data')), []);
    const old = await cache.acquire(v(8), source('one').download);
    const staged = join(dir, name, 'staged');
    await writeFile(staged, 'two!');
    await cache.adopt(v(8, 200), staged);
    assert.equal(existsSync(staged), false, 'adopt moves the file');
    assert.equal(await readFile(old.file, 'utf8'), 'one', 'an open copy stays readable');
    old.release();
    assert.equal(cache.sizeOf(v(8, 200)), 4);
    assert.deepEqual(cache.usage().files, 1);
    await gone(old.file);
  });

  it('adopts a working copy from another file system (copied, then the original removed)', { skip: !existsSync('/dev/shm') && 'needs /dev/shm (a tmpfs) as a second file system' }, async () => {
    const { cache } = fresh();
    const staged = join('/dev/shm', `wsfs-adopt-${process.pid}-${n}`);
    await writeFile(staged, 'from elsewhere');
    await cache.adopt(v(40), staged);
    assert.equal(existsSync(staged), false);
    await servedWithoutDownload(cache, v(40), 'from elsewhere');
  });

  it('keeps its index across restarts (0700 folder, 0600 files) and serves with no download', async () => {
    const { cache, name } = fresh();
    const lease = await cache.acquire(v(9), source('persisted').download);
    lease.release();
    await cache.flush();
    const folder = join(dir, name, 'cache');
    assert.equal((await stat(folder)).mode & 0o777, 0o700);
    assert.equal((await stat(join(folder, 'index.json'))).mode & 0o777, 0o600);
    assert.equal((await stat(lease.file)).mode & 0o777, 0o600);
    const again = make(name);
    await servedWithoutDownload(again, v(9), 'persisted');
    assert.deepEqual([again.usage().hits, again.usage().files], [1, 1]);
    // An index written for another workspace is not used (object ids are per workspace).
    await again.flush();
    const other = make(name, { workspace: 'https://b.example.com' });
    const fetched = source('other');
    (await other.acquire(v(9), fetched.download)).release();
    assert.equal(fetched.calls(), 1);
  });

  it('after a crash: files no record names are deleted, a garbage index starts the cache empty', async () => {
    const { cache, name } = fresh();
    (await cache.acquire(v(30), source('indexed').download)).release();
    await cache.close();
    const folder = join(dir, name, 'cache');
    // What a kill -9 can leave: a download cut short, a copy made after the last index write, a temp index.
    await writeFile(join(folder, 'data', '31-100-RAW.0.abcd.part'), 'partial');
    await writeFile(join(folder, 'data', '32-100-RAW.ffff'), 'unindexed');
    await writeFile(join(folder, 'index.json.1234.tmp'), '{"format":');
    const restarted = make(name);
    await servedWithoutDownload(restarted, v(30), 'indexed');
    assert.deepEqual((await readdir(join(folder, 'data'))).length, 1, 'only the indexed copy is left');
    assert.deepEqual((await readdir(folder)).sort(), ['data', 'index.json', 'lock'], 'the temp index is gone too');
    await restarted.close();
    await writeFile(join(folder, 'index.json'), 'not json at all');
    const fresh2 = make(name);
    const again = source('indexed');
    (await fresh2.acquire(v(30), again.download)).release();
    assert.equal(again.calls(), 1, 'an unreadable index is discarded with its copies');
    assert.equal(fresh2.usage().files, 1);
  });

  it('evicts the least recently used entry to stay under the limit, never a pinned one', async () => {
    const { cache } = fresh({ limitBytes: 10 });
    (await cache.acquire(v(1), source('aaaa').download)).release();
    (await cache.acquire(v(2), source('bbbb').download)).release();
    (await cache.acquire(v(1), source('xxxx').download)).release(); // a hit: 1 is now the most recent
    (await cache.acquire(v(3), source('cccc').download)).release();
    assert.equal(cache.sizeOf(v(2)), 4, 'the size is still remembered');
    assert.deepEqual([cache.usage().files, cache.usage().bytesUsed, cache.usage().evictions], [2, 8, 1]);
    const b = source('bbbb');
    (await cache.acquire(v(2), b.download)).release();
    assert.equal(b.calls(), 1, '2 was the one evicted');
    // Pinned: the three open copies stay even above the limit; releasing brings it back under.
    const pins = await Promise.all([v(4), v(5), v(6)].map((f) => cache.acquire(f, source('dddd').download)));
    assert.ok(cache.usage().bytesUsed > 10);
    for (const pin of pins) assert.ok(existsSync(pin.file));
    for (const pin of pins) pin.release();
    assert.ok(cache.usage().bytesUsed <= 10, JSON.stringify(cache.usage()));
  });

  it('serves a version larger than the limit without keeping it', async () => {
    const { cache } = fresh({ limitBytes: 3 });
    const big = { ...v(10), size: 6 };
    const lease = await cache.acquire(big, source('sixsix').download);
    assert.equal(await readFile(lease.file, 'utf8'), 'sixsix');
    lease.release();
    assert.equal(cache.usage().files, 0);
    await gone(lease.file);
  });

  it('guards the minimum free space: evicts first, then switches itself off with a problem', async () => {
    let free = 1_000;
    const { cache } = fresh({ minFreeBytes: 900, diskFree: async () => free });
    (await cache.acquire({ ...v(11), size: 50 }, source('x'.repeat(50)).download)).release();
    assert.equal(cache.usage().files, 1);
    free = 940; // 940 - 50 < 900, but evicting the 50-byte entry makes room
    (await cache.acquire({ ...v(12), size: 50 }, source('y'.repeat(50)).download)).release();
    assert.deepEqual([cache.usage().files, cache.usage().evictions], [1, 1]);
    const before = problems.length;
    free = 100;
    const lease = await cache.acquire({ ...v(13), size: 50 }, source('z'.repeat(50)).download);
    assert.equal(await readFile(lease.file, 'utf8'), 'z'.repeat(50), 'still served, uncached');
    lease.release();
    assert.equal(cache.enabled, false);
    assert.equal(problems.length, before + 1);
    assert.equal(problems.at(-1)?.kind, 'cache-disabled');
    assert.match(problems.at(-1)?.message ?? '', /free/);
    assert.ok(problems.at(-1)?.fix);
    await cache.setEnabled(true);
    assert.equal(cache.enabled, true);
  });

  it('drops a corrupt or missing copy and fetches it again, once', async () => {
    const { cache, name } = fresh();
    const lease = await cache.acquire(v(14), source('good bytes').download);
    lease.release();
    await cache.flush(); // checksum computed
    await writeFile(lease.file, 'evil bytes'); // same size, other content
    const again = source('good bytes');
    const served = await cache.acquire(v(14), again.download);
    assert.equal(await readFile(served.file, 'utf8'), 'good bytes');
    assert.equal(again.calls(), 1);
    served.release();
    await cache.flush();
    // Missing, and after a restart (first use per process verifies the checksum).
    await rm(served.file);
    const third = source('good bytes');
    (await cache.acquire(v(14), third.download)).release();
    assert.equal(third.calls(), 1);
    await cache.flush();
    const files = await readdir(join(dir, name, 'cache', 'data'));
    assert.equal(files.length, 1);
    const onDisk = join(dir, name, 'cache', 'data', files[0]!);
    const info = await stat(onDisk);
    await writeFile(onDisk, 'good bytez');
    await utimes(onDisk, info.atime, info.mtime); // even with the old mtime
    const restarted = make(name);
    const fourth = source('good bytes');
    const read = await restarted.acquire(v(14), fourth.download);
    assert.equal(await readFile(read.file, 'utf8'), 'good bytes');
    assert.equal(fourth.calls(), 1);
    read.release();
  });

  it('off: every acquire downloads, nothing is kept beyond the open copy; sizes stay known', async () => {
    const { cache, name } = fresh({ enabled: false });
    const bytes = source('off!');
    const a = await cache.acquire(v(15), bytes.download);
    a.release();
    const b = await cache.acquire(v(15), bytes.download);
    assert.equal(bytes.calls(), 2);
    assert.equal(await readFile(b.file, 'utf8'), 'off!');
    b.release();
    await gone(b.file);
    assert.deepEqual(await readdir(join(dir, name, 'transient')), []);
    assert.equal(cache.sizeOf(v(15)), 4);
    const staged = join(dir, name, 'staged');
    await writeFile(staged, 'uploaded');
    await cache.adopt(v(16), staged);
    assert.equal(existsSync(staged), false);
    assert.deepEqual([cache.usage().files, cache.usage().enabled], [0, false]);
    // Switched on at run time: kept again.
    await cache.setEnabled(true);
    (await cache.acquire(v(15), bytes.download)).release();
    (await cache.acquire(v(15), bytes.download)).release();
    assert.equal(bytes.calls(), 3);
  });

  it('clear drops every kept copy; an open one stays readable until released', async () => {
    const { cache } = fresh();
    (await cache.acquire(v(17), source('one').download)).release();
    const open = await cache.acquire(v(18), source('two').download);
    await cache.clear();
    assert.deepEqual([cache.usage().files, cache.usage().bytesUsed], [0, 0]);
    assert.equal(await readFile(open.file, 'utf8'), 'two');
    open.release();
    await gone(open.file);
  });

  it('disk full while keeping a download: switches off with a problem and serves the bytes uncached', async () => {
    const { cache } = fresh();
    const before = problems.length;
    let calls = 0;
    const lease = await cache.acquire(v(19), async (target) => {
      calls++;
      if (target.includes('/cache/')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
      await writeFile(target, 'saved');
    });
    assert.equal(await readFile(lease.file, 'utf8'), 'saved');
    lease.release();
    assert.equal(calls, 2);
    assert.equal(cache.enabled, false);
    assert.equal(problems.length, before + 1);
    assert.match(problems.at(-1)!.message, /full/);
  });

  it('a folder in use by another live engine is not used: uncached, with a problem naming it', async () => {
    const { cache: first, name } = fresh();
    await first.prepare();
    await first.close();
    await writeFile(join(dir, name, 'cache', 'lock'), `${process.ppid}\n`); // a live process that is not us
    const before = problems.length;
    const second = make(name);
    const bytes = source('shared');
    const lease = await second.acquire(v(21), bytes.download);
    assert.equal(await readFile(lease.file, 'utf8'), 'shared');
    lease.release();
    assert.equal(second.enabled, false);
    assert.equal(problems.length, before + 1);
    assert.match(problems.at(-1)!.message, new RegExp(`another wsfs engine \\(pid ${process.ppid}\\)`));
    assert.match(problems.at(-1)!.fix ?? '', /own --cache-dir/);
    await second.setEnabled(true);
    assert.equal(second.enabled, false, 'switching on reports the problem again');
    await second.close();
    assert.equal(await readFile(join(dir, name, 'cache', 'lock'), 'utf8'), `${process.ppid}\n`, 'the other engine keeps its lock');
  });

  it('close cancels the downloads still running and keeps nothing that finishes after it; the index stays consistent', async () => {
    const { cache, name } = fresh();
    (await cache.acquire(v(30), source('kept before').download)).release();
    await cache.flush();
    const folder = join(dir, name, 'cache');
    const dataBefore = (await readdir(join(folder, 'data'))).sort();
    // A download that stops only when cancelled (a reader closed early; the body is held).
    let startedHeld!: () => void;
    const heldStarted = new Promise<void>((resolve) => (startedHeld = resolve));
    const held = cache.acquire(v(31), async (target, signal) => {
      await writeFile(target, 'first bytes');
      startedHeld();
      await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    });
    // A download that ignores the cancel and finishes after close began.
    let finish!: () => void;
    let startedLate!: () => void;
    const lateStarted = new Promise<void>((resolve) => (startedLate = resolve));
    const late = cache.acquire(v(32), async (target) => {
      startedLate();
      await new Promise<void>((resolve) => (finish = resolve));
      await writeFile(target, 'too late');
    });
    const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => 'resolved', (error: unknown) => error);
    const heldOutcome = outcome(held);
    const lateOutcome = outcome(late);
    await Promise.all([heldStarted, lateStarted]);
    const closing = cache.close();
    finish();
    const bounded = <T>(promise: Promise<T>, what: string): Promise<T> =>
      Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not settle`)), 4_000).unref())]);
    await bounded(closing, 'close');
    assert.match(String(await bounded(heldOutcome, 'the held download')), /mount is closing/);
    assert.match(String(await bounded(lateOutcome, 'the late download')), /mount is closing/);
    assert.deepEqual((await readdir(join(folder, 'data'))).sort(), dataBefore, 'a download wrote into the cache folder after close');
    assert.equal(existsSync(join(folder, 'lock')), false);
    const index = JSON.parse(await readFile(join(folder, 'index.json'), 'utf8')) as { records: Array<{ objectId: number; file: string }> };
    assert.deepEqual(index.records.map((record) => record.objectId), [30]);
    assert.deepEqual(index.records.map((record) => record.file.slice('data/'.length)), dataBefore);
    // Reopened, the folder serves what was kept before.
    await servedWithoutDownload(make(name), v(30), 'kept before');
  });

  it('passes a remote failure through (it does not switch the cache off)', async () => {
    const { cache } = fresh();
    const remote = Object.assign(new Error('folder has too many children'), { code: 'ENOSPC' }); // no syscall: not local
    await assert.rejects(cache.acquire(v(20), () => Promise.reject(remote)), /too many children/);
    assert.equal(cache.enabled, true);
  });
});
