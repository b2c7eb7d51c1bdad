// Cold reads while the download runs, through a real mount (docs/cache.md "Reading while it
// downloads"): the emulator holds a file's body after its first bytes (`hold` fault); reads of
// bytes already on disk return at once, a read past them waits until the body is released, and the
// whole file then reads back by sha256; a read-only handle is served by the binding (read-through)
// only once the copy is complete. A body cut off for good fails the waiting read with the mapped
// errno, nothing of it is kept in the cache, and the next open downloads it again correctly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { FaultRule } from '../../src/emulator/fault-injector';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { mountWorkspace, type MountedWorkspace } from '../support/mounted-workspace';

const KiB = 1024;
const MiB = 1024 * KiB;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
/** The endpoints a file's bytes come from (export below the large-read threshold, a signed URL above). */
const DOWNLOADS = ['GET /api/2.0/workspace/export', 'GET /__emulator/signed/{token}'];

/** Deterministic, incompressible-looking content (so a wrong offset cannot read the same bytes). */
function content(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.writeUInt32LE(state, i);
  }
  return out;
}

/** The files the tests read (written before mounting: the listing is cached for the TTL). */
const FILES = {
  'stream-export.bin': content(6 * MiB, 1),
  'stream-signed.bin': content(12 * MiB, 2),
  'shared.bin': content(4 * MiB, 3),
  'head.bin': content(3 * MiB, 4),
  'cut.bin': content(5 * MiB, 5),
  'uncached.bin': content(8 * MiB, 6),
  'reopen.bin': content(4 * MiB, 7),
};

/** Opens `file` read-only; fails when the open does not return within 20 s (it waits for the first bytes only). */
async function openSoon(file: string): Promise<FileHandle> {
  const opening = open(file, 'r');
  const first = await Promise.race([opening, sleep(20_000).then(() => undefined)]);
  if (first === undefined) {
    void opening.then((handle) => handle.close(), () => undefined);
    return assert.fail(`opening ${file} waited for more than its first bytes`);
  }
  return first;
}

/** Whether `promise` is still pending after `ms` (a bounded wait; false once it settled). */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = Symbol('settled');
  const first = await Promise.race([promise.then(() => settled, () => settled), sleep(ms).then(() => 'pending')]);
  return first === 'pending';
}

describe('cold reads while the download runs (real mount)', () => {
  let mount: MountedWorkspace;
  /** The same workspace mounted with --no-cache. */
  let uncached: MountedWorkspace;
  const cacheData = (): Promise<string[]> => {
    const root = path.join(path.dirname(mount.stateHome), 'cache', 'wsfs');
    return readdir(root).then(
      async (ids) => (await Promise.all(ids.map((id) => readdir(path.join(root, id, 'data')).catch(() => [])))).flat(),
      () => [],
    );
  };
  /** Waits (bounded) until the emulator holds `count` bodies at their hold point. */
  const held = async (count: number): Promise<void> => {
    for (let i = 0; i < 500 && mount.emulator.faults.heldCount() < count; i++) await sleep(10);
    assert.equal(mount.emulator.faults.heldCount(), count, 'the download did not reach its hold point');
  };
  const hold = (afterBytes: number, count = 1): FaultRule[] => DOWNLOADS.map((endpoint) => ({ endpoint, count, fault: { kind: 'hold', afterBytes } }));

  before(async () => {
    const emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    // A folder of their own: no small files beside them, so no prefetch (docs/cache.md) sends requests the hold rules would catch.
    const remotePath = `/Users/${emulator.userName}/streamed`;
    emulator.tree.createFolder(remotePath);
    for (const [name, data] of Object.entries(FILES)) emulator.tree.write(`${remotePath}/${name}`, { kind: 'FILE', content: data });
    try {
      mount = await mountWorkspace({ emulatorInstance: emulator, remotePath, args: ['--debug'] });
      uncached = await mountWorkspace({ emulatorInstance: emulator, remotePath, args: ['--debug', '--no-cache'] });
    } catch (error) {
      await emulator.stop();
      throw error;
    }
  });
  after(async () => {
    mount?.emulator.faults.releaseHeld('reset');
    await uncached?.stop();
    await mount?.stop();
    await mount?.emulator.stop();
  });

  for (const [label, name] of [
    ['through export (below the large-read threshold)', 'stream-export.bin'],
    ['through a signed URL (above it)', 'stream-signed.bin'],
  ] as const) {
    it(`answers reads of the bytes on disk while the body is held, ${label}`, async () => {
      const data = FILES[name];
      const size = data.length;
      mount.emulator.faults.set({ rules: hold(MiB) });
      const position = size - 3 * MiB;
      const file = await openSoon(mount.local(name));
      try {
        await held(1);
        mount.emulator.faults.clear();
        const head = Buffer.alloc(64 * KiB);
        const { bytesRead } = await file.read(head, 0, head.length, 0);
        assert.equal(bytesRead, head.length);
        assert.ok(head.equals(data.subarray(0, head.length)), 'the first 64 KiB differ');
        assert.equal(mount.emulator.faults.heldCount(), 1, 'the first bytes were answered only after the body went on');

        const far = Buffer.alloc(64 * KiB);
        const farRead = file.read(far, 0, far.length, position);
        assert.ok(await stillPending(farRead, 500), 'a read past the bytes on disk returned while the body was held');
        assert.equal(mount.emulator.faults.releaseHeld(), 1);
        assert.equal((await farRead).bytesRead, far.length);
        assert.ok(far.equals(data.subarray(position, position + far.length)), 'the bytes read after the release differ');
        // The whole file through the same (streaming) handle, then through a new open.
        const whole = Buffer.alloc(size);
        assert.equal((await file.read(whole, 0, size, 0)).bytesRead, size);
        assert.equal(sha(whole), sha(data));
      } finally {
        mount.emulator.faults.releaseHeld('reset');
        await file.close();
      }
      assert.equal(sha(await readFile(mount.local(name))), sha(data));
      // The growing copy was never offered to read-through: the first handle's reads came through
      // the engine (the binding would have answered them itself); a later open gets read-through.
      const log = mount.engineLog();
      const opens = [...log.matchAll(new RegExp(`open /${name} flags=0x[0-9a-f]+ -> fh=(\\d+)`, 'g'))].map((match) => match[1]!);
      assert.equal(opens.length, 2, 'two opens in the engine log');
      assert.match(log, new RegExp(`read /${name} fh=${opens[0]!} len=\\d+ pos=${position} -> `), 'the first handle did not read through the engine');
      assert.match(log, new RegExp(`open /${name} fh=${opens[1]!}: reads served by the binding`), 'the complete copy was not offered to read-through');
    });
  }

  it('several handles and readers share one download', async () => {
    const name = 'shared.bin';
    const data = FILES[name];
    mount.emulator.stats.reset();
    mount.emulator.faults.set({ rules: hold(512 * KiB) });
    const files = [await openSoon(mount.local(name))];
    try {
      await held(1);
      mount.emulator.faults.clear();
      files.push(await openSoon(mount.local(name)));
      const reads = files.map((file, index) => {
        const buffer = Buffer.alloc(256 * KiB);
        const position = (index + 1) * MiB;
        return file.read(buffer, 0, buffer.length, position).then(({ bytesRead }) => ({ buffer: buffer.subarray(0, bytesRead), position }));
      });
      assert.ok(await stillPending(Promise.any(reads), 300), 'a read past the held bytes returned');
      mount.emulator.faults.releaseHeld();
      for (const { buffer, position } of await Promise.all(reads)) assert.ok(buffer.equals(data.subarray(position, position + 256 * KiB)));
    } finally {
      mount.emulator.faults.releaseHeld('reset');
      for (const file of files) await file.close();
    }
    const requests = mount.emulator.stats.snapshot().requests;
    assert.equal(DOWNLOADS.reduce((sum, key) => sum + (requests[key] ?? 0), 0), 1, `downloads: ${JSON.stringify(requests)}`);
  });

  it('every reader closing before the end (head): the download finishes into the cache', async () => {
    const name = 'head.bin';
    const data = FILES[name];
    const kept = (await cacheData()).length;
    mount.emulator.faults.set({ rules: hold(256 * KiB) });
    const file = await openSoon(mount.local(name));
    const head = Buffer.alloc(4096);
    try {
      await file.read(head, 0, head.length, 0);
    } finally {
      await file.close();
    }
    assert.ok(head.equals(data.subarray(0, 4096)));
    await held(1);
    mount.emulator.faults.clear();
    mount.emulator.faults.releaseHeld();
    let files: string[] = [];
    for (let i = 0; i < 500 && files.length <= kept; i++, await sleep(10)) files = (await cacheData()).filter((f) => !f.endsWith('.part'));
    assert.equal(files.length, kept + 1, 'the finished download was not kept');
    mount.emulator.stats.reset();
    assert.equal(sha(await readFile(mount.local(name))), sha(data));
    const requests = mount.emulator.stats.snapshot().requests;
    assert.equal(DOWNLOADS.reduce((sum, key) => sum + (requests[key] ?? 0), 0), 0, 'the kept copy was downloaded again');
  });

  it('a body cut off for good: the waiting read fails with ETIMEDOUT, nothing is cached, the next open reads it whole', async () => {
    const name = 'cut.bin';
    const data = FILES[name];
    const kept = await cacheData();
    mount.emulator.faults.set({ rules: hold(MiB) });
    const file = await openSoon(mount.local(name));
    try {
      await held(1);
      const head = Buffer.alloc(128 * KiB);
      await file.read(head, 0, head.length, 0);
      assert.ok(head.equals(data.subarray(0, head.length)));
      const waiting = file.read(Buffer.alloc(128 * KiB), 0, 128 * KiB, 4 * MiB);
      assert.ok(await stillPending(waiting, 300));
      // Every retry of the remote client breaks off too, after fewer bytes than before.
      mount.emulator.faults.set({ rules: DOWNLOADS.map((endpoint) => ({ endpoint, count: 1000, fault: { kind: 'reset', afterBytes: 100 * KiB } })) });
      mount.emulator.faults.releaseHeld('reset');
      await assert.rejects(waiting, (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'ETIMEDOUT', String(error));
        return true;
      });
      // Bytes already delivered stay readable on this handle.
      const again = Buffer.alloc(64 * KiB);
      assert.equal((await file.read(again, 0, again.length, 0)).bytesRead, again.length);
      assert.ok(again.equals(data.subarray(0, again.length)));
    } finally {
      mount.emulator.faults.clear();
      mount.emulator.faults.releaseHeld('reset');
      await file.close();
    }
    assert.deepEqual((await cacheData()).sort(), kept.sort(), 'a partial download was left in the cache');
    assert.equal(sha(await readFile(mount.local(name))), sha(data));
  });

  it('with --no-cache, every reader closing before the end cancels the download; the next open downloads again', async () => {
    const name = 'uncached.bin';
    const data = FILES[name];
    const emulator = uncached.emulator;
    emulator.faults.set({ rules: hold(512 * KiB) });
    emulator.stats.reset();
    const file = await openSoon(uncached.local(name));
    const head = Buffer.alloc(4096);
    try {
      await held(1);
      emulator.faults.clear();
      await file.read(head, 0, head.length, 0);
    } finally {
      await file.close();
    }
    assert.ok(head.equals(data.subarray(0, head.length)));
    for (let i = 0; i < 500 && !uncached.engineLog().includes('download cancelled'); i++) await sleep(10);
    assert.match(uncached.engineLog(), /download cancelled: nobody reads it and it is not kept/);
    assert.equal(emulator.faults.releaseHeld(), 1);
    // The held body has nowhere to go: it stops at the hold point instead of sending the rest.
    for (let i = 0; i < 20; i++) await sleep(25);
    assert.ok(emulator.stats.snapshot().bytesOut < data.length / 2, `${emulator.stats.snapshot().bytesOut} bytes went out after the cancel`);
    assert.equal(sha(await readFile(uncached.local(name))), sha(data));
  });

  it('with --no-cache, a reopen right after a cancel (the download waiting out a Retry-After) reads the whole file', async () => {
    const name = 'reopen.bin';
    const data = FILES[name];
    const emulator = uncached.emulator;
    const exports = (): number => emulator.stats.snapshot().requests['GET /api/2.0/workspace/export'] ?? 0;
    emulator.faults.set({ rules: hold(512 * KiB) });
    emulator.stats.reset();
    const log = uncached.engineLog().length;
    const file = await openSoon(uncached.local(name));
    const head = Buffer.alloc(4096);
    try {
      await held(1);
      await file.read(head, 0, head.length, 0);
      // The body breaks off; the retry is told to come back in 30 s, and waits for it.
      emulator.faults.set({ rules: [{ endpoint: DOWNLOADS[0]!, count: 1, fault: { kind: 'error', status: 503, retryAfterSeconds: 30, transient: true } }] });
      assert.equal(emulator.faults.releaseHeld('reset'), 1);
      for (let i = 0; i < 500 && exports() < 2; i++) await sleep(10);
      assert.equal(exports(), 2, 'the retry was not answered with 503');
    } finally {
      await file.close();
    }
    assert.ok(head.equals(data.subarray(0, head.length)));
    for (let i = 0; i < 500 && !uncached.engineLog().slice(log).includes('download cancelled'); i++) await sleep(10);
    assert.match(uncached.engineLog().slice(log), /download cancelled: nobody reads it and it is not kept/);
    emulator.faults.clear();
    // A fresh open starts its own download instead of joining the cancelled one (which would wait 30 s, then fail with EIO).
    const whole = await Promise.race([readFile(uncached.local(name)), sleep(20_000).then(() => assert.fail('the reopen waited for the cancelled download'))]);
    assert.equal(sha(whole), sha(data));
  });
});
