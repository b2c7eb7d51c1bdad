// The errno a real program gets for each error case on a mount (Python `os.*` calls checked with
// `e.errno`), and that a failed upload loses nothing (docs/semantics.md, "Uploads").
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { mountWorkspace, program, run, type MountedWorkspace } from '../support/mounted-workspace';
import { pollUntil, python, pythonErrno, remoteBytes, remoteNode } from './programs-support';

const FILE_LIMIT = 4096;

let mounted: MountedWorkspace;
let cwd: string;

before(async () => {
  mounted = await mountWorkspace({ emulator: { limits: { fileBytes: FILE_LIMIT } } });
  cwd = mounted.local('errs');
  await run('mkdir', [cwd]);
  await run('mkdir', [mounted.local('errs/full')]);
  await run('sh', ['-c', 'echo x > errs/full/child.txt && echo plain > errs/file.txt'], { cwd: mounted.mountPoint });
});
after(async () => {
  mounted?.emulator.faults.set({});
  await mounted?.stop();
});

it('ENOENT for a missing path', async () => {
  assert.equal(await pythonErrno("os.stat('missing.txt')", cwd), 'ENOENT');
  assert.equal(await pythonErrno("open('missing.txt')", cwd), 'ENOENT');
  assert.equal(await pythonErrno("os.unlink('missing.txt')", cwd), 'ENOENT');
  assert.equal(await pythonErrno("os.rename('missing.txt', 'other.txt')", cwd), 'ENOENT');
});

it('EEXIST for mkdir of an existing name', async () => {
  assert.equal(await pythonErrno("os.mkdir('full')", cwd), 'EEXIST');
  assert.equal(await pythonErrno("os.mkdir('file.txt')", cwd), 'EEXIST');
  assert.equal(await pythonErrno("os.open('file.txt', os.O_CREAT | os.O_EXCL | os.O_WRONLY)", cwd), 'EEXIST');
});

it('ENOTEMPTY for rmdir of a non-empty folder', async () => {
  assert.equal(await pythonErrno("os.rmdir('full')", cwd), 'ENOTEMPTY');
  assert.equal(remoteNode(mounted, 'errs/full/child.txt')?.kind, 'FILE');
});

it('ENOTDIR when a file is used as a folder', async () => {
  assert.equal(await pythonErrno("os.listdir('file.txt')", cwd), 'ENOTDIR');
  assert.equal(await pythonErrno("os.stat('file.txt/x')", cwd), 'ENOTDIR');
  assert.equal(await pythonErrno("os.rmdir('file.txt')", cwd), 'ENOTDIR');
});

it('EISDIR when a folder is opened for writing or unlinked', async () => {
  assert.equal(await pythonErrno("open('full', 'w')", cwd), 'EISDIR');
  assert.equal(await pythonErrno("os.unlink('full')", cwd), 'EISDIR');
});

it('rename errors: EISDIR, ENOTDIR, ENOTEMPTY, EINVAL', async () => {
  await run('mkdir', [mounted.local('errs/emptydir')]);
  assert.equal(await pythonErrno("os.rename('file.txt', 'full')", cwd), 'EISDIR');
  assert.equal(await pythonErrno("os.rename('emptydir', 'file.txt')", cwd), 'ENOTDIR');
  assert.equal(await pythonErrno("os.rename('emptydir', 'full')", cwd), 'ENOTEMPTY');
  assert.equal(await pythonErrno("os.rename('full', 'full/inside')", cwd), 'EINVAL');
  assert.equal(remoteBytes(mounted, 'errs/file.txt').toString(), 'plain\n');
  assert.equal(remoteNode(mounted, 'errs/full/child.txt')?.kind, 'FILE');
});

it('ENAMETOOLONG for a name over 255 bytes', async () => {
  assert.equal(await pythonErrno("open('n' * 256, 'w')", cwd), 'ENAMETOOLONG');
  assert.equal(await pythonErrno("os.mkdir('d' * 256)", cwd), 'ENAMETOOLONG');
});

it('.DS_Store stays local; mv of it to a workspace name copies (EXDEV for rename)', async () => {
  await run('sh', ['-c', 'echo clutter > errs/.DS_Store'], { cwd: mounted.mountPoint });
  assert.equal(await run('cat', [mounted.local('errs/.DS_Store')]), 'clutter\n');
  assert.equal(remoteNode(mounted, 'errs/.DS_Store'), undefined);
  assert.equal(await pythonErrno("os.rename('.DS_Store', 'kept.txt')", cwd), 'EXDEV');
  await run('mv', [mounted.local('errs/.DS_Store'), mounted.local('errs/kept.txt')]);
  assert.equal(remoteBytes(mounted, 'errs/kept.txt').toString(), 'clutter\n');
  assert.equal((await program('test', ['-e', mounted.local('errs/.DS_Store')])).code, 1);
});

it('EACCES when the workspace refuses (403 PERMISSION_DENIED on mkdirs)', async () => {
  mounted.emulator.faults.set({
    rules: [{ endpoint: 'POST /api/2.0/workspace/mkdirs', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED', message: 'no access' } }],
  });
  try {
    assert.equal(await pythonErrno("os.mkdir('denied')", cwd), 'EACCES');
  } finally {
    mounted.emulator.faults.set({});
  }
  assert.equal(remoteNode(mounted, 'errs/denied'), undefined);
  assert.equal(await pythonErrno("os.mkdir('allowed')", cwd), 'OK');
});

it('EPERM for symlinks, hard links and chown to another user', async () => {
  assert.equal(await pythonErrno("os.symlink('file.txt', 'link')", cwd), 'EPERM');
  assert.equal(await pythonErrno("os.link('file.txt', 'hard')", cwd), 'EPERM');
  assert.equal(await pythonErrno("os.chown('file.txt', os.getuid() + 1, -1)", cwd), 'EPERM');
  assert.equal(await pythonErrno("os.chown('file.txt', os.getuid(), -1)", cwd), 'OK');
  const ln = await program('ln', ['-s', 'file.txt', 'link2'], { cwd });
  assert.notEqual(ln.code, 0);
  assert.match(ln.stderr, /Operation not permitted/);
});

it('ENOSPC when the folder is at the child limit', async () => {
  mounted.emulator.tree.childLimit = 2;
  try {
    // errs/full holds one child: the second fits, the third does not.
    assert.equal(await pythonErrno("os.mkdir('full/second')", cwd), 'OK');
    assert.equal(await pythonErrno("os.mkdir('full/third')", cwd), 'ENOSPC');
    assert.equal(await pythonErrno("f = open('full/third.txt', 'w')\nf.write('x')\nf.close()", cwd), 'ENOSPC');
  } finally {
    mounted.emulator.tree.childLimit = Infinity;
  }
  assert.equal(remoteNode(mounted, 'errs/full/third'), undefined);
  await run('rm', ['-f', mounted.local('errs/full/third.txt')]);
});

it('EFBIG at close for a file over the workspace limit; the bytes are kept and logged', async () => {
  const size = FILE_LIMIT * 4;
  assert.equal(await pythonErrno(`f = open('big.bin', 'wb')\nf.write(b'z' * ${size})\nf.close()`, cwd), 'EFBIG');
  assert.equal(remoteNode(mounted, 'errs/big.bin'), undefined);
  // Nothing is lost: the file keeps showing its new content, and the staging path is logged.
  assert.equal((await run('stat', ['-c', '%s', mounted.local('errs/big.bin')])).trim(), String(size));
  assert.equal(await python(`print(open('big.bin', 'rb').read() == b'z' * ${size})`, cwd), 'True\n');
  assert.ok(await pollUntil(async () => /big\.bin.*staging/.test(mounted.engineLog()), 5_000), mounted.engineLog());
  const staged = /kept in (\S+)/.exec(mounted.engineLog().split('\n').find((line) => line.includes('big.bin')) ?? '')?.[1];
  assert.ok(staged !== undefined, mounted.engineLog());
  assert.equal((await run('stat', ['-c', '%s', staged])).trim(), String(size));
  // Not to be retried at unmount: remove it.
  await run('rm', [mounted.local('errs/big.bin')]);
});

it('a failed upload keeps the bytes and the next close saves them once the workspace accepts', async () => {
  await run('sh', ['-c', 'echo before > errs/retry.txt'], { cwd: mounted.mountPoint });
  mounted.emulator.faults.set({ rules: [{ endpoint: 'POST /api/2.0/workspace-files/*', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED' } }, { endpoint: 'POST /api/2.0/workspace/import', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED' } }] });
  try {
    assert.equal(await pythonErrno("f = open('retry.txt', 'w')\nf.write('after\\n')\nf.close()", cwd), 'EACCES');
  } finally {
    mounted.emulator.faults.set({});
  }
  assert.equal(remoteBytes(mounted, 'errs/retry.txt').toString(), 'before\n');
  assert.equal(await run('cat', [mounted.local('errs/retry.txt')]), 'after\n');
  // The next open continues from the kept copy; its close uploads it.
  assert.equal(await pythonErrno("f = open('retry.txt', 'a')\nf.write('again\\n')\nf.close()", cwd), 'OK');
  assert.equal(remoteBytes(mounted, 'errs/retry.txt').toString(), 'after\nagain\n');
});
