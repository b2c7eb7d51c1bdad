// The fallback paths through real programs: a workspace without the workspace-files endpoints and
// without rename, so listings use workspace/list, reads use export, writes use import, and a
// rename is a copy and a delete.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { mountWorkspace, program, run, type MountedWorkspace } from '../support/mounted-workspace';
import { remoteBytes, remoteNode, scratch, sha256, sha256sum } from './programs-support';

let mounted: MountedWorkspace;
let local: Awaited<ReturnType<typeof scratch>>;
/** Held by the workspace before the mount lists its folder; bigger than one JSON export (10 MiB). */
const remoteBig = randomBytes(12 << 20);

before(async () => {
  mounted = await mountWorkspace({ emulator: { disable: ['workspace-files', 'rename'] } });
  mounted.emulator.tree.createFolder(`${mounted.remotePath}/fb-remote`);
  mounted.emulator.tree.write(`${mounted.remotePath}/fb-remote/big.bin`, { kind: 'FILE', content: remoteBig });
  local = await scratch();
  mounted.emulator.stats.reset();
});
after(async () => {
  await mounted?.stop();
  await local?.dispose();
});

/** Requests per endpoint since the mount started. */
function requests(): Record<string, number> {
  return mounted.emulator.stats.snapshot().requests;
}

it('lists folders with sizes (ls -l) and reads the demo notebooks and files', async () => {
  const listing = await run('ls', ['-l', mounted.mountPoint]);
  assert.match(listing, /Getting Started\.py/);
  assert.match(listing, /README\.md/);
  assert.match(await run('cat', [mounted.local('etl/Ingest.scala')]), /^\/\/ Databricks notebook source\n/);
  const csv = await run('cat', [mounted.local('data/sales.csv')]);
  assert.equal(Buffer.byteLength(csv), remoteBytes(mounted, 'data/sales.csv').length);
  assert.equal(csv, remoteBytes(mounted, 'data/sales.csv').toString());
});

it('reads a 12 MiB file byte for byte (sha256)', async () => {
  const file = mounted.local('fb-remote/big.bin');
  assert.equal((await run('stat', ['-c', '%s', file])).trim(), String(remoteBig.length));
  assert.equal(await sha256sum(file), sha256(remoteBig));
});

it('writes a 12 MiB file with dd and the workspace holds the exact bytes', async () => {
  const src = path.join(local.dir, 'up.bin');
  await run('dd', ['if=/dev/urandom', `of=${src}`, 'bs=1M', 'count=12', 'status=none']);
  const expected = await sha256sum(src);
  await run('mkdir', [mounted.local('fb')]);
  await run('dd', [`if=${src}`, `of=${mounted.local('fb/up.bin')}`, 'bs=1M', 'status=none'], { timeoutMs: 60_000 });
  assert.equal(sha256(remoteBytes(mounted, 'fb/up.bin')), expected);
  assert.equal(await sha256sum(mounted.local('fb/up.bin')), expected);
});

it('mv renames a file by copy and delete', async () => {
  await run('sh', ['-c', 'echo moving > fb/a.txt'], { cwd: mounted.mountPoint });
  await run('mv', [mounted.local('fb/a.txt'), mounted.local('fb/b.txt')]);
  assert.equal(await run('cat', [mounted.local('fb/b.txt')]), 'moving\n');
  assert.equal((await program('test', ['-e', mounted.local('fb/a.txt')])).code, 1);
  assert.equal(remoteBytes(mounted, 'fb/b.txt').toString(), 'moving\n');
  assert.equal(remoteNode(mounted, 'fb/a.txt'), undefined);
});

it('the editor atomic save (python os.replace over the original) works without rename', async () => {
  await run('sh', ['-c', 'echo v1 > fb/doc.txt'], { cwd: mounted.mountPoint });
  await run('python3', ['-c', "import os\nopen('.doc.tmp', 'w').write('v2\\n')\nos.replace('.doc.tmp', 'doc.txt')"], { cwd: mounted.local('fb') });
  assert.equal(await run('cat', [mounted.local('fb/doc.txt')]), 'v2\n');
  assert.equal(remoteBytes(mounted, 'fb/doc.txt').toString(), 'v2\n');
  assert.equal(remoteNode(mounted, 'fb/.doc.tmp'), undefined);
});

it('mv renames a folder tree and a notebook by copy and delete', async () => {
  const tree = path.join(local.dir, 'tree');
  await mkdir(path.join(tree, 'sub'), { recursive: true });
  await writeFile(path.join(tree, 'one.txt'), 'one\n');
  await writeFile(path.join(tree, 'sub/two.txt'), 'two\n');
  await writeFile(path.join(tree, 'nb.sql'), '-- Databricks notebook source\nSELECT 1\n');
  await run('cp', ['-r', tree, mounted.local('fb/tree')]);
  assert.equal(remoteNode(mounted, 'fb/tree/nb')?.kind, 'NOTEBOOK');
  await run('mv', [mounted.local('fb/tree'), mounted.local('fb/moved')]);
  const diff = await program('diff', ['-r', tree, mounted.local('fb/moved')]);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
  assert.equal(remoteNode(mounted, 'fb/tree'), undefined);
  assert.equal(remoteBytes(mounted, 'fb/moved/sub/two.txt').toString(), 'two\n');
  const nb = remoteNode(mounted, 'fb/moved/nb');
  assert.equal(nb?.kind === 'NOTEBOOK' ? nb.language : nb?.kind, 'SQL');
});

it('went through the fallback endpoints: list, export, import, delete', () => {
  const counts = requests();
  for (const key of ['GET /api/2.0/workspace/list', 'GET /api/2.0/workspace/export', 'POST /api/2.0/workspace/import', 'POST /api/2.0/workspace/delete']) {
    assert.ok((counts[key] ?? 0) > 0, `${key} was not used: ${JSON.stringify(counts)}`);
  }
});
