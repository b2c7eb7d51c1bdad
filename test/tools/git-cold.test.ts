// git across remounts (a real `wsfs mount` engine, real git, the emulator counting requests): the
// mount reports workspace object ids as inode numbers and stable times, so the stat data git's
// index recorded still matches after an unmount and a remount with a new, empty content cache —
// `git status` is clean without downloading a single working-tree file (only .git files). Also:
// inode numbers equal across remounts and distinct among a folder's entries, also for files
// created through the mount: they keep the (provisional) number they were written with after their
// upload is read back, and in later mounts with the same state folder — so a repository written,
// added and committed in one mount is clean after a remount too (with the times the mount keeps).
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROVISIONAL_ID_BASE } from '../../src/fs/inode-numbers';
import { program } from '../support/mounted-workspace';
import { restartableMount, type RestartableMount } from '../support/restartable-mount';

const FOLDERS = 5;
const FILES = 50;

/** Inode numbers of every entry under `root` (relative path -> ino), through readdir + lstat. */
async function inodes(root: string): Promise<Map<string, bigint>> {
  const found = new Map<string, bigint>();
  const walk = async (relative: string): Promise<void> => {
    for (const name of (await readdir(path.join(root, relative))).sort()) {
      if (relative === '' && name === '.git') continue;
      const child = relative === '' ? name : `${relative}/${name}`;
      const info = await stat(path.join(root, child), { bigint: true });
      found.set(child, info.ino);
      if (info.isDirectory()) await walk(child);
    }
  };
  await walk('');
  return found;
}

/** Asserts that the entries of each folder under `root` have distinct inode numbers. */
async function assertDistinctPerFolder(root: string): Promise<void> {
  const byFolder = new Map<string, bigint[]>();
  for (const [relative, ino] of await inodes(root)) {
    const folder = path.dirname(relative);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ino]);
  }
  for (const [folder, numbers] of byFolder) assert.equal(new Set(numbers).size, numbers.length, `distinct inode numbers in ${folder}: ${numbers.join(' ')}`);
}

describe('git status after a remount with an empty cache', () => {
  let mount: RestartableMount;
  /** The emulator's clock runs an hour behind while the files are written (their mtimes are then well before the index's). */
  let offset = -3_600_000;
  let caches: string;
  before(async () => {
    mount = await restartableMount({ emulator: { now: () => Date.now() + offset } });
    caches = path.join(path.dirname(mount.stateHome), 'caches');
  });
  after(async () => {
    await mount.stop();
  });

  const git = async (...args: string[]): Promise<string> => {
    const result = await program('git', ['-c', 'user.name=wsfs test', '-c', 'user.email=test@example.com', '-C', mount.local('repo'), ...args], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };

  it('is clean, downloads no working-tree file, and every inode number is the same as before', async (t) => {
    // Whatever happens, the next test starts with the mount point free.
    t.after(() => mount.unmount().catch(() => undefined));
    await mount.start(['--cache-dir', path.join(caches, '1')]);
    for (let i = 0; i < FILES; i++) {
      const folder = mount.local(`repo/src${i % FOLDERS}`);
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, `file${String(i).padStart(2, '0')}.txt`), `line ${i}\n`);
    }
    // Created and uploaded here: provisional numbers, above the object ids, unique.
    const written = await inodes(mount.local('repo'));
    const provisional = [...written].filter(([, ino]) => ino >= BigInt(PROVISIONAL_ID_BASE));
    assert.equal(provisional.length, FILES, 'the files show provisional numbers, the folders (made with mkdir) their object ids');
    await assertDistinctPerFolder(mount.local('repo'));
    await mount.unmount();

    offset = 0;
    await mount.start(['--cache-dir', path.join(caches, '2')]);
    const before = await inodes(mount.local('repo'));
    assert.equal(before.size, FOLDERS + FILES);
    assert.deepEqual(before, written, 'after the remount every file keeps the number it was written with');
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-q', '-m', 'fifty files');
    assert.equal(await git('status', '--porcelain'), '');
    await mount.unmount();

    const downloads: string[] = [];
    mount.emulator.onRequest = (method, url) => {
      if (method !== 'GET') return;
      if (url.pathname === '/api/2.0/workspace/export') downloads.push(url.searchParams.get('path') ?? '?');
      else if (url.pathname.startsWith('/api/2.0/fs/files') || url.pathname.startsWith('/__emulator/signed/')) downloads.push(url.pathname);
    };
    await mount.start(['--cache-dir', path.join(caches, '3')]);
    try {
      assert.equal(await git('status', '--porcelain'), '', 'nothing changed');
      const workingTree = downloads.filter((p) => !p.includes('/repo/.git/'));
      assert.deepEqual(workingTree, [], 'no working-tree file was downloaded');
      assert.ok(downloads.length > 0, 'git read its .git files (through a cold cache)');
      const after = await inodes(mount.local('repo'));
      assert.deepEqual(after, before, 'inode numbers of files and folders are the same after the remount');
      // readdir's d_ino (Python's scandir reports it without a stat) is the same number.
      const listed = await program('python3', ['-c', 'import os, sys\nfor e in sorted(os.scandir(sys.argv[1]), key=lambda e: e.name): print(e.name, e.inode())', mount.local('repo/src0')]);
      assert.equal(listed.code, 0, listed.stderr);
      const dIno = listed.stdout.trim().split('\n').map((line) => line.split(' '));
      assert.equal(dIno.length, FILES / FOLDERS);
      for (const [name, ino] of dIno) assert.equal(BigInt(ino!), after.get(`src0/${name!}`), `d_ino of ${name!}`);
      await assertDistinctPerFolder(mount.local('repo'));
      assert.equal((await stat(mount.mountPoint)).ino, 1, 'the root is 1');
    } finally {
      mount.emulator.onRequest = undefined;
    }
  });

  it('also for files written, added and committed in the same mount', async () => {
    const repo = mount.local('fresh');
    const git2 = async (...args: string[]): Promise<string> => {
      const result = await program('git', ['-c', 'user.name=wsfs test', '-c', 'user.email=test@example.com', '-C', repo, ...args], { timeoutMs: 120_000 });
      assert.equal(result.code, 0, `git ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    await mount.start(['--cache-dir', path.join(caches, '4')]);
    const files: string[] = [];
    for (let i = 0; i < FILES; i++) {
      const file = path.join(repo, `src${i % FOLDERS}`, `file${String(i).padStart(2, '0')}.txt`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `fresh ${i}\n`);
      files.push(file);
    }
    const written = await inodes(repo);
    // An hour back (as `tar x` or `cp -p` would leave them): else git's index, written in the same
    // second as the files, marks them "racily clean" and re-reads them anyway (git's own rule).
    const touched = await program('touch', ['-d', `@${Math.floor(Date.now() / 1000) - 3600}`, ...files]);
    assert.equal(touched.code, 0, touched.stderr);
    await git2('init', '-q');
    await git2('add', '.');
    await git2('commit', '-q', '-m', 'fifty fresh files');
    assert.equal(await git2('status', '--porcelain'), '');
    const before = await inodes(repo);
    assert.deepEqual(before, written, 'the numbers seen right after writing stay (git may have recorded them)');
    await mount.unmount();

    const downloads: string[] = [];
    mount.emulator.onRequest = (method, url) => {
      if (method === 'GET' && url.pathname === '/api/2.0/workspace/export') downloads.push(url.searchParams.get('path') ?? '?');
      else if (method === 'GET' && (url.pathname.startsWith('/api/2.0/fs/files') || url.pathname.startsWith('/__emulator/signed/'))) downloads.push(url.pathname);
    };
    await mount.start(['--cache-dir', path.join(caches, '5')]);
    try {
      assert.equal(await git2('status', '--porcelain'), '', 'nothing changed');
      assert.deepEqual(downloads.filter((p) => !p.includes('/fresh/.git/')), [], 'no working-tree file was downloaded');
      assert.deepEqual(await inodes(repo), before, 'every file keeps the number it was written with');
    } finally {
      mount.emulator.onRequest = undefined;
    }
  });
});
