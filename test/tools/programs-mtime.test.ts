// Set file times through real programs on a real mount (docs/semantics.md "Times"): touch moves
// the mtime to now, touch -d and Python's os.utime set an exact time, cp -p and tar x keep the
// source's, touch -m sets the mtime alone, the times survive an unmount and a new engine on the
// same state folder, and an out-of-band change shows the workspace's time again once the TTL (1 s
// here) has passed. A second rsync -a transferring and uploading nothing: programs-tools.test.ts.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { mountWorkspace, run, type MountedWorkspace } from '../support/mounted-workspace';
import { restartableMount } from '../support/restartable-mount';
import { pollUntil, python, remoteBytes, scratch } from './programs-support';

let mounted: MountedWorkspace;
let local: Awaited<ReturnType<typeof scratch>>;

before(async () => {
  mounted = await mountWorkspace({ ttlSeconds: 1 });
  local = await scratch();
  await run('mkdir', [mounted.local('times')]);
});
after(async () => {
  await mounted?.stop();
  await local?.dispose();
});

/** `stat -c FORMAT` of a file, trimmed. */
async function statOf(format: string, file: string): Promise<string> {
  return (await run('stat', ['-c', format, file])).trim();
}

/** Seconds since the epoch of `date -d WHEN` (the local time zone, as touch -d reads it). */
async function epochOf(when: string): Promise<number> {
  return Number((await run('date', ['-d', when, '+%s'])).trim());
}

it('touch moves the mtime of an existing file to now; touch -d sets an exact time, also on a notebook; folders keep theirs', async () => {
  const file = mounted.local('times/touched.txt');
  await run('sh', ['-c', `echo keep > '${file}'`]);
  await run('touch', ['-d', '2001-02-03 04:05:06', file]);
  assert.equal(Number(await statOf('%Y', file)), await epochOf('2001-02-03 04:05:06'));
  const before = Date.now();
  await run('touch', [file]);
  const touched = Number(await statOf('%Y', file)) * 1000;
  assert.ok(touched >= Math.floor(before / 1000) * 1000 && touched <= Date.now() + 1_000, `mtime ${touched} is not now (${before})`);
  assert.equal(await run('cat', [file]), 'keep\n', 'the content stays');
  assert.equal(remoteBytes(mounted, 'times/touched.txt').toString(), 'keep\n');

  await run('touch', ['-d', '2020-01-02 03:04:05', file]);
  assert.equal(Number(await statOf('%Y', file)), await epochOf('2020-01-02 03:04:05'));
  assert.match(await run('ls', ['-l', '--time-style=+%Y-%m-%d.%H:%M:%S', file]), / 2020-01-02\.03:04:05 /);

  const notebook = mounted.local('times/nb.py');
  await writeFile(path.join(local.dir, 'nb.py'), '# Databricks notebook source\nprint(1)\n');
  await run('cp', [path.join(local.dir, 'nb.py'), notebook]);
  assert.equal(mounted.emulator.tree.find(`${mounted.remotePath}/times/nb`)?.kind, 'NOTEBOOK');
  await run('touch', ['-d', '2019-05-06 07:08:09', notebook]);
  assert.equal(Number(await statOf('%Y', notebook)), await epochOf('2019-05-06 07:08:09'));

  const folder = await statOf('%Y', mounted.local('times'));
  await run('touch', ['-d', '2001-02-03 04:05:06', mounted.local('times')]);
  assert.equal(await statOf('%Y', mounted.local('times')), folder);
});

it("Python's os.utime(ns=...) sets the time to the microsecond", async () => {
  const cwd = mounted.local('times');
  const out = await python(
    [
      'import os',
      "open('precise.txt', 'w').write('x')",
      "os.utime('precise.txt', ns=(1600000000111111111, 1600000000123456789))",
      "print(os.stat('precise.txt').st_mtime_ns)",
    ].join('\n'),
    cwd,
  );
  const shown = BigInt(out.trim());
  const wanted = 1600000000123456789n;
  assert.ok(shown - wanted < 1000n && wanted - shown < 1000n, `st_mtime_ns ${shown} is not ${wanted} to the microsecond`);
});

it('cp -p and tar x keep the mtimes of the source', async () => {
  const src = path.join(local.dir, 'cp-src.txt');
  await writeFile(src, 'copied with its time\n');
  await run('touch', ['-d', '2018-03-04 05:06:07.250', src]);
  await run('cp', ['-p', src, mounted.local('times/cp-p.txt')]);
  assert.equal(await statOf('%Y', mounted.local('times/cp-p.txt')), await statOf('%Y', src));
  assert.equal((await statOf('%y', mounted.local('times/cp-p.txt'))).slice(0, 23), (await statOf('%y', src)).slice(0, 23), 'to the millisecond');

  const tree = path.join(local.dir, 'tar-tree');
  await mkdir(path.join(tree, 'sub'), { recursive: true });
  await writeFile(path.join(tree, 'sub/a.txt'), 'a\n');
  await run('touch', ['-d', '2017-01-01 10:00:00', path.join(tree, 'sub/a.txt')]);
  const archive = path.join(local.dir, 'tree.tar');
  await run('tar', ['-cf', archive, '-C', tree, '.']);
  await run('mkdir', [mounted.local('times/untarred')]);
  await run('tar', ['-xf', archive, '-C', mounted.local('times/untarred')]);
  assert.equal(await statOf('%Y', mounted.local('times/untarred/sub/a.txt')), await statOf('%Y', path.join(tree, 'sub/a.txt')));
});

it('touch -m sets the mtime alone (the binding passes the omitted atime as UTIME_OMIT); touch -a changes nothing shown', async () => {
  const file = mounted.local('times/touch-m.txt');
  await run('sh', ['-c', `echo m > '${file}'`]);
  await run('touch', ['-m', '-d', '2014-04-05 06:07:08', file]);
  assert.equal(Number(await statOf('%Y', file)), await epochOf('2014-04-05 06:07:08'));
  await run('touch', ['-a', '-d', '2001-01-01 00:00:00', file]);
  assert.equal(Number(await statOf('%Y', file)), await epochOf('2014-04-05 06:07:08'));
});

it('an out-of-band change shows the workspace time again once the TTL has passed', async () => {
  const file = mounted.local('times/oob.txt');
  await run('sh', ['-c', `echo mine > '${file}'`]);
  await run('touch', ['-d', '2001-02-03 04:05:06', file]);
  const set = await statOf('%Y', file);
  mounted.emulator.tree.write(`${mounted.remotePath}/times/oob.txt`, { kind: 'FILE', content: Buffer.from('theirs\n') });
  const theirs = Math.floor(mounted.emulator.tree.find(`${mounted.remotePath}/times/oob.txt`)!.modifiedAt / 1000);
  const seen = await pollUntil(async () => (await statOf('%Y', file)) === String(theirs), 5_000, 200);
  assert.ok(seen, `the workspace time ${theirs} was not shown within 5 s (set ${set}, shown ${await statOf('%Y', file)})`);
  assert.equal(await run('cat', [file]), 'theirs\n');
});

it('set times survive an unmount and a new engine on the same state folder', async () => {
  const mount = await restartableMount();
  try {
    await mount.start();
    const src = path.join(local.dir, 'remount-src.txt');
    await writeFile(src, 'kept\n');
    await run('touch', ['-d', '2016-06-07 08:09:10', src]);
    await run('cp', ['-p', src, mount.local('copied.txt')]);
    await run('sh', ['-c', `echo touched > '${mount.local('touched.txt')}'`]);
    await run('touch', ['-d', '2015-01-02 03:04:05', mount.local('touched.txt')]);
    await mount.unmount();
    await mount.start();
    assert.equal(await statOf('%Y', mount.local('copied.txt')), await statOf('%Y', src));
    assert.equal(Number(await statOf('%Y', mount.local('touched.txt'))), await epochOf('2015-01-02 03:04:05'));
  } finally {
    await mount.stop();
  }
});

it('with background uploads, rsync -a, an unmount and a new engine: the second rsync transfers and uploads nothing', async () => {
  const mount = await restartableMount();
  try {
    const src = path.join(local.dir, 'bg-src');
    await mkdir(path.join(src, 'sub'), { recursive: true });
    for (let i = 0; i < 6; i++) await writeFile(path.join(src, i % 2 === 0 ? `f${i}.txt` : `sub/f${i}.txt`), `file ${i}\n`.repeat(i * 100));
    await mount.start(['--background-uploads']);
    const first = await run('rsync', ['-a', '--stats', `${src}/`, `${mount.local('bg-dst')}/`], { timeoutMs: 60_000 });
    assert.match(first, /Number of regular files transferred: 6\b/, first);
    await mount.unmount();
    await mount.start(['--background-uploads']);
    const before = mount.emulator.stats.snapshot().requests;
    const second = await run('rsync', ['-a', '--stats', `${src}/`, `${mount.local('bg-dst')}/`], { timeoutMs: 60_000 });
    assert.match(second, /Number of regular files transferred: 0\b/, second);
    const after = mount.emulator.stats.snapshot().requests;
    assert.deepEqual(Object.keys(after).filter((key) => /^(POST|PUT) /.test(key) && after[key] !== before[key]), [], JSON.stringify(after));
    assert.equal(mount.emulator.tree.find(`/Users/${mount.emulator.userName}/bg-dst/sub/f5.txt`)?.kind, 'FILE');
  } finally {
    await mount.stop();
  }
});
