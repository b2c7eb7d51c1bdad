// MetadataCache over an in-memory fake RemoteWorkspace that counts `list` calls: one listing per
// folder per TTL, TTL expiry on an injected clock, negative entries, single-flight, mutations
// without requests, notebook names through the DirectoryView, ENOTDIR, remote errors as FsError,
// prefetch with bounded concurrency (max in flight observed) whose errors are swallowed, and the
// last listing standing in while the workspace is unreachable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FsError, type FsErrorCode } from '../../src/fs/errors';
import { MetadataCache, normalizeLocalPath, type MetadataCacheOptions } from '../../src/fs/meta/metadata-cache';
import { RemoteError } from '../../src/fs/remote/remote-error';
import type { RemoteCapabilities, RemoteEntry, RemoteUser, RemoteWorkspace } from '../../src/fs/remote/remote-workspace';

const ROOT = '/Users/me';

/** A fake workspace: folders map to their children; `list` is counted and may be held open. */
class FakeRemote implements RemoteWorkspace {
  readonly folders = new Map<string, RemoteEntry[]>();
  readonly listCalls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, `list` waits for `release()` before answering. */
  hold = false;
  failing = new Map<string, RemoteError>();
  private waiting: Array<() => void> = [];
  private nextId = 1;

  constructor() {
    this.folders.set(ROOT, []);
  }

  add(path: string, type: RemoteEntry['type'], extra: Partial<RemoteEntry> = {}): RemoteEntry {
    const entry: RemoteEntry = { path, type, rawType: type, objectId: this.nextId++, modifiedAt: 1000, ...extra };
    const parent = path.slice(0, path.lastIndexOf('/'));
    const siblings = this.folders.get(parent);
    assert.ok(siblings, `no folder ${parent}`);
    siblings.push(entry);
    if (type === 'DIRECTORY' || type === 'REPO') this.folders.set(path, []);
    return entry;
  }

  remove(path: string): void {
    const parent = path.slice(0, path.lastIndexOf('/'));
    this.folders.set(parent, this.folders.get(parent)!.filter((e) => e.path !== path));
  }

  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const go of waiting) go();
  }

  async list(path: string): Promise<RemoteEntry[]> {
    this.listCalls.push(path);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((go) => this.waiting.push(go));
      else await Promise.resolve();
      const failure = this.failing.get(path);
      if (failure !== undefined) throw failure;
      const children = this.folders.get(path);
      if (children !== undefined) return children.map((e) => ({ ...e }));
      const parent = this.folders.get(path.slice(0, path.lastIndexOf('/')));
      if (parent?.some((e) => e.path === path)) throw new RemoteError('not-a-directory', `${path} is not a directory`);
      throw new RemoteError('not-found', `${path} does not exist`);
    } finally {
      this.inFlight--;
    }
  }

  stat(): Promise<RemoteEntry> {
    throw new Error('stat must not be called');
  }
  currentUser(): Promise<RemoteUser> {
    throw new Error('not used');
  }
  downloadTo(): Promise<number> {
    throw new Error('not used');
  }
  upload(): Promise<void> {
    throw new Error('not used');
  }
  mkdirs(): Promise<void> {
    throw new Error('not used');
  }
  delete(): Promise<void> {
    throw new Error('not used');
  }
  rename(): Promise<void> {
    throw new Error('not used');
  }
  capabilities(): RemoteCapabilities {
    return { workspaceFiles: true, rename: true };
  }
}

/** The demo-like tree used by most tests. */
function seeded(): FakeRemote {
  const remote = new FakeRemote();
  remote.add(`${ROOT}/README.md`, 'FILE', { size: 10 });
  remote.add(`${ROOT}/etl`, 'DIRECTORY');
  remote.add(`${ROOT}/etl/Ingest`, 'NOTEBOOK', { language: 'SCALA' });
  remote.add(`${ROOT}/etl/clean.py`, 'FILE', { size: 5 });
  remote.add(`${ROOT}/etl/deep`, 'DIRECTORY');
  remote.add(`${ROOT}/etl/deep/x.txt`, 'FILE', { size: 1 });
  remote.add(`${ROOT}/Report`, 'NOTEBOOK', { language: 'PYTHON' });
  remote.add(`${ROOT}/Report.py`, 'FILE', { size: 3 });
  return remote;
}

function setup(remote = seeded(), options: Partial<MetadataCacheOptions> = {}) {
  const clock = { t: 1_000_000 };
  const cache = new MetadataCache({ remote, root: ROOT, now: () => clock.t, prefetchConcurrency: 0, ...options });
  return { remote, clock, cache };
}

async function rejectsCode(promise: Promise<unknown>, code: FsErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FsError, `expected FsError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('MetadataCache: lookups and listings', () => {
  it('resolves a path with one listing per ancestor folder, then serves it from cache', async () => {
    const { remote, cache } = setup();
    const found = await cache.lookup('/etl/Ingest.scala');
    assert.equal(found.entry.path, `${ROOT}/etl/Ingest`);
    assert.deepEqual(found.presentation, { kind: 'NOTEBOOK', language: 'SCALA', format: 'SOURCE' });
    assert.equal(found.name, 'Ingest.scala');
    assert.deepEqual(remote.listCalls, [ROOT, `${ROOT}/etl`]);
    await cache.lookup('/etl/clean.py');
    await cache.lookup('/etl');
    await cache.lookup('/README.md');
    await cache.readdir('/etl');
    assert.equal(remote.listCalls.length, 2, 'siblings and the folder itself come from the same listings');
    assert.deepEqual(cache.counts(), { hits: 4, misses: 1, negativeHits: 0, listings: 2, prefetches: 0, prefetchErrors: 0 });
  });

  it('readdir returns the visible names, notebooks named by language with the .ipynb fallback', async () => {
    const { remote, cache } = setup();
    const view = await cache.readdir('/');
    assert.deepEqual(view.names, ['README.md', 'Report.ipynb', 'Report.py', 'etl']);
    assert.deepEqual(view.entries.get('Report.ipynb')!.presentation, { kind: 'NOTEBOOK', language: 'PYTHON', format: 'JUPYTER' });
    assert.equal(view.entries.get('Report.py')!.entry.type, 'FILE');
    assert.deepEqual((await cache.readdir('/etl')).names, ['Ingest.scala', 'clean.py', 'deep']);
    assert.deepEqual(remote.listCalls, [ROOT, `${ROOT}/etl`]);
    const root = await cache.lookup('/');
    assert.equal(root.entry.path, ROOT);
    assert.equal(root.presentation.kind, 'DIRECTORY');
    assert.equal(remote.listCalls.length, 2);
  });

  it('refetches a listing once its TTL has passed (injected clock), and only then', async () => {
    const { remote, clock, cache } = setup(seeded(), { ttlMs: 5000 });
    await cache.lookup('/README.md');
    clock.t += 4999;
    await cache.lookup('/README.md');
    assert.equal(remote.listCalls.length, 1);
    remote.add(`${ROOT}/new.txt`, 'FILE');
    clock.t += 1;
    assert.equal((await cache.lookup('/new.txt')).entry.path, `${ROOT}/new.txt`);
    assert.deepEqual(remote.listCalls, [ROOT, ROOT]);
  });

  it('defaults the TTL to 10 s', async () => {
    const { remote, clock, cache } = setup();
    await cache.readdir('/');
    clock.t += 9999;
    await cache.readdir('/');
    assert.equal(remote.listCalls.length, 1);
    clock.t += 1;
    await cache.readdir('/');
    assert.equal(remote.listCalls.length, 2);
  });

  it('remembers missing names for the TTL: repeated stats of missing files cost nothing', async () => {
    const { remote, clock, cache } = setup();
    for (let i = 0; i < 5; i++) {
      await rejectsCode(cache.lookup('/.git'), 'ENOENT');
      await rejectsCode(cache.lookup('/etl/.gitignore'), 'ENOENT');
      await rejectsCode(cache.lookup('/missing/deeper/file'), 'ENOENT');
    }
    assert.deepEqual(remote.listCalls, [ROOT, `${ROOT}/etl`]);
    assert.equal(cache.counts().negativeHits, 13);
    remote.add(`${ROOT}/.git`, 'DIRECTORY');
    await rejectsCode(cache.lookup('/.git'), 'ENOENT');
    clock.t += 10_000;
    assert.equal((await cache.lookup('/.git')).presentation.kind, 'DIRECTORY');
  });

  it('a notebook is not reachable under its remote name; a hidden notebook is ENOENT', async () => {
    const { cache } = setup();
    await rejectsCode(cache.lookup('/etl/Ingest'), 'ENOENT');
    await rejectsCode(cache.lookup('/Report'), 'ENOENT');
  });

  it('a file or notebook used as a folder is ENOTDIR, without listing it', async () => {
    const { remote, cache } = setup();
    await rejectsCode(cache.lookup('/README.md/x'), 'ENOTDIR');
    await rejectsCode(cache.lookup('/etl/Ingest.scala/y/z'), 'ENOTDIR');
    await rejectsCode(cache.readdir('/README.md'), 'ENOTDIR');
    await rejectsCode(cache.readdir('/missing'), 'ENOENT');
    assert.deepEqual(remote.listCalls, [ROOT, `${ROOT}/etl`]);
  });

  it('concurrent lookups of one folder share one listing (single-flight)', async () => {
    const remote = seeded();
    remote.hold = true;
    const { cache } = setup(remote);
    const lookups = [cache.lookup('/etl/clean.py'), cache.lookup('/etl/Ingest.scala'), cache.readdir('/etl'), cache.lookup('/README.md'), cache.lookup('/nope').catch((e: unknown) => e)];
    for (let i = 0; i < 5 && remote.listCalls.length < 2; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      remote.release();
    }
    remote.hold = false;
    remote.release();
    const [clean, ingest, etl, readme, nope] = await Promise.all(lookups);
    assert.equal((clean as { name: string }).name, 'clean.py');
    assert.equal((ingest as { name: string }).name, 'Ingest.scala');
    assert.deepEqual((etl as { names: string[] }).names, ['Ingest.scala', 'clean.py', 'deep']);
    assert.equal((readme as { name: string }).name, 'README.md');
    assert.ok(nope instanceof FsError && nope.code === 'ENOENT');
    assert.deepEqual(remote.listCalls, [ROOT, `${ROOT}/etl`]);
    assert.equal(remote.maxInFlight, 1);
  });

  it('remote failures become FsError and are not cached', async () => {
    const { remote, cache } = setup();
    remote.failing.set(ROOT, new RemoteError('permission', 'no access'));
    await rejectsCode(cache.lookup('/README.md'), 'EACCES');
    remote.failing.delete(ROOT);
    assert.equal((await cache.lookup('/README.md')).name, 'README.md');
    assert.equal(remote.listCalls.length, 2);
    remote.failing.set(`${ROOT}/etl`, new RemoteError('rate-limited', 'slow down'));
    await rejectsCode(cache.readdir('/etl'), 'EAGAIN');
  });

  it('a root that is missing or not a folder fails with ENOENT or ENOTDIR', async () => {
    const remote = seeded();
    await rejectsCode(new MetadataCache({ remote, root: '/Users/nobody', now: () => 0 }).lookup('/'), 'ENOENT');
    await rejectsCode(new MetadataCache({ remote, root: `${ROOT}/README.md`, now: () => 0 }).readdir('/'), 'ENOTDIR');
  });

  it('normalises local paths and rejects relative or dotted ones', async () => {
    assert.equal(normalizeLocalPath('/etl/'), '/etl');
    assert.equal(normalizeLocalPath('/'), '/');
    const { cache } = setup();
    await rejectsCode(cache.lookup('etl'), 'EINVAL');
    await rejectsCode(cache.lookup('/etl/../README.md'), 'EINVAL');
    assert.equal((await cache.lookup('/etl/')).localPath, '/etl');
  });
});

describe('MetadataCache: local mutations update the cache without requests', () => {
  it('noteCreated adds a file, a notebook (with the view naming it) and an empty folder', async () => {
    const { remote, cache } = setup();
    await cache.readdir('/');
    const calls = remote.listCalls.length;
    cache.noteCreated('/notes.txt', { path: `${ROOT}/notes.txt`, type: 'FILE', rawType: 'FILE', objectId: 99, size: 4 });
    cache.noteCreated('/Job.sql', { path: `${ROOT}/Job`, type: 'NOTEBOOK', rawType: 'NOTEBOOK', objectId: 100, language: 'SQL' });
    cache.noteCreated('/newdir', { path: `${ROOT}/newdir`, type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: 101 });
    assert.equal((await cache.lookup('/notes.txt')).entry.size, 4);
    assert.deepEqual((await cache.lookup('/Job.sql')).presentation, { kind: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' });
    assert.deepEqual((await cache.readdir('/newdir')).names, []);
    await rejectsCode(cache.lookup('/newdir/x'), 'ENOENT');
    assert.equal(remote.listCalls.length, calls);
  });

  it('a created file that takes a notebook source name moves the notebook to .ipynb', async () => {
    const { remote, cache } = setup();
    assert.equal((await cache.lookup('/etl/Ingest.scala')).presentation.kind, 'NOTEBOOK');
    cache.noteCreated('/etl/Ingest.scala', { path: `${ROOT}/etl/Ingest.scala`, type: 'FILE', rawType: 'FILE', objectId: 50 });
    assert.equal((await cache.lookup('/etl/Ingest.scala')).presentation.kind, 'FILE');
    assert.deepEqual((await cache.lookup('/etl/Ingest.ipynb')).presentation, { kind: 'NOTEBOOK', language: 'SCALA', format: 'JUPYTER' });
    cache.noteRemoved('/etl/Ingest.scala');
    assert.equal((await cache.lookup('/etl/Ingest.scala')).presentation.kind, 'NOTEBOOK');
    await rejectsCode(cache.lookup('/etl/Ingest.ipynb'), 'ENOENT');
    assert.equal(remote.listCalls.length, 2);
  });

  it('noteRemoved drops an entry and the cached listings under a removed folder', async () => {
    const { remote, clock, cache } = setup();
    await cache.lookup('/etl/deep/x.txt');
    cache.noteRemoved('/etl/deep');
    await rejectsCode(cache.lookup('/etl/deep/x.txt'), 'ENOENT');
    await rejectsCode(cache.lookup('/etl/deep'), 'ENOENT');
    assert.equal(remote.listCalls.length, 3);
    // Recreated locally: an empty fresh folder, not the old listing.
    cache.noteCreated('/etl/deep', { path: `${ROOT}/etl/deep`, type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: 77 });
    assert.deepEqual((await cache.readdir('/etl/deep')).names, []);
    assert.equal(remote.listCalls.length, 3);
    clock.t += 10_000;
    await cache.readdir('/etl/deep');
    assert.equal(remote.listCalls.length, 6);
  });

  it('noteRenamed moves files, notebooks (extension dropped remotely) and folders with their cached listings', async () => {
    const { remote, cache } = setup();
    await cache.lookup('/etl/deep/x.txt');
    cache.noteRenamed('/etl/Ingest.scala', '/Ingest2.scala');
    const moved = await cache.lookup('/Ingest2.scala');
    assert.equal(moved.entry.path, `${ROOT}/Ingest2`);
    assert.equal(moved.presentation.kind, 'NOTEBOOK');
    await rejectsCode(cache.lookup('/etl/Ingest.scala'), 'ENOENT');
    cache.noteRenamed('/etl/deep', '/shallow');
    const x = await cache.lookup('/shallow/x.txt');
    assert.equal(x.entry.path, `${ROOT}/shallow/x.txt`);
    await rejectsCode(cache.lookup('/etl/deep/x.txt'), 'ENOENT');
    cache.noteRenamed('/README.md', '/etl/README.txt');
    assert.equal((await cache.lookup('/etl/README.txt')).entry.path, `${ROOT}/etl/README.txt`);
    assert.deepEqual((await cache.readdir('/')).names, ['Ingest2.scala', 'Report.ipynb', 'Report.py', 'etl', 'shallow']);
    assert.equal(remote.listCalls.length, 3);
  });

  it('noteChanged patches size and modification time; invalidate forces one new listing', async () => {
    const { remote, cache } = setup();
    await cache.lookup('/README.md');
    cache.noteChanged('/README.md', { size: 2048, modifiedAt: 5000 });
    const readme = await cache.lookup('/README.md');
    assert.equal(readme.entry.size, 2048);
    assert.equal(readme.entry.modifiedAt, 5000);
    assert.equal(remote.listCalls.length, 1);
    cache.invalidate('/');
    assert.equal((await cache.lookup('/README.md')).entry.size, 10);
    await cache.lookup('/etl');
    assert.equal(remote.listCalls.length, 2);
  });

  it('a mutation during an in-flight listing keeps that stale result out of the cache', async () => {
    const remote = seeded();
    remote.hold = true;
    const { cache } = setup(remote);
    const pending = cache.readdir('/');
    await new Promise((resolve) => setImmediate(resolve));
    remote.remove(`${ROOT}/README.md`);
    cache.noteRemoved('/README.md'); // the listing in flight may or may not include it
    remote.hold = false;
    remote.release();
    await pending;
    await rejectsCode(cache.lookup('/README.md'), 'ENOENT');
    assert.equal(remote.listCalls.length, 2, 'the overtaken listing was not stored');
  });
});

describe('MetadataCache: prefetch', () => {
  function wide(): FakeRemote {
    const remote = new FakeRemote();
    for (let i = 0; i < 10; i++) {
      remote.add(`${ROOT}/d${i}`, 'DIRECTORY');
      remote.add(`${ROOT}/d${i}/f.txt`, 'FILE');
      remote.add(`${ROOT}/d${i}/sub`, 'DIRECTORY');
    }
    remote.add(`${ROOT}/file.txt`, 'FILE');
    return remote;
  }

  it('lists subfolders in the background with bounded concurrency, one level deep', async () => {
    const remote = wide();
    const { cache } = setup(remote, { prefetchConcurrency: 3 });
    await cache.readdir('/');
    await cache.prefetchIdle();
    assert.equal(remote.maxInFlight, 3);
    assert.equal(remote.listCalls.length, 11, 'the root and its 10 subfolders, not their subfolders');
    assert.deepEqual(cache.counts().prefetches, 10);
    for (let i = 0; i < 10; i++) await cache.readdir(`/d${i}`);
    await cache.lookup('/d3/f.txt');
    for (let i = 0; i < 10; i++) {
      assert.equal(remote.listCalls.filter((path) => path === `${ROOT}/d${i}`).length, 1, 'the walk is served by the prefetched listings');
    }
    await cache.prefetchIdle();
    assert.equal(remote.listCalls.length, 21, 'reading a subfolder prefetches its own subfolders');
    assert.ok(remote.maxInFlight <= 3);
  });

  it('defaults to 4 in flight, and a foreground lookup joins a prefetch in flight', async () => {
    const remote = wide();
    const clock = { t: 0 };
    const cache = new MetadataCache({ remote, root: ROOT, now: () => clock.t });
    await cache.readdir('/');
    const joined = cache.readdir('/d0');
    await cache.prefetchIdle();
    await joined;
    assert.equal(remote.maxInFlight, 4);
    assert.equal(remote.listCalls.filter((path) => path === `${ROOT}/d0`).length, 1);
  });

  it('swallows prefetch errors, reporting them to the callback only', async () => {
    const remote = wide();
    remote.failing.set(`${ROOT}/d2`, new RemoteError('unavailable', 'down'));
    const errors: Array<[string, unknown]> = [];
    const { cache } = setup(remote, { prefetchConcurrency: 2, onPrefetchError: (path, error) => errors.push([path, error]) });
    await cache.readdir('/');
    await cache.prefetchIdle();
    assert.equal(errors.length, 1);
    assert.equal(errors[0]![0], '/d2');
    assert.ok(errors[0]![1] instanceof FsError);
    assert.equal(cache.counts().prefetchErrors, 1);
    remote.failing.delete(`${ROOT}/d2`);
    assert.deepEqual((await cache.readdir('/d2')).names, ['f.txt', 'sub']);
  });

  it('is off with concurrency 0', async () => {
    const remote = wide();
    const { cache } = setup(remote, { prefetchConcurrency: 0 });
    await cache.readdir('/');
    await cache.prefetchIdle();
    assert.equal(remote.listCalls.length, 1);
  });
});

describe('MetadataCache: while the workspace is unreachable', () => {
  it('a listing that fails as unreachable falls back to the last one; other failures still fail', async () => {
    const remote = seeded();
    const { cache, clock } = setup(remote, { prefetchConcurrency: 0 });
    await cache.lookup('/etl/clean.py');
    clock.t += 60_000;
    remote.failing.set(`${ROOT}/etl`, new RemoteError('network', 'connection refused'));
    assert.equal((await cache.lookup('/etl/clean.py')).entry.size, 5, 'the stale listing answers');
    remote.failing.set(`${ROOT}/etl`, new RemoteError('unauthenticated', 'Invalid access token.'));
    assert.equal((await cache.lookup('/etl/clean.py')).entry.size, 5, 'also while the token is refused');
    remote.failing.set(`${ROOT}/etl`, new RemoteError('permission', 'no access'));
    await assert.rejects(cache.lookup('/etl/clean.py'), (error: FsError) => error.code === 'EACCES');
  });

  it('offline: a folder listed before is answered from its last listing without a request', async () => {
    const remote = seeded();
    let offline = false;
    const { cache, clock } = setup(remote, { prefetchConcurrency: 0, offline: () => offline });
    await cache.readdir('/etl');
    const calls = remote.listCalls.length;
    clock.t += 60_000;
    offline = true;
    assert.deepEqual((await cache.readdir('/etl')).names, ['Ingest.scala', 'clean.py', 'deep']);
    assert.equal(remote.listCalls.length, calls, 'no request while offline');
    offline = false;
    await cache.readdir('/etl');
    assert.ok(remote.listCalls.length > calls, 'back online, a stale listing is refreshed');
  });
});
