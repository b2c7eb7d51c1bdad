// Write patterns of real programs on a mount: Python open/write/rename (the editors' atomic save,
// append, r+ seek/write), touch, repeated truncate and rename, concurrent writers, and 10 MiB and
// 100 MiB round trips compared by checksum.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { mountWorkspace, program, run, type MountedWorkspace } from '../support/mounted-workspace';
import { python, remoteBytes, remoteNode, scratch, sha256, sha256sum } from './programs-support';

let mounted: MountedWorkspace;
let local: Awaited<ReturnType<typeof scratch>>;
/** A file the workspace holds before the mount first lists its folder (no TTL wait needed). */
const remoteBig = randomBytes(10 << 20);
/** Read by the read-through test while another descriptor writes it. */
const sharedRead = randomBytes(9 << 20);

before(async () => {
  mounted = await mountWorkspace();
  mounted.emulator.tree.createFolder(`${mounted.remotePath}/dl`);
  mounted.emulator.tree.write(`${mounted.remotePath}/dl/remote-10.bin`, { kind: 'FILE', content: remoteBig });
  mounted.emulator.tree.write(`${mounted.remotePath}/dl/shared-read.bin`, { kind: 'FILE', content: sharedRead });
  local = await scratch();
  await run('mkdir', [mounted.local('pat')]);
});
after(async () => {
  await mounted?.stop();
  await local?.dispose();
});

it('python: write a temp file and os.replace it over the original (atomic save)', async () => {
  const cwd = mounted.local('pat');
  await python("open('doc.txt', 'w').write('version 1\\n')", cwd);
  const idBefore = remoteNode(mounted, 'pat/doc.txt')?.objectId;
  assert.ok(idBefore !== undefined);
  await python(
    [
      'import os',
      "with open('.doc.txt.tmp', 'w') as f:",
      "    f.write('version 2\\n')",
      '    f.flush()',
      '    os.fsync(f.fileno())',
      "os.replace('.doc.txt.tmp', 'doc.txt')",
    ].join('\n'),
    cwd,
  );
  assert.equal(await run('cat', [mounted.local('pat/doc.txt')]), 'version 2\n');
  assert.equal((await program('test', ['-e', mounted.local('pat/.doc.txt.tmp')])).code, 1);
  assert.equal(remoteBytes(mounted, 'pat/doc.txt').toString(), 'version 2\n');
  assert.equal(remoteNode(mounted, 'pat/.doc.txt.tmp'), undefined);
});

it("python: open(..., 'a') appends and open(..., 'r+') seeks and overwrites in place", async () => {
  const cwd = mounted.local('pat');
  await python("open('log.txt', 'w').write('one\\n')", cwd);
  await python("f = open('log.txt', 'a'); f.write('two\\n'); f.close()", cwd);
  await python("f = open('log.txt', 'a'); f.write('three\\n'); f.close()", cwd);
  assert.equal(remoteBytes(mounted, 'pat/log.txt').toString(), 'one\ntwo\nthree\n');
  await python(["with open('log.txt', 'r+') as f:", '    f.seek(4)', "    f.write('TWO')", '    f.seek(0)', "    assert f.read() == 'one\\nTWO\\nthree\\n', 'read back'"].join('\n'), cwd);
  assert.equal(await run('cat', [mounted.local('pat/log.txt')]), 'one\nTWO\nthree\n');
  assert.equal(remoteBytes(mounted, 'pat/log.txt').toString(), 'one\nTWO\nthree\n');
});

it('touch moves the mtime of an existing file to now (content kept) and creates a missing one empty', async () => {
  await run('sh', ['-c', `echo keep > '${mounted.local('pat/touched.txt')}'`]);
  await run('touch', ['-d', '2001-02-03 04:05:06', mounted.local('pat/touched.txt')]);
  const before = Number((await run('stat', ['-c', '%Y', mounted.local('pat/touched.txt')])).trim());
  await run('touch', [mounted.local('pat/touched.txt')]);
  const after = Number((await run('stat', ['-c', '%Y', mounted.local('pat/touched.txt')])).trim());
  assert.ok(after > before && Math.abs(after * 1000 - Date.now()) < 60_000, `touch moved the mtime from ${before} to ${after}, not to now`);
  assert.equal(await run('cat', [mounted.local('pat/touched.txt')]), 'keep\n');

  await run('touch', [mounted.local('pat/new-empty.txt')]);
  assert.equal((await run('stat', ['-c', '%s', mounted.local('pat/new-empty.txt')])).trim(), '0');
  const node = remoteNode(mounted, 'pat/new-empty.txt');
  assert.equal(node?.kind, 'FILE');
  assert.equal(remoteBytes(mounted, 'pat/new-empty.txt').length, 0);
});

it('truncate -s grows and shrinks a file ten times', async () => {
  const file = mounted.local('pat/trunc.bin');
  await run('sh', ['-c', `printf 'abcdefghij' > '${file}'`]);
  let model = Buffer.from('abcdefghij');
  for (let i = 1; i <= 10; i++) {
    const size = i % 2 === 1 ? 1000 * i : 2 + i;
    await run('truncate', ['-s', String(size), file]);
    // Shrinking cuts, growing extends with zeros.
    model = Buffer.concat([model.subarray(0, size), Buffer.alloc(Math.max(0, size - model.length))]);
    assert.equal((await run('stat', ['-c', '%s', file])).trim(), String(size), `round ${i}`);
    assert.ok(remoteBytes(mounted, 'pat/trunc.bin').equals(model), `round ${i}: workspace content`);
  }
  assert.equal(await sha256sum(file), sha256(model));
  assert.equal(model.subarray(0, 4).toString(), 'abcd');
});

it('mv a → b → a ten times keeps the content and leaves one name', async () => {
  const a = mounted.local('pat/ping.txt');
  const b = mounted.local('pat/pong.txt');
  await run('sh', ['-c', `echo ball > '${a}'`]);
  for (let i = 0; i < 10; i++) {
    await run('mv', [a, b]);
    await run('mv', [b, a]);
  }
  assert.equal(await run('cat', [a]), 'ball\n');
  assert.equal((await program('test', ['-e', b])).code, 1);
  assert.equal(remoteBytes(mounted, 'pat/ping.txt').toString(), 'ball\n');
  assert.equal(remoteNode(mounted, 'pat/pong.txt'), undefined);
});

it('concurrent dd writers to different files each land intact', async () => {
  const count = 6;
  const sources = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const src = path.join(local.dir, `src-${i}.bin`);
      await run('dd', ['if=/dev/urandom', `of=${src}`, 'bs=64k', `count=${8 + i}`, 'status=none']);
      return src;
    }),
  );
  const results = await Promise.all(sources.map((src, i) => program('dd', [`if=${src}`, `of=${mounted.local(`pat/conc-${i}.bin`)}`, 'bs=16k', 'status=none'], { timeoutMs: 60_000 })));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  for (let i = 0; i < count; i++) {
    const expected = await sha256sum(sources[i] ?? '');
    assert.equal(await sha256sum(mounted.local(`pat/conc-${i}.bin`)), expected, `file ${i}`);
    assert.equal(sha256(remoteBytes(mounted, `pat/conc-${i}.bin`)), expected, `file ${i} in the workspace`);
  }
});

for (const mib of [10, 100]) {
  it(`a ${mib} MiB file round trips byte for byte (sha256)`, async () => {
    const src = path.join(local.dir, `big-${mib}.bin`);
    await run('dd', ['if=/dev/urandom', `of=${src}`, 'bs=1M', `count=${mib}`, 'status=none'], { timeoutMs: 60_000 });
    const expected = await sha256sum(src);
    const target = mounted.local(`pat/big-${mib}.bin`);
    await run('dd', [`if=${src}`, `of=${target}`, 'bs=1M', 'status=none'], { timeoutMs: 90_000 });
    assert.equal((await run('stat', ['-c', '%s', target])).trim(), String(mib << 20));
    assert.equal(await sha256sum(target), expected);
    assert.equal(sha256(remoteBytes(mounted, `pat/big-${mib}.bin`)), expected);
    await run('rm', [target, src]);
  });
}

it('a 10 MiB file made in the workspace downloads byte for byte (sha256)', async () => {
  const file = mounted.local('dl/remote-10.bin');
  assert.equal((await run('stat', ['-c', '%s', file])).trim(), String(10 << 20));
  assert.equal(await sha256sum(file), sha256(remoteBig));
});

it('a reader open before a writer reads the written bytes, also from pages it must fetch again', async () => {
  // The reader's reads are served by the FUSE binding straight from the local copy (read-through)
  // until a writer opens the file. The writer's partial-page write leaves that page for the kernel
  // to read again; that read must come from the staging file, not from the old copy.
  const script = [
    'import sys',
    "r = open('shared-read.bin', 'rb', buffering=0)",
    'head = r.read(1 << 20)',
    "w = open('shared-read.bin', 'r+b', buffering=0)",
    'w.seek((8 << 20) + 100)',
    "w.write(b'NEW BYTES!')",
    'r.seek(8 << 20)',
    'page = r.read(4096)',
    'w.close()',
    'r.close()',
    "sys.stdout.write(head[:16].hex() + ' ' + page[96:114].hex())",
  ].join('\n');
  const [head, page] = (await python(script, mounted.local('dl'))).split(' ');
  assert.equal(head, sharedRead.subarray(0, 16).toString('hex'), 'the reader first sees the remote content');
  const expected = Buffer.concat([sharedRead.subarray((8 << 20) + 96, (8 << 20) + 100), Buffer.from('NEW BYTES!'), sharedRead.subarray((8 << 20) + 110, (8 << 20) + 114)]);
  assert.equal(page, expected.toString('hex'), 'the reader sees the bytes the writer wrote');
  const remote = remoteBytes(mounted, 'dl/shared-read.bin');
  assert.equal(remote.subarray((8 << 20) + 100, (8 << 20) + 110).toString(), 'NEW BYTES!');
});
