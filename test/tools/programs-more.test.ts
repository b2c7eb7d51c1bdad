// More everyday programs on a real mount: sed -i, tar, cp -a, Python shutil, git branches and gc,
// mmap, sparse writes, flock and mkfifo (EPERM).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { mountWorkspace, program, run, type MountedWorkspace } from '../support/mounted-workspace';
import { remoteBytes, remoteNode, scratch } from './programs-support';

let mounted: MountedWorkspace;
let local: Awaited<ReturnType<typeof scratch>>;
let tree: string;

before(async () => {
  mounted = await mountWorkspace();
  local = await scratch();
  tree = path.join(local.dir, 'tree');
  await mkdir(path.join(tree, 'x/y'), { recursive: true });
  await writeFile(path.join(tree, 'a.txt'), 'alpha\n');
  await writeFile(path.join(tree, 'x/b.txt'), 'beta\n');
  await writeFile(path.join(tree, 'x/y/c.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)));
  await run('mkdir', [mounted.local('more')]);
});
after(async () => {
  await mounted?.stop();
  await local?.dispose();
});

/** Runs a shell command in the `more` folder of the mount. */
function sh(command: string): Promise<string> {
  return run('sh', ['-c', command], { cwd: mounted.local('more'), timeoutMs: 60_000 });
}

it('sed -i edits a file in place', async () => {
  await sh("printf 'a\\nb\\na\\n' > s.txt && sed -i s/a/A/ s.txt");
  assert.equal(await sh('cat s.txt'), 'A\nb\nA\n');
  assert.equal(remoteBytes(mounted, 'more/s.txt').toString(), 'A\nb\nA\n');
  assert.deepEqual((await sh('ls -A')).split('\n').filter((name) => name.startsWith('sed')), []);
});

it('tar extracts a tree onto the mount and archives it back', async () => {
  await run('tar', ['-C', local.dir, '-cf', path.join(local.dir, 't.tar'), 'tree']);
  await sh(`tar -xf '${path.join(local.dir, 't.tar')}'`);
  assert.equal((await program('diff', ['-r', tree, mounted.local('more/tree')])).code, 0);
  await run('tar', ['-C', mounted.local('more'), '-cf', path.join(local.dir, 'back.tar'), 'tree']);
  await run('mkdir', [path.join(local.dir, 'back')]);
  await run('tar', ['-C', path.join(local.dir, 'back'), '-xf', path.join(local.dir, 'back.tar')]);
  assert.equal((await program('diff', ['-r', tree, path.join(local.dir, 'back/tree')])).code, 0);
});

it('cp -a (times, modes, owner preserved where it can) copies a tree', async () => {
  const result = await program('cp', ['-a', tree, mounted.local('more/cpa')]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await program('diff', ['-r', tree, mounted.local('more/cpa')])).code, 0);
  assert.equal(remoteBytes(mounted, 'more/cpa/x/b.txt').toString(), 'beta\n');
});

it('Python shutil.copytree and shutil.rmtree', async () => {
  await run('python3', ['-c', `import shutil; shutil.copytree(${JSON.stringify(tree)}, 'st')`], { cwd: mounted.local('more') });
  assert.equal((await program('diff', ['-r', tree, mounted.local('more/st')])).code, 0);
  await run('python3', ['-c', "import shutil; shutil.rmtree('st')"], { cwd: mounted.local('more') });
  assert.equal(remoteNode(mounted, 'more/st'), undefined);
});

it('git branches, checkout, gc and fsck on the mount', async () => {
  const git = 'git -c user.name=T -c user.email=t@example.com -c init.defaultBranch=main -c gc.auto=0';
  await sh(`${git} init -q g && cd g && echo 1 > f && ${git} add f && ${git} commit -qm one && ${git} checkout -qb br && echo 2 > f && ${git} commit -qam two && ${git} checkout -q main`);
  assert.equal(await sh('cat g/f'), '1\n');
  assert.equal(remoteBytes(mounted, 'more/g/f').toString(), '1\n');
  await sh(`cd g && ${git} merge -q br && ${git} gc -q && ${git} fsck --strict`);
  assert.equal(await sh('cat g/f'), '2\n');
  assert.equal(await sh(`cd g && ${git} status --porcelain && ${git} log --format=%s`), 'two\none\n');
});

it('mmap writes, sparse writes and flock', async () => {
  await sh('echo hello > m.txt');
  await run('python3', ['-c', "import mmap\nf = open('m.txt', 'r+b')\nm = mmap.mmap(f.fileno(), 0)\nm[0:2] = b'HE'\nm.flush(); m.close(); f.close()"], { cwd: mounted.local('more') });
  assert.equal(await sh('cat m.txt'), 'HEllo\n');
  assert.equal(remoteBytes(mounted, 'more/m.txt').toString(), 'HEllo\n');
  await sh('dd if=/dev/zero of=sparse.bin bs=1 count=1 seek=3000000 status=none');
  assert.equal((await sh('stat -c %s sparse.bin')).trim(), '3000001');
  assert.equal(remoteBytes(mounted, 'more/sparse.bin').length, 3_000_001);
  assert.equal(await sh('flock m.txt cat m.txt'), 'HEllo\n');
});

it('mkfifo fails with EPERM', async () => {
  const result = await program('mkfifo', [mounted.local('more/fifo')]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Operation not permitted/);
  assert.equal(remoteNode(mounted, 'more/fifo'), undefined);
});
