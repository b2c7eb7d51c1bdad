// Notebooks through real programs (all four languages), and out-of-band workspace changes seen
// through the mount once the TTL (1 s here) has passed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Language } from '../../src/shared/workspace-types';
import { mountWorkspace, program, run, type MountedWorkspace } from '../support/mounted-workspace';
import { pollUntil, remoteBytes, remoteNode } from './programs-support';

let mounted: MountedWorkspace;

before(async () => {
  mounted = await mountWorkspace({ ttlSeconds: 1 });
  await run('mkdir', [mounted.local('nbs')]);
});
after(async () => {
  await mounted?.stop();
});

const LANGUAGES: { ext: string; language: Language; comment: string; code: string }[] = [
  { ext: 'py', language: 'PYTHON', comment: '#', code: 'print(1)' },
  { ext: 'sql', language: 'SQL', comment: '--', code: 'SELECT 1' },
  { ext: 'scala', language: 'SCALA', comment: '//', code: 'println(1)' },
  { ext: 'r', language: 'R', comment: '#', code: 'print(1)' },
];

for (const { ext, language, comment, code } of LANGUAGES) {
  it(`a .${ext} file with the header becomes a ${language} notebook, reads back and saves edits`, async () => {
    const name = `nb_${ext}`;
    const file = mounted.local(`nbs/${name}.${ext}`);
    const source = `${comment} Databricks notebook source\n${code}\n`;
    await run('sh', ['-c', `cat > '${file}'`], { input: source });
    const node = remoteNode(mounted, `nbs/${name}`);
    assert.equal(node?.kind, 'NOTEBOOK');
    assert.equal(node.kind === 'NOTEBOOK' ? node.language : undefined, language);
    assert.equal(remoteNode(mounted, `nbs/${name}.${ext}`), undefined);
    assert.ok((await run('ls', ['-1', mounted.local('nbs')])).split('\n').includes(`${name}.${ext}`));
    assert.equal(await run('cat', [file]), source);

    const edited = `${source}\n${comment} COMMAND ----------\n\n${code} // edited\n`;
    await run('sh', ['-c', `cat > '${file}'`], { input: edited });
    assert.match(remoteBytes(mounted, `nbs/${name}`).toString(), /edited/);
    assert.equal(remoteNode(mounted, `nbs/${name}`)?.objectId, node.objectId);
    assert.equal(await run('cat', [file]), edited);
    assert.equal((await run('stat', ['-c', '%s', file])).trim(), String(Buffer.byteLength(edited)));
  });
}

it('vim and an atomic save (os.replace over it) edit a notebook in place, keeping its identity', async () => {
  const file = mounted.local('nbs/saved.py');
  await run('sh', ['-c', `cat > '${file}'`], { input: '# Databricks notebook source\nx = 1\n' });
  const id = remoteNode(mounted, 'nbs/saved')?.objectId;
  assert.ok(id !== undefined);
  await run('vim', ['-Es', '-c', 'normal Gox = 2', '-c', 'wq', file], { timeoutMs: 30_000 });
  assert.equal(remoteBytes(mounted, 'nbs/saved').toString(), '# Databricks notebook source\nx = 1\nx = 2\n');
  const script = ['import os', "open('.saved.py.tmp', 'w').write('# Databricks notebook source\\nx = 3\\n')", "os.replace('.saved.py.tmp', 'saved.py')"].join('\n');
  await run('python3', ['-c', script], { cwd: mounted.local('nbs') });
  const node = remoteNode(mounted, 'nbs/saved');
  assert.equal(node?.kind, 'NOTEBOOK');
  assert.equal(node.objectId, id);
  assert.equal(node.content.toString(), '# Databricks notebook source\nx = 3\n');
  assert.equal(remoteNode(mounted, 'nbs/.saved.py.tmp'), undefined);
  assert.equal(await run('cat', [file]), '# Databricks notebook source\nx = 3\n');
});

it('mv between language extensions converts the notebook (py → sql)', async () => {
  await run('sh', ['-c', `cat > '${mounted.local('nbs/conv.py')}'`], { input: '# Databricks notebook source\nspark.sql("x")\n\n# COMMAND ----------\n\n# MAGIC %md hi\n' });
  await run('mv', [mounted.local('nbs/conv.py'), mounted.local('nbs/conv.sql')]);
  const node = remoteNode(mounted, 'nbs/conv');
  assert.equal(node?.kind === 'NOTEBOOK' ? node.language : node?.kind, 'SQL');
  assert.equal(await run('cat', [mounted.local('nbs/conv.sql')]), '-- Databricks notebook source\nspark.sql("x")\n\n-- COMMAND ----------\n\n-- MAGIC %md hi\n');
  assert.equal((await program('test', ['-e', mounted.local('nbs/conv.py')])).code, 1);
});

it('an out-of-band change is seen through the mount after the TTL', async () => {
  const remote = `${mounted.remotePath}/nbs/oob.txt`;
  await run('sh', ['-c', `echo old > '${mounted.local('nbs/oob.txt')}'`]);
  assert.equal(await run('cat', [mounted.local('nbs/oob.txt')]), 'old\n');

  mounted.emulator.tree.write(remote, { kind: 'FILE', content: Buffer.from('new from elsewhere\n') });
  mounted.emulator.tree.write(`${mounted.remotePath}/nbs/appeared.txt`, { kind: 'FILE', content: Buffer.from('hi\n') });
  const seen = await pollUntil(async () => (await program('cat', [mounted.local('nbs/oob.txt')])).stdout === 'new from elsewhere\n', 5_000, 200);
  assert.ok(seen, 'the new content was not seen within 5 s');
  assert.ok((await run('ls', ['-1', mounted.local('nbs')])).split('\n').includes('appeared.txt'));
  assert.equal(await run('cat', [mounted.local('nbs/appeared.txt')]), 'hi\n');

  mounted.emulator.tree.remove(remote);
  const gone = await pollUntil(async () => (await program('test', ['-e', mounted.local('nbs/oob.txt')])).code === 1, 5_000, 200);
  assert.ok(gone, 'the deletion was not seen within 5 s');
});

it('an out-of-band notebook edit is seen through the mount after the TTL', async () => {
  const file = mounted.local('nbs/nb_py.py');
  assert.match(await run('cat', [file]), /edited/);
  mounted.emulator.tree.write(`${mounted.remotePath}/nbs/nb_py`, { kind: 'NOTEBOOK', language: 'PYTHON', format: 'SOURCE', content: Buffer.from('# Databricks notebook source\nprint("from the UI")\n') });
  const seen = await pollUntil(async () => (await program('cat', [file])).stdout === '# Databricks notebook source\nprint("from the UI")\n', 5_000, 200);
  assert.ok(seen, 'the notebook edit was not seen within 5 s');
});
