// Everyday tools on a real mount: cp -r, mv, rm -rf, rsync -a, git and a vim save.
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
  // A small local tree: nested folders, an empty file, text and binary content.
  tree = path.join(local.dir, 'tree');
  await mkdir(path.join(tree, 'a/b/c'), { recursive: true });
  await mkdir(path.join(tree, 'empty-dir'));
  await writeFile(path.join(tree, 'top.txt'), 'top\n');
  await writeFile(path.join(tree, 'empty.txt'), '');
  await writeFile(path.join(tree, 'a/one.json'), '{"one": 1}\n');
  await writeFile(path.join(tree, 'a/b/two.bin'), Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)));
  await writeFile(path.join(tree, 'a/b/c/three.md'), '# three\n\nwith spaces and ünïcode\n');
});
after(async () => {
  await mounted?.stop();
  await local?.dispose();
});

it('cp -r copies a local tree in and back out unchanged (diff -r)', async () => {
  await run('cp', ['-r', tree, mounted.local('cp-in')]);
  assert.equal((await program('diff', ['-r', tree, mounted.local('cp-in')])).code, 0);
  assert.equal(remoteBytes(mounted, 'cp-in/a/b/c/three.md').toString(), '# three\n\nwith spaces and ünïcode\n');
  assert.equal(remoteNode(mounted, 'cp-in/empty-dir')?.kind, 'DIRECTORY');
  const out = path.join(local.dir, 'cp-out');
  await run('cp', ['-r', mounted.local('cp-in'), out]);
  const diff = await program('diff', ['-r', tree, out]);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
});

it('mv renames files and folders, within and across folders', async () => {
  await run('cp', ['-r', tree, mounted.local('mv-src')]);
  await run('mv', [mounted.local('mv-src/top.txt'), mounted.local('mv-src/renamed.txt')]);
  await run('mv', [mounted.local('mv-src/a/one.json'), mounted.local('mv-src/one.json')]);
  await run('mv', [mounted.local('mv-src/a'), mounted.local('mv-moved')]);
  assert.equal(await run('cat', [mounted.local('mv-src/renamed.txt')]), 'top\n');
  assert.equal(await run('cat', [mounted.local('mv-src/one.json')]), '{"one": 1}\n');
  assert.equal((await program('test', ['-e', mounted.local('mv-src/top.txt')])).code, 1);
  assert.equal((await program('test', ['-e', mounted.local('mv-src/a')])).code, 1);
  assert.equal((await program('cmp', [path.join(tree, 'a/b/two.bin'), mounted.local('mv-moved/b/two.bin')])).code, 0);
  assert.equal(remoteNode(mounted, 'mv-src/top.txt'), undefined);
  assert.equal(remoteNode(mounted, 'mv-src/a'), undefined);
  assert.equal(remoteBytes(mounted, 'mv-moved/b/c/three.md').toString(), '# three\n\nwith spaces and ünïcode\n');
  assert.equal(remoteBytes(mounted, 'mv-src/renamed.txt').toString(), 'top\n');
});

it('rm -rf removes a whole tree from the mount and the workspace', async () => {
  await run('cp', ['-r', tree, mounted.local('rm-me')]);
  assert.equal(remoteNode(mounted, 'rm-me/a/b/c/three.md')?.kind, 'FILE');
  await run('rm', ['-rf', mounted.local('rm-me')]);
  assert.equal((await program('test', ['-e', mounted.local('rm-me')])).code, 1);
  assert.equal(remoteNode(mounted, 'rm-me'), undefined);
  assert.ok(!(await run('ls', ['-1', mounted.mountPoint])).split('\n').includes('rm-me'));
});

it('rsync -a copies a tree in; again, it transfers nothing (the mtimes it set are kept), nor does -c', async () => {
  const src = path.join(local.dir, 'rsync-src');
  await run('cp', ['-r', tree, src]);
  // Old source mtimes, so the quick check can never match the workspace's modified_at by chance.
  await run('find', [src, '-exec', 'touch', '-h', '-d', '2020-01-01 00:00:00', '{}', '+']);
  const first = await run('rsync', ['-a', '--stats', `${src}/`, `${mounted.local('rsync-dst')}/`], { timeoutMs: 60_000 });
  assert.match(first, /Number of regular files transferred: 5\b/);
  const diff = await program('diff', ['-r', src, mounted.local('rsync-dst')]);
  assert.equal(diff.code, 0, diff.stdout + diff.stderr);
  assert.equal(remoteBytes(mounted, 'rsync-dst/a/one.json').toString(), '{"one": 1}\n');
  // The mtimes rsync set are kept (docs/semantics.md "Times"), so the quick check matches every
  // file: nothing is transferred, and the workspace gets no upload, rename or other change.
  const before = mounted.emulator.stats.snapshot().requests;
  const second = await run('rsync', ['-a', '--itemize-changes', '--stats', `${src}/`, `${mounted.local('rsync-dst')}/`], { timeoutMs: 60_000 });
  assert.match(second, /Number of regular files transferred: 0\b/, second);
  assert.deepEqual(second.split('\n').filter((line) => /^[<>ch.]f/.test(line)), [], second);
  const after = mounted.emulator.stats.snapshot().requests;
  assert.deepEqual(Object.keys(after).filter((key) => /^(POST|PUT) /.test(key) && after[key] !== before[key]), [], JSON.stringify(after));
  // Compared by checksum, a second run transfers nothing.
  const third = await run('rsync', ['-a', '--checksum', '--stats', `${src}/`, `${mounted.local('rsync-dst')}/`], { timeoutMs: 60_000 });
  assert.match(third, /Number of regular files transferred: 0\b/, third);
  assert.equal((await program('diff', ['-r', src, mounted.local('rsync-dst')])).code, 0);
});

it('git init/add/commit/status/log work in a folder on the mount', async () => {
  const repo = mounted.local('git-repo');
  await run('mkdir', [repo]);
  const git = (...args: string[]) => run('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, timeoutMs: 60_000 });
  await git('init', '-q');
  await run('cp', ['-r', `${tree}/a`, `${tree}/top.txt`, repo]);
  await git('add', '-A');
  await git('commit', '-q', '-m', 'first commit on wsfs');
  assert.equal(await git('status', '--porcelain'), '');
  assert.match(await git('log', '--oneline'), /^[0-9a-f]+ first commit on wsfs\n$/);
  await run('sh', ['-c', 'echo more >> top.txt'], { cwd: repo });
  assert.equal(await git('status', '--porcelain'), ' M top.txt\n');
  await git('commit', '-q', '-am', 'second');
  assert.equal(await git('status', '--porcelain'), '');
  assert.equal((await git('log', '--format=%s')).trim().split('\n').join('|'), 'second|first commit on wsfs');
  assert.equal(remoteBytes(mounted, 'git-repo/top.txt').toString(), 'top\nmore\n');
  assert.equal(remoteNode(mounted, 'git-repo/.git/HEAD')?.kind, 'FILE');
});

it('vim -Es saves an edit', async () => {
  await run('sh', ['-c', `printf 'first\\nsecond\\n' > '${mounted.local('vim.txt')}'`]);
  await run('vim', ['-Es', '-c', 'normal Goline', '-c', 'wq', mounted.local('vim.txt')], { timeoutMs: 30_000 });
  assert.equal(await run('cat', [mounted.local('vim.txt')]), 'first\nsecond\nline\n');
  assert.equal(remoteBytes(mounted, 'vim.txt').toString(), 'first\nsecond\nline\n');
  const names = (await run('ls', ['-1a', mounted.mountPoint])).split('\n');
  assert.ok(!names.some((name) => name.endsWith('.swp') || name === 'vim.txt~'), names.join(','));
});

it('df and stat -f report the documented stable values (4 KiB blocks, 2³² − 1 free, 2²⁴ inodes)', async () => {
  const fields = (await run('stat', ['-f', '-c', '%S %b %f %a %c %d %l', mounted.mountPoint])).trim();
  assert.equal(fields, `4096 ${2 ** 32 - 1} ${2 ** 32 - 1} ${2 ** 32 - 1} ${2 ** 24} ${2 ** 24} 255`);
  const df = (await run('df', ['-k', '--output=size,avail', mounted.mountPoint])).trim().split('\n')[1]?.trim().split(/\s+/);
  assert.deepEqual(df, [String((2 ** 32 - 1) * 4), String((2 ** 32 - 1) * 4)]);
});
