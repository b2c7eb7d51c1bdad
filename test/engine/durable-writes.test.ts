// Durable writes of WorkspaceFs over DatabricksRemote and the in-process emulator (real HTTP):
// the write journal (a failed save survives into the next engine run, which finishes it; bytes of
// a file still open are kept and reported; a record whose upload had already applied is dropped),
// conflict copies (changed remotely while edited; created remotely meanwhile; notebooks keep their
// language), background uploads with transfer events, an outage (stale listings stay readable,
// saves wait in the journal, one `disconnected` problem, upload when back; unmount then reads
// nothing back), a revoked token (one `needs-sign-in`, new credentials resume the uploads) and a
// full local disk (a change after a journaled save fails and keeps it; a read answers EIO).
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { FsError } from '../../src/fs/errors';
import { silentLogger } from '../../src/fs/logger';
import { MetadataCache } from '../../src/fs/meta/metadata-cache';
import { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { createRemoteConfig } from '../../src/fs/remote/remote-config';
import { RemoteError } from '../../src/fs/remote/remote-error';
import { RetryPolicy } from '../../src/fs/remote/retry-policy';
import { WorkspaceFs } from '../../src/fs/workspace-fs';
import { RemoteHealth } from '../../src/fs/write/remote-health';
import { WriteJournal } from '../../src/fs/write/write-journal';
import type { TransferProgressEvent } from '../../src/shared/engine-protocol';
import type { Problem } from '../../src/shared/problem';
import { api, home, startEmulator } from '../support/emulator-fixture';
import { removeFolder, tempFolder } from '../support/remote-fixture';
import { inProcessDriver } from '../conformance/in-process-driver';

const HEADER = '# Databricks notebook source';

describe('durable writes (WorkspaceFs + emulator)', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let counter = 0;
  /** Engines a test "killed": never closed. */
  const abandoned: unknown[] = [];

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('durable');
  });
  beforeEach(() => emulator.faults.clear());
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  /** One engine run: its own remote (config reachable for token changes), health, cache and fs. */
  function engine(stateDir: string, options: { uploadMode?: 'sync' | 'background'; now?: () => number; ttlMs?: number } = {}) {
    const problems: Problem[] = [];
    const transfers: Array<Omit<TransferProgressEvent, 'kind'>> = [];
    const config = createRemoteConfig({ host: emulator.host, token: emulator.token, authType: 'pat', env: {} });
    const remote = new DatabricksRemote({ config, tempDir: join(dir, 'tmp'), retry: new RetryPolicy({ baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 }) });
    const now = options.now ?? Date.now;
    const late: { fs?: WorkspaceFs } = {};
    const health = new RemoteHealth({ now, onProblem: (p) => problems.push(p), onRecovered: () => late.fs?.resumeUploads() });
    const observed = health.observe(remote);
    const metadata = new MetadataCache({
      remote: observed,
      root: home(emulator),
      now,
      prefetchConcurrency: 0,
      offline: () => health.state.kind !== 'online',
      ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }),
    });
    const fs = new WorkspaceFs({
      remote: observed,
      metadata,
      stateDir,
      logger: silentLogger(),
      now,
      uid: process.getuid?.() ?? 1000,
      gid: process.getgid?.() ?? 1000,
      uploadMode: options.uploadMode ?? 'sync',
      health,
      onProblem: (p) => problems.push(p),
      onTransfer: (t) => transfers.push(t),
      uploadRetry: { baseDelayMs: 20, maxDelayMs: 100 },
    });
    late.fs = fs;
    return { fs, problems, transfers, config, health, driver: inProcessDriver(fs) };
  }

  const stateDir = (): string => join(dir, `state-${counter++}`);
  const remoteBytes = (path: string): string | undefined => {
    return emulator.tree.contentOf(home(emulator) + path)?.toString();
  };
  const putRemote = async (path: string, text: string): Promise<void> => {
    const target = `${home(emulator)}${path}`.slice(1).split('/').map(encodeURIComponent).join('/');
    const response = await api(emulator, 'POST', `/api/2.0/workspace-files/import-file/${target}?overwrite=true`, { body: text });
    assert.equal(response.status, 200, await response.text());
  };
  /** Polls `condition` every 20 ms for at most 10 s. */
  const eventually = async (what: string, condition: () => boolean | Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.fail(`not within 10 s: ${what}`);
  };
  const records = async (state: string): Promise<string[]> => (await readdir(join(state, 'journal')).catch(() => [])).filter((n) => n.endsWith('.json'));
  /** Makes the emulator refuse every workspace write (import, mkdirs, ...) with a permanent 400. */
  const refuseUploads = (): void => {
    emulator.faults.set({ rules: [{ endpoint: 'POST /api/2.0/workspace*', fault: { kind: 'error', status: 400, errorCode: 'INVALID_PARAMETER_VALUE', message: 'refused for the test' } }] });
  };
  const failsWith = async (promise: Promise<unknown>, code: string): Promise<void> => {
    await assert.rejects(promise, (error: unknown) => error instanceof FsError && error.code === code);
  };

  /**
   * `path` saved as `old`, then written to `complete save` and fsynced while uploads are refused:
   * the save is journaled (`closed`), not uploaded, and the handle stays open.
   */
  const journaledSave = async (state: string, path: string) => {
    const first = engine(state);
    await first.driver.writeFile(path, 'old');
    refuseUploads();
    const file = await first.driver.open(path, 'r+');
    await file.write('complete save', 0);
    await failsWith(file.sync(), 'EINVAL');
    const [name] = await records(state);
    const record = (): Promise<{ state: string }> => readFile(join(state, 'journal', name!), 'utf8').then((text) => JSON.parse(text) as { state: string });
    assert.equal((await record()).state, 'closed', 'the fsynced save is journaled');
    return { first, file, record };
  };

  it('a save that fails stays journaled (one upload-failed problem); the next engine run finishes it', async () => {
    const state = stateDir();
    const first = engine(state);
    await first.fs.mkdir('/journal-a', 0o755);
    refuseUploads();
    await failsWith(first.driver.writeFile('/journal-a/report.txt', 'saved bytes'), 'EINVAL');
    await failsWith(first.fs.flushAll(), 'EINVAL');
    assert.deepEqual(first.problems.map((p) => p.kind), ['upload-failed'], 'told once, not per attempt');
    const [name] = await records(state);
    const record = JSON.parse(await readFile(join(state, 'journal', name!), 'utf8')) as { state: string; path: string; base?: unknown };
    assert.equal(record.state, 'closed');
    assert.equal(record.path, '/journal-a/report.txt');
    assert.equal(record.base, undefined, 'a created file has no base: it must not overwrite anything');
    assert.equal(remoteBytes('/journal-a/report.txt'), undefined);

    emulator.faults.clear();
    const second = engine(state);
    assert.equal(await second.fs.recover(), 1);
    assert.equal((await second.fs.getattr('/journal-a/report.txt')).size, 11, 'the pending save shows at once');
    await eventually('the recovered save reaches the workspace', () => remoteBytes('/journal-a/report.txt') === 'saved bytes');
    await eventually('the record is removed', async () => (await records(state)).length === 0);
    assert.equal(await second.driver.readFile('/journal-a/report.txt').then(String), 'saved bytes');
    assert.deepEqual(second.problems, []);
  });

  it('bytes of a file still open when the engine stopped are kept in unsaved/ and reported, never uploaded', async () => {
    const state = stateDir();
    const first = engine(state);
    await first.driver.writeFile('/open-at-crash.txt', 'old');
    const file = await first.driver.open('/open-at-crash.txt', 'r+');
    await file.write('half-written', 0);
    // The engine dies here: no close, no flush (kept referenced, so its descriptors stay open
    // until the process ends, as a dead engine's would have).
    abandoned.push(first);
    const second = engine(state);
    assert.equal(await second.fs.recover(), 0);
    assert.equal(remoteBytes('/open-at-crash.txt'), 'old');
    const kept = await readdir(join(state, 'unsaved'));
    assert.equal(kept.length, 1);
    assert.match(kept[0]!, /^open-at-crash \(unsaved \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d\)\.txt-/);
    assert.equal(await readFile(join(state, 'unsaved', kept[0]!), 'utf8'), 'half-written');
    assert.equal(second.problems.length, 1);
    assert.equal(second.problems[0]!.kind, 'other');
    assert.match(second.problems[0]!.message, /open for writing/);
    assert.deepEqual(await records(state), []);
  });

  it('a save journaled but not uploaded, then written on: a crash keeps the new bytes in unsaved/, never uploads them half-written', async () => {
    const state = stateDir();
    const { first, file, record } = await journaledSave(state, '/torn.txt');
    await file.write('TORN', 0);
    assert.equal((await record()).state, 'open', 'written on since: the record no longer vouches for the bytes');
    abandoned.push(first); // the engine dies with the file open
    emulator.faults.clear();
    const second = engine(state);
    assert.equal(await second.fs.recover(), 0, 'nothing is uploaded');
    assert.equal(remoteBytes('/torn.txt'), 'old');
    const kept = await readdir(join(state, 'unsaved'));
    assert.equal(kept.length, 1);
    assert.equal(await readFile(join(state, 'unsaved', kept[0]!), 'utf8'), 'TORNlete save');
    assert.match(second.problems.map((p) => p.message).join('\n'), /open for writing/);
  });

  it('a save journaled but not uploaded, then written on: the background uploader leaves it until the next close', async () => {
    const { fs, driver } = engine(stateDir(), { uploadMode: 'background' });
    const uploadOwed = (): Promise<boolean> => (fs as unknown as { uploadOwed: () => Promise<boolean> }).uploadOwed();
    await driver.writeFile('/written-on.txt', 'old');
    await eventually('the first save is uploaded', () => remoteBytes('/written-on.txt') === 'old');
    fs.stopBackground(); // the uploader runs only when this test runs it
    await driver.writeFile('/written-on.txt', 'complete save'); // journaled and owed
    const file = await driver.open('/written-on.txt', 'r+');
    await file.write('TORN', 0); // written on: the record is `open` again
    await uploadOwed();
    assert.equal(remoteBytes('/written-on.txt'), 'old', 'bytes written since the save are not uploaded as it');
    await file.close();
    await uploadOwed();
    assert.equal(remoteBytes('/written-on.txt'), 'TORNlete save', 'the next close journals and queues them');
  });

  it('a save journaled but not uploaded, then written on while the journal cannot be written: the write fails with ENOSPC, the save and its record stay', async () => {
    const state = stateDir();
    const { first, file, record } = await journaledSave(state, '/torn-full.txt');
    // The disk fills up: the `open` record that must replace the `closed` one cannot be written.
    const journal = (first.fs as unknown as { journal: WriteJournal }).journal;
    const write = journal.write.bind(journal);
    const durable: boolean[] = [];
    journal.write = (r) => Promise.reject(Object.assign(new Error(`ENOSPC: no space left on device, open '${r.id}.json'`), { code: 'ENOSPC', syscall: 'open', errno: -28 }));
    await failsWith(file.write('TORN', 0), 'ENOSPC');
    await failsWith(file.write('TORN', 0), 'ENOSPC'); // not just the first change: every one until the record is written
    assert.equal((await record()).state, 'closed', 'the save is still vouched for');
    assert.equal(await first.driver.readFile('/torn-full.txt').then(String), 'complete save', 'the saved bytes were not overwritten');
    assert.equal(first.problems.filter((p) => p.kind === 'other' && /ENOSPC/.test(p.message)).length, 1, 'one local-disk problem');
    // Space again: the change is made, its record replaces the closed one durably.
    journal.write = (r, d) => {
      durable.push(d);
      return write(r, d);
    };
    await file.write('TORN', 0);
    assert.equal((await record()).state, 'open');
    assert.deepEqual(durable, [true], 'the record replacing a durable one is written durably');
    abandoned.push(first); // the engine dies with the file open
    emulator.faults.clear();
    const second = engine(state);
    assert.equal(await second.fs.recover(), 0, 'nothing is uploaded');
    assert.equal(remoteBytes('/torn-full.txt'), 'old');
  });

  it('a read whose local copy hits a full disk answers EIO (not ENOSPC), with one problem saying how to fix it', async (t) => {
    const state = stateDir();
    const first = engine(state);
    await first.driver.writeFile('/to-read-full.txt', 'content');
    const second = engine(state); // a fresh engine: no working copy to read from
    const handle = await second.fs.open('/to-read-full.txt', constants.O_RDONLY);
    // The download into the local copy meets a full disk after the open (a streaming download).
    const enospc = (): Error => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
    const copy = (second.fs as unknown as { handles: Map<number, { copy: { kind: string; file: object; fd: object } }> }).handles.get(handle)!.copy;
    t.mock.method((copy.kind === 'growing' ? copy.file : copy.fd) as { read: () => Promise<never> }, 'read', () => Promise.reject(enospc()));
    for (let i = 0; i < 2; i++) {
      await assert.rejects(second.fs.read('/to-read-full.txt', handle, Buffer.alloc(16), 16, 0), (error: unknown) => {
        assert.ok(error instanceof FsError && error.code === 'EIO', String(error));
        assert.match(error.message, /is full: free space there, then open the file again/);
        return true;
      });
    }
    t.mock.restoreAll();
    await second.fs.release('/to-read-full.txt', handle);
    assert.equal(second.problems.length, 1, JSON.stringify(second.problems));
    assert.match(second.problems[0]!.message, /Programs reading files not copied yet get EIO/);
  });

  it('a record this engine cannot read (another format, broken JSON) keeps its staging file: recovery deletes only unnamed clean copies', async () => {
    const state = stateDir();
    const first = engine(state);
    await first.fs.mkdir('/journal-future', 0o755);
    refuseUploads();
    await failsWith(first.driver.writeFile('/journal-future/a.txt', 'bytes of a newer wsfs'), 'EINVAL');
    await failsWith(first.driver.writeFile('/journal-future/b.txt', 'bytes behind broken JSON'), 'EINVAL');
    emulator.faults.clear();
    const byPath = new Map<string, { file: string; record: { staging: string } }>();
    for (const name of await records(state)) {
      const file = join(state, 'journal', name);
      const record = JSON.parse(await readFile(file, 'utf8')) as { path: string; staging: string };
      byPath.set(record.path, { file, record });
    }
    const { file: pathA, record: recordA } = byPath.get('/journal-future/a.txt')!;
    const { file: pathB, record: recordB } = byPath.get('/journal-future/b.txt')!;
    // A newer wsfs wrote A (format 2); B is cut off (its staging file cannot be learnt from it).
    await writeFile(pathA, JSON.stringify({ ...recordA, format: 2 }));
    await writeFile(pathB, (await readFile(pathB, 'utf8')).slice(0, 20));
    const staged = join(state, 'staging');
    const second = engine(state);
    assert.equal(await second.fs.recover(), 0);
    assert.equal(second.problems.filter((p) => /could not be read/.test(p.message)).length, 2);
    assert.equal(await readFile(join(staged, recordA.staging), 'utf8'), 'bytes of a newer wsfs');
    assert.equal(await readFile(join(staged, recordB.staging), 'utf8'), 'bytes behind broken JSON');
    // Once the records are readable again, a third run finishes both saves.
    await writeFile(pathA, JSON.stringify(recordA));
    await writeFile(pathB, JSON.stringify(recordB));
    const third = engine(state);
    assert.equal(await third.fs.recover(), 2);
    await eventually('both saves reach the workspace', () => remoteBytes('/journal-future/a.txt') === 'bytes of a newer wsfs' && remoteBytes('/journal-future/b.txt') === 'bytes behind broken JSON');
  });

  it('a file unlinked while open and written on (the temp-file pattern) leaves no journal record behind', async () => {
    const state = stateDir();
    const run = engine(state);
    const file = await run.driver.open('/scratch-unlinked.tmp.txt', 'w');
    await file.write('first', 0);
    assert.equal((await records(state)).length, 1, 'the first change is journaled');
    await run.fs.unlink('/scratch-unlinked.tmp.txt');
    assert.deepEqual(await records(state), [], 'unlink drops the record');
    await file.write(' and more', 5);
    assert.equal((await file.read(100, 0)).toString(), 'first and more', 'the open file keeps working');
    assert.deepEqual(await records(state), [], 'a write to the unlinked file journals nothing');
    await file.close();
    assert.deepEqual(await records(state), []);
    assert.equal(remoteBytes('/scratch-unlinked.tmp.txt'), undefined);
    // A restart finds nothing to keep or report.
    const next = engine(state);
    assert.equal(await next.fs.recover(), 0);
    await assert.rejects(readdir(join(state, 'unsaved')), { code: 'ENOENT' });
    assert.deepEqual(next.problems, []);
  });

  it('a record whose upload had already applied is dropped at recovery, without a conflict copy', async () => {
    const state = stateDir();
    const first = engine(state);
    await first.driver.writeFile('/applied.txt', 'version 1');
    const before = emulator.tree.find(`${home(emulator)}/applied.txt`) as { objectId: number; modifiedAt: number };
    await putRemote('/applied.txt', 'version 2'); // "our" upload, whose record removal was lost
    await writeFile(join(state, 'staging', 'leftover-applied.txt'), 'version 2');
    await new WriteJournal(join(state, 'journal')).write(
      {
        format: 1,
        id: 'r1',
        state: 'closed',
        path: '/applied.txt',
        remotePath: `${home(emulator)}/applied.txt`,
        base: { objectId: before.objectId, modifiedAt: before.modifiedAt - 1000, size: 9 },
        staging: 'leftover-applied.txt',
        size: 9,
        recordedAt: Date.now(),
      },
      true,
    );
    const second = engine(state);
    assert.equal(await second.fs.recover(), 1);
    await eventually('the record is dropped', async () => (await records(state)).length === 0);
    assert.equal(remoteBytes('/applied.txt'), 'version 2');
    const names = (await second.fs.readdir('/')).map((e) => e.name);
    assert.ok(!names.some((n) => n.includes('conflict')), names.join(', '));
    assert.deepEqual(second.problems, []);
  });

  it('a file changed in the workspace while edited here: the local bytes become a conflict copy, the remote version stays', async () => {
    const { fs, driver, problems } = engine(stateDir());
    await fs.mkdir('/conflict', 0o755);
    await driver.writeFile('/conflict/notes.txt', 'base');
    const file = await driver.open('/conflict/notes.txt', 'r+');
    await file.write('mine', 0);
    await putRemote('/conflict/notes.txt', 'theirs, longer');
    await file.close();
    assert.equal(remoteBytes('/conflict/notes.txt'), 'theirs, longer', 'the remote version is never overwritten silently');
    const names = (await fs.readdir('/conflict')).map((e) => e.name);
    const copy = names.find((n) => /^notes \(conflict \d{4}-\d\d-\d\d \d\d\.\d\d\)\.txt$/.test(n));
    assert.ok(copy !== undefined, names.join(', '));
    assert.equal(remoteBytes(`/conflict/${copy}`), 'mine');
    assert.equal(await driver.readFile('/conflict/notes.txt').then(String), 'theirs, longer');
    assert.equal(problems.length, 1);
    const problem = problems[0]!;
    assert.ok(problem.kind === 'conflict-copy' && problem.path === '/conflict/notes.txt' && problem.copyPath === `/conflict/${copy}`, JSON.stringify(problem));
  });

  it('a notebook\'s conflict copy keeps its extension and so its language; a second conflict in the same minute gets seconds', async () => {
    const { fs, driver, problems } = engine(stateDir());
    await fs.mkdir('/nb-conflict', 0o755);
    await driver.writeFile('/nb-conflict/etl.py', `${HEADER}\nprint(1)\n`);
    for (const round of [1, 2]) {
      const file = await driver.open('/nb-conflict/etl.py', 'w');
      await file.write(`${HEADER}\nprint("mine ${round}")\n`, 0);
      const response = await api(emulator, 'POST', '/api/2.0/workspace/import', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: `${home(emulator)}/nb-conflict/etl`, format: 'SOURCE', language: 'PYTHON', overwrite: true, content: Buffer.from(`${HEADER}\nprint("theirs ${round}")\n`).toString('base64') }),
      });
      assert.equal(response.status, 200);
      await file.close();
    }
    const copies = (await fs.readdir('/nb-conflict')).map((e) => e.name).filter((n) => n.includes('conflict'));
    assert.equal(copies.length, 2, copies.join(', '));
    for (const copy of copies) {
      assert.match(copy, /^etl \(conflict [\d-]+ [\d.]+\)\.py$/);
      const node = emulator.tree.find(`${home(emulator)}/nb-conflict/${copy.slice(0, -3)}`) as { type?: string; kind?: string; language?: string } | undefined;
      assert.equal(node?.language, 'PYTHON', `${copy} is a Python notebook`);
    }
    assert.deepEqual(problems.map((p) => p.kind), ['conflict-copy', 'conflict-copy']);
    assert.match(await driver.readFile('/nb-conflict/etl.py').then(String), /theirs 2/);
  });

  it('a new file whose name was taken in the workspace meanwhile does not overwrite it', async () => {
    const { fs, driver, problems } = engine(stateDir());
    await fs.mkdir('/created-both', 0o755);
    await fs.readdir('/created-both');
    const handle = await fs.create('/created-both/new.txt', 0o644, constants.O_WRONLY | constants.O_CREAT);
    await fs.write('/created-both/new.txt', handle, Buffer.from('local'), 5, 0);
    await putRemote('/created-both/new.txt', 'remote');
    await fs.release('/created-both/new.txt', handle);
    assert.equal(remoteBytes('/created-both/new.txt'), 'remote');
    const copy = (await fs.readdir('/created-both')).map((e) => e.name).find((n) => n.startsWith('new (conflict'));
    assert.ok(copy !== undefined);
    assert.equal(remoteBytes(`/created-both/${copy}`), 'local');
    assert.equal(await driver.readFile('/created-both/new.txt').then(String), 'remote');
    assert.deepEqual(problems.map((p) => p.kind), ['conflict-copy']);
  });

  it('background uploads: close returns once journaled, the upload follows (queued, running, done); fsync waits', async () => {
    const { fs, driver, transfers } = engine(stateDir(), { uploadMode: 'background' });
    await fs.mkdir('/bg', 0o755);
    emulator.faults.set({ rules: [{ endpoint: 'POST /api/2.0/workspace-files/import-file/{path}', fault: { kind: 'latency', ms: 300 } }] });
    const started = Date.now();
    await driver.writeFile('/bg/later.txt', 'background bytes');
    assert.ok(Date.now() - started < 300, 'close did not wait for the 300 ms upload');
    const summary = fs.transfers();
    assert.equal(summary.uploadsQueued + summary.uploadsInFlight, 1, JSON.stringify(summary));
    assert.equal(await driver.readFile('/bg/later.txt').then(String), 'background bytes', 'the pending content is what reads see');
    await eventually('the background upload lands', () => remoteBytes('/bg/later.txt') === 'background bytes');
    await eventually('nothing is owed', () => fs.transfers().uploadsQueued + fs.transfers().uploadsInFlight === 0);
    const phases = transfers.filter((t) => t.path === '/bg/later.txt').map((t) => t.phase);
    assert.deepEqual(phases.filter((phase, i) => phase !== phases[i - 1]), ['queued', 'running', 'done'], phases.join(','));
    assert.equal(transfers.at(-1)!.bytesDone, 16);

    const file = await driver.open('/bg/synced.txt', 'w');
    await file.write('fsync waits', 0);
    await file.sync();
    assert.equal(remoteBytes('/bg/synced.txt'), 'fsync waits', 'fsync returned after the upload');
    await file.close();
  });

  it('a running upload reports its bytes: stats and transfer:progress between 0 and the size', async () => {
    const { fs, driver, transfers } = engine(stateDir(), { uploadMode: 'background' });
    await fs.mkdir('/progress', 0o755);
    emulator.faults.set({ bandwidthMbps: 48 });
    const size = 12 * 1024 * 1024; // through new-files and a signed PUT
    await driver.writeFile('/progress/big.bin', Buffer.alloc(size, 7));
    let midway: ReturnType<typeof fs.transfers> | undefined;
    for (let i = 0; i < 400 && midway === undefined; i++) {
      const now = fs.transfers();
      if (now.uploadsInFlight === 1 && now.bytesUploaded > 0 && now.bytesUploaded < size) midway = now;
      else await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(midway !== undefined, 'the stats showed the upload midway');
    assert.equal(midway.bytesToUpload, size);
    await eventually('the upload lands', () => remoteBytes('/progress/big.bin')?.length === size);
    const running = transfers.filter((t) => t.path === '/progress/big.bin' && t.phase === 'running' && t.bytesDone > 0 && t.bytesDone < size);
    assert.ok(running.length >= 1, 'at least one progress event between 0 and the size');
    assert.ok(running.every((t) => t.bytesTotal === size));
    // The workspace stores the bytes before its answer reaches the engine, which then reports done.
    await eventually('the upload is reported done', () => transfers.filter((t) => t.path === '/progress/big.bin').at(-1)?.phase === 'done');
  });

  it('a download reports its bytes as transfer:progress (direction download): running, between 0 and the size, done; a cache hit reports none', async () => {
    const writer = engine(stateDir());
    await writer.fs.mkdir('/down', 0o755);
    const size = 8 * 1024 * 1024;
    await writer.driver.writeFile('/down/big.bin', Buffer.alloc(size, 3));
    await writer.driver.writeFile('/down/nb.py', `${HEADER}\nx = 1\n`);
    const { driver, transfers } = engine(stateDir());
    await driver.readdir('/down'); // the listing gives the file's size
    emulator.faults.set({ bandwidthMbps: 48 });
    assert.equal((await driver.readFile('/down/big.bin')).length, size);
    emulator.faults.clear();
    const events = transfers.filter((t) => t.path === '/down/big.bin');
    assert.ok(events.every((t) => t.direction === 'download' && t.transferId === events[0]!.transferId), JSON.stringify(events));
    assert.deepEqual(events[0], { ...events[0]!, phase: 'running', bytesDone: 0, bytesTotal: size });
    const midway = events.filter((t) => t.phase === 'running' && t.bytesDone > 0 && t.bytesDone < size);
    assert.ok(midway.length >= 1, `at least one event between 0 and the size: ${JSON.stringify(events)}`);
    assert.ok(midway.every((t) => t.bytesTotal === size));
    assert.deepEqual(events.at(-1), { ...events[0]!, phase: 'done', bytesDone: size, bytesTotal: size });

    const source = await driver.readFile('/down/nb.py');
    const notebook = transfers.filter((t) => t.path === '/down/nb.py');
    assert.deepEqual(notebook.map((t) => t.phase), ['running', 'done']);
    assert.deepEqual([notebook.at(-1)!.bytesDone, notebook.at(-1)!.bytesTotal], [source.length, source.length], 'a notebook\'s total is known when it arrived');

    const before = transfers.length;
    await driver.readFile('/down/big.bin');
    assert.equal(transfers.length, before, 'a cached copy is not downloaded again');
  });

  it('a download that fails reports failed', async () => {
    const writer = engine(stateDir());
    await writer.fs.mkdir('/down-fail', 0o755);
    await writer.driver.writeFile('/down-fail/a.txt', 'bytes');
    const { driver, transfers } = engine(stateDir());
    await driver.readdir('/down-fail');
    emulator.faults.set({ rules: [{ endpoint: 'GET /api/2.0/workspace/export', fault: { kind: 'error', status: 403 } }] });
    await assert.rejects(driver.readFile('/down-fail/a.txt'));
    emulator.faults.clear();
    assert.deepEqual(transfers.filter((t) => t.path === '/down-fail/a.txt').map((t) => [t.direction, t.phase]), [['download', 'running'], ['download', 'failed']]);
  });

  it('background uploads: a save renamed right away (also across notebook languages), and an editor\'s atomic save', async () => {
    const { fs, driver } = engine(stateDir(), { uploadMode: 'background' });
    await fs.mkdir('/bg-rename', 0o755);
    await driver.writeFile('/bg-rename/q.py', `${HEADER}\nx = 1\n`);
    await driver.rename('/bg-rename/q.py', '/bg-rename/q.sql');
    const text = (await driver.readFile('/bg-rename/q.sql')).toString();
    assert.ok(text.startsWith('-- Databricks notebook source\n'), text);
    assert.deepEqual(await driver.readdir('/bg-rename'), ['q.sql']);
    await driver.writeFile('/bg-rename/doc.txt', 'version 1');
    await eventually('the first version lands', () => remoteBytes('/bg-rename/doc.txt') === 'version 1');
    await driver.writeFile('/bg-rename/.doc.txt.swp', 'version 2');
    await driver.rename('/bg-rename/.doc.txt.swp', '/bg-rename/doc.txt');
    assert.equal(await driver.readFile('/bg-rename/doc.txt').then(String), 'version 2');
    await eventually('the saved version is in the workspace', () => remoteBytes('/bg-rename/doc.txt') === 'version 2');
    assert.deepEqual(await driver.readdir('/bg-rename'), ['doc.txt', 'q.sql']);
  });

  it('unmount during an outage writes the times at once: pending read-backs are not tried while offline', async () => {
    const { fs, driver, health } = engine(stateDir());
    await fs.mkdir('/offline-unmount', 0o755);
    emulator.faults.set({ rules: [{ endpoint: 'GET /api/2.0/workspace-files/list-files', fault: { kind: 'error', status: 503 } }] });
    await driver.writeFile('/offline-unmount/a.txt', 'uploaded, not read back'); // its read-back is now pending
    emulator.faults.set({ rules: [{ fault: { kind: 'error', status: 503 } }] });
    await failsWith(driver.writeFile('/offline-unmount/b.txt', 'during the outage'), 'ETIMEDOUT');
    assert.equal(health.state.kind, 'disconnected');
    const pending = (fs as unknown as { readBacks: Map<string, unknown> }).readBacks;
    const hadPending = pending.size > 0;
    emulator.stats.reset();
    await fs.saveTimes();
    assert.equal(emulator.stats.snapshot().requests['GET /api/2.0/workspace-files/list-files'] ?? 0, 0, 'no listing while offline');
    if (hadPending) assert.ok(pending.size > 0, 'the read-back stays pending');
    emulator.faults.clear();
    fs.stopBackground();
  });

  it('an outage: listed files stay readable, saves wait in the journal (one disconnected problem), and upload when it is over', async () => {
    let clock = Date.now();
    const { fs, driver, problems, health } = engine(stateDir(), { now: () => clock, ttlMs: 1_000 });
    await fs.mkdir('/outage', 0o755);
    await driver.writeFile('/outage/read-me.txt', 'cached bytes');
    await driver.writeFile('/outage/edit-me.txt', 'before');
    assert.equal(await driver.readFile('/outage/read-me.txt').then(String), 'cached bytes');
    emulator.faults.set({ rules: [{ fault: { kind: 'error', status: 503 } }] });
    await failsWith(driver.writeFile('/outage/edit-me.txt', 'during the outage'), 'ETIMEDOUT');
    assert.equal(health.state.kind, 'disconnected');
    const started = Date.now();
    await failsWith(driver.writeFile('/outage/second.txt', 'also waits'), 'ETIMEDOUT');
    assert.ok(Date.now() - started < 2_000, 'a known outage fails a synchronous save at once');
    clock += 5_000; // every listing is stale now
    assert.equal(await driver.readFile('/outage/read-me.txt').then(String), 'cached bytes', 'the last listing and the local copy serve reads');
    assert.equal(await driver.readFile('/outage/edit-me.txt').then(String), 'during the outage', 'the waiting save shows');
    assert.ok(fs.transfers().uploadsQueued >= 1, JSON.stringify(fs.transfers()));
    assert.equal(fs.transfers().connection, 'disconnected', 'the stats show the outage');
    assert.deepEqual(problems.map((p) => p.kind), ['disconnected'], 'one problem for the whole outage');
    emulator.faults.clear();
    await eventually('the journaled saves upload once the workspace answers', () => remoteBytes('/outage/edit-me.txt') === 'during the outage' && remoteBytes('/outage/second.txt') === 'also waits');
    await eventually('nothing is owed', () => fs.transfers().uploadsQueued + fs.transfers().uploadsInFlight === 0);
    assert.equal(health.state.kind, 'online');
    assert.equal(fs.transfers().connection, 'online');
    // With nothing owed, the uploader probes the workspace, so an outage still ends.
    const state = (): string => health.state.kind;
    health.failed(new RemoteError('network', 'gave up', { attempts: 6 }));
    assert.equal(state(), 'disconnected');
    await eventually('a probe ends the outage', () => state() === 'online');
  });

  it('a revoked token: one needs-sign-in problem, saves wait; new credentials resume them', async () => {
    const { fs, driver, problems, config } = engine(stateDir());
    await fs.mkdir('/signin', 0o755);
    const original = emulator.token;
    emulator.token = `${original}-renewed`;
    try {
      await failsWith(driver.writeFile('/signin/a.txt', 'first'), 'EACCES');
      await failsWith(driver.writeFile('/signin/b.txt', 'second'), 'EACCES');
      assert.deepEqual(problems.map((p) => p.kind), ['needs-sign-in']);
      assert.equal(fs.transfers().connection, 'needs-sign-in', 'the stats show the refusal');
      assert.equal(remoteBytes('/signin/a.txt'), undefined);
      config.token = emulator.token;
      fs.credentialsChanged();
      await eventually('the waiting saves upload with the new token', () => remoteBytes('/signin/a.txt') === 'first' && remoteBytes('/signin/b.txt') === 'second');
    } finally {
      emulator.token = original;
    }
  });
});
