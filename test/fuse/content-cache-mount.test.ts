// The content cache through a real mount, the engine in a child process (spawnEngine) and the
// emulator here counting downloads: a second engine over the same cache folder reads with zero
// downloads, also after a kill -9 of the first; cache:set-enabled / cache:clear at run time without remounting; cache files
// corrupted, truncated or deleted under the running mount still read correctly; and a full disk
// in the cache folder (a small tmpfs; needs root; without root, a free-space minimum larger than
// the disk's free space stands in for it) keeps the mount working uncached with a
// `cache-disabled` problem — through the free-space guard (a file of known size) and through a
// real ENOSPC (a notebook, whose size is learnt only by exporting it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { spawnEngine, type EngineClient } from '../../src/fs/host/engine-client';
import type { CacheUsage } from '../../src/shared/cache-usage';
import type { EngineEvent, MountCommand } from '../../src/shared/engine-protocol';
import { run } from '../support/mounted-workspace';
import { removeFolder, tempFolder } from '../support/remote-fixture';

/** Requests that fetch content (export, signed URL, files API GET). */
function downloads(emulator: WorkspaceEmulator): number {
  const requests = emulator.stats.snapshot().requests;
  return Object.entries(requests)
    .filter(([key]) => /^GET (\/api\/2\.0\/workspace\/export|\/__emulator\/signed\/|\/api\/2\.0\/fs\/files)/.test(key))
    .reduce((sum, [, count]) => sum + count, 0);
}

interface RunningEngine {
  engine: EngineClient;
  events: EngineEvent[];
  mountPoint: string;
  usage(): Promise<CacheUsage>;
  stop(): Promise<void>;
}

describe('content cache through a real mount', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let home: string;
  let n = 0;
  const running = new Set<RunningEngine>();

  const mount = async (overrides: Partial<MountCommand>): Promise<RunningEngine> => {
    const mountPoint = join(dir, `mnt-${n++}`);
    await mkdir(mountPoint);
    const engine = await spawnEngine({ env: { ...process.env, XDG_STATE_HOME: join(dir, 'state'), XDG_CACHE_HOME: join(dir, 'xdg-cache') } });
    const events: EngineEvent[] = [];
    engine.onEvent((event) => events.push(event));
    const stop = async (): Promise<void> => {
      running.delete(handle);
      await engine.request({ kind: 'engine:unmount' }, 60_000).catch(() => undefined);
      engine.kill('SIGTERM');
      await Promise.race([engine.exited, sleep(10_000)]);
      engine.kill('SIGKILL');
      await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
    };
    const handle: RunningEngine = {
      engine,
      events,
      mountPoint,
      usage: async () => {
        await engine.request({ kind: 'engine:get-stats' });
        const last = events.filter((e) => e.kind === 'engine:stats').at(-1);
        assert.ok(last?.kind === 'engine:stats');
        return last.stats.cache;
      },
      stop,
    };
    running.add(handle);
    await engine.request({ kind: 'engine:set-credentials', token: emulator.token });
    await engine.request(
      {
        kind: 'engine:mount',
        mountPoint,
        remotePath: home,
        host: emulator.host,
        authType: 'pat',
        cacheEnabled: true,
        cacheMinFreeBytes: 0,
        ttlSeconds: 10,
        uploadMode: 'sync',
        debug: false,
        ...overrides,
      },
      60_000,
    );
    return handle;
  };

  /** Waits (bounded) until the cache holds one data file and its index lists it (checksum known). */
  const indexed = async (cacheDir: string): Promise<string> => {
    for (let i = 0; i < 100; i++) {
      const names = (await readdir(join(cacheDir, 'data'))).filter((name) => !name.endsWith('.part'));
      const text = await readFile(join(cacheDir, 'index.json'), 'utf8').catch(() => '');
      if (names.length === 1 && (text.match(/"objectId"/g) ?? []).length === 1 && text.includes(`"data/${names[0]!}"`)) return join(cacheDir, 'data', names[0]!);
      await sleep(50);
    }
    return assert.fail(`the cache index in ${cacheDir} did not come to list its one data file`);
  };

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    home = `/Users/${emulator.userName}`;
    dir = await tempFolder('cache-mount');
  });
  after(async () => {
    for (const engine of [...running]) await engine.stop();
    await emulator.stop();
    await removeFolder(dir);
  });

  it('a second engine over the same cache folder reads a file and a notebook with zero downloads', async () => {
    const content = randomBytes(1024 * 1024);
    emulator.tree.write(`${home}/persist.bin`, { kind: 'FILE', content });
    const cacheDir = join(dir, 'persist-cache');
    const first = await mount({ cacheDir });
    const notebook = (await readdir(first.mountPoint)).find((name) => name.endsWith('.py'));
    assert.ok(notebook, 'the demo home holds a Python notebook');
    assert.deepEqual(await readFile(join(first.mountPoint, 'persist.bin')), content);
    const source = await readFile(join(first.mountPoint, notebook), 'utf8');
    await first.stop();

    emulator.stats.reset();
    const second = await mount({ cacheDir });
    assert.deepEqual(await readFile(join(second.mountPoint, 'persist.bin')), content);
    assert.equal(await readFile(join(second.mountPoint, notebook), 'utf8'), source);
    assert.equal(downloads(emulator), 0, JSON.stringify(emulator.stats.snapshot().requests));
    const usage = await second.usage();
    assert.deepEqual([usage.enabled, usage.hits, usage.misses, usage.bytesFetched], [true, 2, 0, 0]);
    assert.ok(usage.files >= 2, 'the listing also cached the other notebooks (their sizes cost an export)');
    await second.stop();
  });

  it('after a kill -9 of the engine, a new engine over the same cache folder reads correctly', async () => {
    const kept = randomBytes(150_000);
    const late = randomBytes(150_000);
    emulator.tree.write(`${home}/killed-kept.bin`, { kind: 'FILE', content: kept });
    emulator.tree.write(`${home}/killed-late.bin`, { kind: 'FILE', content: late });
    const cacheDir = join(dir, 'killed-cache');
    const first = await mount({ cacheDir });
    assert.deepEqual(await readFile(join(first.mountPoint, 'killed-kept.bin')), kept);
    await indexed(cacheDir);
    assert.deepEqual(await readFile(join(first.mountPoint, 'killed-late.bin')), late);
    first.engine.kill('SIGKILL'); // the second copy is most likely not in the index yet
    await first.engine.exited;
    await first.stop();

    emulator.stats.reset();
    const second = await mount({ cacheDir });
    assert.deepEqual(await readFile(join(second.mountPoint, 'killed-kept.bin')), kept);
    assert.deepEqual(await readFile(join(second.mountPoint, 'killed-late.bin')), late);
    assert.ok(downloads(emulator) <= 1, `the indexed copy is served from the cache: ${JSON.stringify(emulator.stats.snapshot().requests)}`);
    assert.ok((await second.usage()).hits >= 1);
    await second.stop();
  });

  it('switches off and on and clears at run time, without remounting', async () => {
    const content = randomBytes(200_000);
    emulator.tree.write(`${home}/switch.bin`, { kind: 'FILE', content });
    const running = await mount({ cacheDir: join(dir, 'switch-cache') });
    const file = join(running.mountPoint, 'switch.bin');
    const readTwice = async (): Promise<number> => {
      const before = downloads(emulator);
      assert.deepEqual(await readFile(file), content);
      assert.deepEqual(await readFile(file), content);
      return downloads(emulator) - before;
    };
    assert.equal(await readTwice(), 1, 'on: one download, then served from the cache');
    await running.engine.request({ kind: 'cache:set-enabled', enabled: false });
    assert.equal(await readTwice(), 2, 'off: every open reads from the workspace');
    assert.equal((await running.usage()).enabled, false);
    await running.engine.request({ kind: 'cache:set-enabled', enabled: true });
    assert.equal(await readTwice(), 0, 'on again: the kept copy is still there');
    await running.engine.request({ kind: 'cache:clear' });
    const cleared = await running.usage();
    assert.deepEqual([cleared.files, cleared.bytesUsed], [0, 0]);
    assert.equal(await readTwice(), 1, 'after clear: fetched once more');
    const pushed = running.events.filter((e) => e.kind === 'engine:stats');
    assert.ok(pushed.length >= 3, 'set-enabled and clear push fresh stats');
    await running.stop();
  });

  it('reads stay correct when cache files are corrupted, truncated or deleted under the mount', async () => {
    const content = randomBytes(300_000);
    emulator.tree.write(`${home}/fragile.bin`, { kind: 'FILE', content });
    const cacheDir = join(dir, 'fragile-cache');
    const running = await mount({ cacheDir });
    const file = join(running.mountPoint, 'fragile.bin');
    assert.deepEqual(await readFile(file), content);
    const damages: Array<[string, (path: string) => Promise<void>]> = [
      ['corrupted (same size)', (path) => writeFile(path, randomBytes(content.length))],
      ['truncated', (path) => writeFile(path, content.subarray(0, 1000))],
      ['deleted', (path) => rm(path)],
    ];
    for (const [name, damage] of damages) {
      await damage(await indexed(cacheDir));
      const before = downloads(emulator);
      assert.deepEqual(await readFile(file), content, `read after the cache file was ${name}`);
      assert.equal(downloads(emulator) - before, 1, `${name}: fetched again once`);
    }
    await running.stop();
  });

  it('a disk below the free-space minimum (no root needed): the mount keeps working uncached and reports cache-disabled', async () => {
    const data = randomBytes(200_000);
    emulator.tree.write(`${home}/guarded.bin`, { kind: 'FILE', content: data });
    const cacheDir = join(dir, 'guarded-cache');
    await mkdir(cacheDir);
    // More free space than this disk has: the guard cannot be kept, as on a full disk.
    const { bavail, bsize } = await statfs(cacheDir);
    const running = await mount({ cacheDir, cacheMinFreeBytes: bavail * bsize + 1024 ** 4 });
    assert.deepEqual(await readFile(join(running.mountPoint, 'guarded.bin')), data, 'the read that meets the guard is served');
    const problems = running.events.flatMap((e) => (e.kind === 'engine:problem' ? [e.problem] : []));
    assert.deepEqual(problems.map((p) => p.kind), ['cache-disabled'], JSON.stringify(problems));
    assert.match(problems[0]!.message, /almost full/);
    assert.match(problems[0]!.fix ?? '', /free some disk space/);
    assert.equal((await running.usage()).enabled, false);
    assert.equal((await running.usage()).files, 0, 'nothing kept');
    const before = downloads(emulator);
    assert.deepEqual(await readFile(join(running.mountPoint, 'guarded.bin')), data);
    assert.equal(downloads(emulator) - before, 1, 'uncached: the next open reads from the workspace');
    await running.stop();
  });

  for (const kind of ['file', 'notebook'] as const) {
    it(`a full disk in the cache folder (a big ${kind}): the mount keeps working uncached and reports cache-disabled`, { skip: process.getuid?.() !== 0 && 'mounting a tmpfs needs root' }, async () => {
      const small = randomBytes(100_000);
      const bigName = kind === 'file' ? 'big.bin' : 'big.py';
      const big = kind === 'file' ? randomBytes(3 * 1024 * 1024) : Buffer.from(`# Databricks notebook source\n${'print("a fairly long line of python")\n'.repeat(90_000)}`);
      emulator.tree.write(`${home}/small.bin`, { kind: 'FILE', content: small });
      if (kind === 'file') emulator.tree.write(`${home}/${bigName}`, { kind: 'FILE', content: big });
      else emulator.tree.write(`${home}/big`, { kind: 'NOTEBOOK', language: 'PYTHON', format: 'SOURCE', content: big });
      const cacheDir = join(dir, `tmpfs-${kind}`);
      await mkdir(cacheDir);
      await run('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', cacheDir]);
      try {
        const running = await mount({ cacheDir });
        assert.deepEqual(await readFile(join(running.mountPoint, 'small.bin')), small);
        // A read returns as the last bytes arrive; the copy becomes a cache entry a moment later.
        let files = 0;
        for (let i = 0; i < 100 && files !== 1; i++) {
          files = (await running.usage()).files;
          if (files !== 1) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(files, 1, 'a small file fits');
        assert.deepEqual(await readFile(join(running.mountPoint, bigName)), big, 'the big one reads correctly anyway');
        const problems = running.events.flatMap((e) => (e.kind === 'engine:problem' ? [e.problem] : []));
        assert.equal(problems.length, 1, JSON.stringify(problems));
        assert.equal(problems[0]!.kind, 'cache-disabled');
        assert.match(problems[0]!.message, kind === 'file' ? /almost full/ : /cache is full/, 'a file of known size meets the guard; a notebook a real ENOSPC');
        assert.match(problems[0]!.fix ?? '', /free some disk space/);
        assert.equal((await running.usage()).enabled, false);
        const before = downloads(emulator);
        assert.deepEqual(await readFile(join(running.mountPoint, bigName)), big);
        assert.deepEqual(await readFile(join(running.mountPoint, 'small.bin')), small);
        assert.equal(downloads(emulator) - before, 2, 'uncached: every open reads from the workspace');
        const leftovers = await readdir(join(cacheDir, 'data'));
        assert.ok(!leftovers.some((name) => name.endsWith('.part')), 'no partial download left behind');
        await running.stop();
      } finally {
        await run('umount', ['-l', cacheDir]).catch(() => undefined);
      }
    });
  }
});
