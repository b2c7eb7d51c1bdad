// Write-through through a real mount (docs/fuse-binding.md row 10): after a file's first write came
// through the engine (journaled), the FUSE threads write its later data straight into the staging
// file. Every case compares the bytes read back through the mount and the bytes the workspace got
// (sha256) with a model of what the program wrote, and checks from the engine's debug log that
// write-through was actually used. Sizes reported by stat while writing are checked after every write.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { mountWorkspace, type MountedWorkspace } from '../support/mounted-workspace';

const MiB = 1024 * 1024;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A program's expected file content, grown and cut as it writes. */
class Model {
  bytes = Buffer.alloc(0);
  write(data: Buffer, position: number): void {
    const end = position + data.length;
    if (end > this.bytes.length) this.bytes = Buffer.concat([this.bytes, Buffer.alloc(end - this.bytes.length)]);
    data.copy(this.bytes, position);
  }
  truncate(size: number): void {
    this.bytes = size <= this.bytes.length ? Buffer.from(this.bytes.subarray(0, size)) : Buffer.concat([this.bytes, Buffer.alloc(size - this.bytes.length)]);
  }
}

/** A deterministic shuffle (seeded LCG), so a failing order can be reproduced. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('write-through (real mount)', () => {
  let mount: MountedWorkspace;
  before(async () => {
    mount = await mountWorkspace({ args: ['--debug'] });
  });
  after(async () => {
    await mount?.stop();
  });

  /** The bytes the emulator stores for `name` (in the mounted home folder). */
  function remote(name: string): Buffer | undefined {
    return mount.emulator.tree.contentOf(`${mount.remotePath}/${name}`);
  }

  /** Asserts the mount and the workspace both hold exactly `expected` for `name`. */
  async function assertContent(name: string, expected: Buffer): Promise<void> {
    assert.equal((await stat(mount.local(name))).size, expected.length, `${name}: size through the mount`);
    assert.equal(sha(await readFile(mount.local(name))), sha(expected), `${name}: bytes through the mount`);
    assert.equal(sha(remote(name) ?? Buffer.alloc(0)), sha(expected), `${name}: bytes in the workspace`);
  }

  /** How many writes of `name` came through the engine's write handler, and whether write-through started. */
  function writesSeen(name: string): { viaHandler: number; through: boolean } {
    const log = mount.engineLog();
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return {
      viaHandler: (log.match(new RegExp(`\\] write /${escaped} fh=\\d+ len=`, 'g')) ?? []).length,
      through: new RegExp(`write /${escaped} fh=\\d+: writes done by the binding`).test(log),
    };
  }

  it('sequential: 24 MiB in 1 MiB writes, byte-exact; almost every write bypasses the engine', async () => {
    const data = randomBytes(24 * MiB);
    const handle = await open(mount.local('wt-seq.bin'), 'w');
    for (let at = 0; at < data.length; at += MiB) await handle.write(data, at, MiB, at);
    await handle.close();
    await assertContent('wt-seq.bin', data);
    const seen = writesSeen('wt-seq.bin');
    assert.ok(seen.through, 'write-through was registered');
    // 24 MiB are 192 kernel writes of 128 KiB; only the first few (before registration) reach JS.
    assert.ok(seen.viaHandler < 20, `writes through the handler: ${seen.viaHandler} of 192`);
  });

  it('random offsets with overlaps, and stat reports the size after every write', async () => {
    const model = new Model();
    const handle = await open(mount.local('wt-random.bin'), 'w+');
    const pieces = shuffled(
      Array.from({ length: 96 }, (_, i) => i * 48 * 1024),
      7,
    );
    for (const [n, at] of pieces.entries()) {
      const data = randomBytes(64 * 1024 + (n % 5) * 1000); // overlaps the next piece
      await handle.write(data, 0, data.length, at);
      model.write(data, at);
      assert.equal((await handle.stat()).size, model.bytes.length, `fstat after write ${n}`);
      assert.equal((await stat(mount.local('wt-random.bin'))).size, model.bytes.length, `stat after write ${n}`);
    }
    await handle.close();
    await assertContent('wt-random.bin', model.bytes);
    assert.ok(writesSeen('wt-random.bin').through);
  });

  it('O_APPEND: appends land at the end, also across reopen and after another writer closed', async () => {
    const model = new Model();
    const first = randomBytes(300_000);
    await writeFile(mount.local('wt-append.log'), first);
    model.write(first, 0);
    for (let round = 0; round < 2; round++) {
      const handle = await open(mount.local('wt-append.log'), 'a');
      for (let i = 0; i < 40; i++) {
        const data = randomBytes(10_000 + i * 997);
        // An explicit position is ignored for O_APPEND (POSIX): it must still go to the end.
        await handle.write(data, 0, data.length, i % 2 === 0 ? 0 : null);
        model.write(data, model.bytes.length);
      }
      assert.equal((await stat(mount.local('wt-append.log'))).size, model.bytes.length, `stat after round ${round}`);
      await handle.close();
    }
    await assertContent('wt-append.log', model.bytes);
    assert.ok(writesSeen('wt-append.log').through);
  });

  it('sparse: a hole between two written ranges reads as zeros', async () => {
    const model = new Model();
    const handle = await open(mount.local('wt-sparse.bin'), 'w');
    const head = randomBytes(2 * MiB);
    const tail = randomBytes(MiB + 17);
    await handle.write(head, 0, head.length, 0);
    model.write(head, 0);
    await handle.write(tail, 0, tail.length, 9 * MiB);
    model.write(tail, 9 * MiB);
    assert.equal((await handle.stat()).size, 10 * MiB + 17);
    await handle.close();
    await assertContent('wt-sparse.bin', model.bytes);
    // (The model's hole is zeros by construction: the check that can fail is on the bytes read back.)
    const back = await readFile(mount.local('wt-sparse.bin'));
    assert.equal(back.subarray(2 * MiB, 9 * MiB).every((b) => b === 0), true, 'the hole reads as zeros through the mount');
  });

  it('truncate and ftruncate while written through: sizes and bytes follow the program', async () => {
    const model = new Model();
    const name = 'wt-truncate.bin';
    const handle = await open(mount.local(name), 'w+');
    const write = async (data: Buffer, at: number): Promise<void> => {
      await handle.write(data, 0, data.length, at);
      model.write(data, at);
    };
    for (let i = 0; i < 8; i++) await write(randomBytes(128 * 1024), i * 128 * 1024);
    await handle.truncate(300_000); // ftruncate on the written-through handle
    model.truncate(300_000);
    assert.equal((await stat(mount.local(name))).size, 300_000);
    for (let i = 0; i < 4; i++) await write(randomBytes(100_000), 250_000 + i * 100_000);
    await truncate(mount.local(name), 2 * MiB); // truncate(2) by path, growing
    model.truncate(2 * MiB);
    assert.equal((await handle.stat()).size, 2 * MiB);
    await write(randomBytes(5000), 10);
    await truncate(mount.local(name), 1000); // and shrinking, then writes past the end
    model.truncate(1000);
    await write(randomBytes(70_000), 3000);
    assert.equal((await stat(mount.local(name))).size, model.bytes.length);
    await handle.close();
    await assertContent(name, model.bytes);
    assert.ok(writesSeen(name).through);
  });

  it('concurrent writes: one handle from many requests at once, and two handles on one file', async () => {
    const model = new Model();
    const handle = await open(mount.local('wt-concurrent.bin'), 'w');
    const first = randomBytes(4096);
    await handle.write(first, 0, first.length, 0);
    model.write(first, 0);
    const chunks = Array.from({ length: 64 }, (_, i) => ({ at: 4096 + i * 200_000, data: randomBytes(200_000) }));
    await Promise.all(chunks.map(({ at, data }) => handle.write(data, 0, data.length, at)));
    for (const { at, data } of chunks) model.write(data, at);
    await handle.close();
    await assertContent('wt-concurrent.bin', model.bytes);

    // Two writable handles: write-through is revoked for the second writer, bytes of both land.
    const a = await open(mount.local('wt-concurrent.bin'), 'r+');
    const b = await open(mount.local('wt-concurrent.bin'), 'r+');
    const fromA = Array.from({ length: 20 }, (_, i) => ({ at: i * 400_000, data: randomBytes(150_000) }));
    const fromB = Array.from({ length: 20 }, (_, i) => ({ at: i * 400_000 + 200_000, data: randomBytes(150_000) }));
    await Promise.all([
      (async () => {
        for (const { at, data } of fromA) await a.write(data, 0, data.length, at);
      })(),
      (async () => {
        for (const { at, data } of fromB) await b.write(data, 0, data.length, at);
      })(),
    ]);
    for (const { at, data } of [...fromA, ...fromB]) model.write(data, at);
    await Promise.all([a.close(), b.close()]);
    await assertContent('wt-concurrent.bin', model.bytes);
  });

  it('several files written at once, each byte-exact', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ name: `wt-many-${i}.bin`, data: randomBytes(6 * MiB + i * 12_345) }));
    await Promise.all(
      files.map(async ({ name, data }) => {
        const handle = await open(mount.local(name), 'w');
        for (let at = 0; at < data.length; at += 256 * 1024) await handle.write(data, at, Math.min(256 * 1024, data.length - at), at);
        await handle.close();
      }),
    );
    for (const { name, data } of files) await assertContent(name, data);
    assert.ok(files.every(({ name }) => writesSeen(name).through));
  });

  it('a reader open during write-through sees the written bytes', async () => {
    const name = 'wt-reader.bin';
    const original = randomBytes(MiB);
    await (await open(mount.local(name), 'w')).close();
    const writer0 = await open(mount.local(name), 'w');
    await writer0.write(original, 0, original.length, 0);
    await writer0.close();
    const reader = await open(mount.local(name), 'r');
    const head = Buffer.alloc(4096);
    await reader.read(head, 0, head.length, 0); // read-through from the local copy
    const writer = await open(mount.local(name), 'r+');
    const fresh = randomBytes(512 * 1024);
    for (let at = 0; at < fresh.length; at += 128 * 1024) await writer.write(fresh, at, 128 * 1024, 256 * 1024 + at);
    const seen = Buffer.alloc(fresh.length);
    await reader.read(seen, 0, seen.length, 256 * 1024);
    assert.equal(sha(seen), sha(fresh), 'the reader sees the staging file, written by the binding');
    await Promise.all([writer.close(), reader.close()]);
    const expected = Buffer.from(original);
    fresh.copy(expected, 256 * 1024);
    await assertContent(name, expected);
  });
});
