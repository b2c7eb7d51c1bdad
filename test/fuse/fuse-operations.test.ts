// The FUSE adapter (src/fs/fuse/fuse-operations.ts) through a real mount: real programs, run as
// async child processes with timeouts (this process answers the kernel, so it never touches the
// mount itself), over a passthrough Filesystem standing in for the engine. Every wait is bounded;
// the mount is removed in `after`, with `fusermount -uz` as a fallback.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FsErrorCode } from '../../src/fs/errors';
import { ERRNO } from '../../src/fs/fuse/errno-map';
import { FuseMountSession } from '../../src/fs/fuse/mount-session';
import { Logger, type LogRecord } from '../../src/fs/logger';
import { PASSTHROUGH_STATFS, PassthroughFilesystem } from '../support/passthrough-filesystem';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], options: { timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const ALL_CODES: FsErrorCode[] = [
  'ENOENT', 'EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EFBIG', 'ENAMETOOLONG', 'ENOSPC',
  'EINVAL', 'ENOTSUP', 'EAGAIN', 'ETIMEDOUT', 'EXDEV', 'EBUSY', 'ENODATA', 'ENOSYS', 'EIO',
];

describe('FUSE adapter through a real mount', () => {
  let base: string;
  let backing: string;
  let mnt: string;
  let fs: PassthroughFilesystem;
  let session: FuseMountSession | undefined;
  const records: LogRecord[] = [];
  const trace = process.env.WSFS_TRACE === '1';

  // NB never spawn with `cwd` inside the mount: libuv's spawn blocks this (the mounting) process until
  // the child has exec'd, and the child's chdir waits for this process to answer FUSE: a deadlock.
  /** Runs `sh -c script` inside the mount (the shell changes directory itself). */
  const sh = (script: string, timeoutMs?: number): Promise<Ran> => run('sh', ['-c', `cd "$1" && ${script}`, 'sh', mnt], { timeoutMs });
  /** Runs a Python snippet; `M` is the mount path. */
  const py = (code: string): Promise<Ran> => run('python3', ['-c', `import os, sys, errno, json\nM = sys.argv[1]\n${code}`, mnt]);
  const callsOf = (op: string): unknown[][] => fs.calls.filter((c) => c.op === op).map((c) => c.args);

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'wsfs-ops-'));
    backing = path.join(base, 'backing');
    mnt = path.join(base, 'mnt');
    await mkdir(backing);
    await mkdir(mnt);
    await writeFile(path.join(backing, 'hello.txt'), 'hello, workspace\n');
    await mkdir(path.join(backing, 'dir'));
    await writeFile(path.join(backing, 'dir', 'inner.py'), 'print(1)\n');
    fs = new PassthroughFilesystem(backing);
    const logger = new Logger({ sink: (r) => { records.push(r); if (trace) process.stderr.write(`${r.level} ${r.message}\n`); }, level: 'debug' });
    // ttl 0: the kernel caches nothing, so every fault injected below reaches the adapter.
    session = await within(FuseMountSession.mount({ mountPoint: mnt, filesystem: fs, logger, ttlSeconds: 0, fsname: 'wsfs-ops-test' }), 20_000, 'mount');
  });

  after(async () => {
    if (session !== undefined) await within(session.unmount(), 20_000, 'unmount').catch(() => undefined);
    await run('fusermount', ['-uz', mnt], { timeoutMs: 5_000 });
    await fs?.closeAll();
    await rm(base, { recursive: true, force: true });
  });

  it('ls -l lists files and folders with types, sizes and the owner', async () => {
    const ls = await sh('ls -ln');
    assert.equal(ls.code, 0, ls.stderr);
    const uid = String(process.getuid!());
    assert.match(ls.stdout, new RegExp(`^d\\S+ +2 ${uid} +\\d+ +\\d+ .* dir$`, 'm'));
    assert.match(ls.stdout, new RegExp(`^-rw\\S+ +1 ${uid} +\\d+ +17 .* hello\\.txt$`, 'm'));
  });

  it('cat reads a file', async () => {
    const cat = await sh('cat hello.txt dir/inner.py');
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'hello, workspace\nprint(1)\n');
  });

  it('cp copies in and out byte for byte (3 MiB)', async () => {
    const data = randomBytes(3 << 20);
    const source = path.join(base, 'source.bin');
    await writeFile(source, data);
    const copy = await run('cp', [source, path.join(mnt, 'copied.bin')]);
    assert.equal(copy.code, 0, copy.stderr);
    const out = path.join(base, 'out.bin');
    const back = await run('cp', [path.join(mnt, 'copied.bin'), out]);
    assert.equal(back.code, 0, back.stderr);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(sha(await readFile(out)), sha(data));
    assert.equal(sha(await readFile(path.join(backing, 'copied.bin'))), sha(data));
  });

  it('read-through: an offered read-only handle is read by the binding, until the offer is revoked', async () => {
    const data = randomBytes(4 << 20);
    await writeFile(path.join(backing, 'through.bin'), data);
    // A second file for the revocation: the first one's pages stay in the page cache (auto_cache).
    await writeFile(path.join(backing, 'revoked.bin'), data);
    fs.readThroughPaths.add('/through.bin');
    fs.readThroughPaths.add('/revoked.bin');
    try {
      const readsOf = (file = '/through.bin'): number => callsOf('read').filter((args) => args[0] === file).length;
      const sum = await run('sha256sum', [path.join(mnt, 'through.bin')]);
      assert.equal(sum.code, 0, sum.stderr);
      assert.equal(sum.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
      assert.equal(callsOf('readThrough').length, 1, 'offered once, at open');
      assert.equal(readsOf(), 0, 'no read reached the Filesystem');
      assert.ok(records.some((r) => /open \/through\.bin fh=\d+: reads served by the binding/.test(r.message)));
      // A reader takes 1 MiB, the offer is revoked (as when a writer opens the file), the reader
      // then reads at 3 MiB: those reads come to the Filesystem again, with the right bytes.
      const reader = execFile('python3', ['-c', 'import sys\nf = open(sys.argv[1], "rb", buffering=0)\nf.read(1 << 20)\nsys.stderr.write("read\\n")\nsys.stderr.flush()\nsys.stdin.readline()\nf.seek(3 << 20)\nsys.stdout.write(f.read(16).hex())\n', path.join(mnt, 'revoked.bin')], { timeout: 30_000 });
      const output = new Promise<string>((resolve) => {
        let out = '';
        reader.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
        reader.once('exit', () => resolve(out));
      });
      await within(new Promise((resolve) => reader.stderr?.once('data', resolve)), 20_000, 'the reader read 1 MiB');
      assert.equal(readsOf('/revoked.bin'), 0);
      fs.revokeReadThrough('/revoked.bin');
      reader.stdin?.end('go\n');
      assert.equal(await within(output, 20_000, 'the reader exits'), data.subarray(3 << 20, (3 << 20) + 16).toString('hex'));
      assert.ok(readsOf('/revoked.bin') > 0, 'after the revocation reads reach the Filesystem');
    } finally {
      fs.readThroughPaths.clear();
    }
  });

  it('write-through: after a write came through the Filesystem, the binding writes the rest, until revoked', async () => {
    fs.writeThroughPaths.add('/wt.bin');
    await writeFile(path.join(backing, 'wt.bin'), ''); // opened, not created (the passthrough offers opened handles)
    try {
      const writesOf = (): number => callsOf('write').filter((args) => args[0] === '/wt.bin').length;
      // One process writes 4 MiB (from empty: offered size 0), waits for a line, then writes 1 MiB more.
      const script = 'import os, sys\nfd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)\nfor i in range(4):\n    os.write(fd, bytes([65 + i]) * (1 << 20))\nsys.stderr.write("wrote\\n")\nsys.stderr.flush()\nsys.stdin.readline()\nos.write(fd, b"E" * (1 << 20))\nos.close(fd)\n';
      const writer = execFile('python3', ['-c', script, path.join(mnt, 'wt.bin')], { timeout: 30_000 });
      const exited = new Promise<number>((resolve) => writer.once('exit', (code) => resolve(code ?? -1)));
      await within(new Promise((resolve) => writer.stderr?.once('data', resolve)), 20_000, 'the writer wrote 4 MiB');
      assert.equal(callsOf('writeThrough').length, 1, 'offered once, after the first write');
      assert.equal(writesOf(), 1, 'only the first write reached the Filesystem');
      assert.ok(records.some((r) => /write \/wt\.bin fh=\d+: writes done by the binding/.test(r.message)));
      const [fh, state] = [...fs.writeThroughs.entries()][0]!;
      const live = state.live?.();
      assert.ok(live !== null && live !== undefined, 'the Filesystem reads live counters while connected');
      assert.equal(live.size, 4 << 20);
      assert.equal(live.writes, 31, 'the 31 writes of 128 KiB after the first');
      state.revoke.abort(); // as the engine does at the start of a locked operation
      assert.deepEqual(state.final, live, 'revoking unregisters at once and hands back the final counters');
      writer.stdin?.end('go\n');
      assert.equal(await within(exited, 20_000, 'the writer exits'), 0);
      assert.ok(writesOf() > 1, 'after the revocation writes reach the Filesystem again');
      const data = await readFile(path.join(backing, 'wt.bin'));
      assert.equal(data.length, 5 << 20);
      for (let i = 0; i < 5; i++) assert.ok(data.subarray(i << 20, (i + 1) << 20).equals(Buffer.alloc(1 << 20, 65 + i)), `MiB ${i}`);
      assert.equal(fs.writeThroughs.get(fh), state);
    } finally {
      fs.writeThroughPaths.clear();
    }
  });

  it('dd writes in 128 KiB requests (big_writes,max_write=131072 reached libfuse)', async () => {
    fs.writeSizes.length = 0;
    const dd = await sh('dd if=/dev/zero of=zeros.bin bs=1M count=2 status=none && stat -c %s zeros.bin');
    assert.equal(dd.code, 0, dd.stderr);
    assert.equal(dd.stdout.trim(), String(2 << 20));
    assert.equal(Math.max(...fs.writeSizes), 131072);
  });

  it('mkdir, mv (rename and move into a folder), rm and rmdir', async () => {
    const script = 'mkdir made && echo x > a.txt && mv a.txt b.txt && mv b.txt made/ && ls made && rm made/b.txt && rmdir made && ls';
    const done = await sh(script);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^b\.txt$/m);
    assert.doesNotMatch(done.stdout, /made/);
    assert.ok(callsOf('rename').some(([from, to]) => from === '/b.txt' && to === '/made/b.txt'));
  });

  it('rmdir of a non-empty folder fails with ENOTEMPTY', async () => {
    const rmdir = await sh('rmdir dir');
    assert.notEqual(rmdir.code, 0);
    assert.match(rmdir.stderr, /Directory not empty/);
  });

  it('touch creates a file (create gets the open flags) and succeeds on an existing one', async () => {
    const touch = await sh('touch new.txt && touch hello.txt && stat -c %s new.txt');
    assert.equal(touch.code, 0, touch.stderr);
    assert.equal(touch.stdout.trim(), '0');
    const created = callsOf('create').find(([p]) => p === '/new.txt');
    assert.ok(created, 'create was called');
    assert.equal((created[1] as number) & 0o170000, 0, 'mode without type bits');
    const flags = created[2] as number;
    assert.equal(flags & 3, fsConstants.O_WRONLY, `real open flags, got ${flags}`);
    assert.notEqual(flags & fsConstants.O_CREAT, 0, `O_CREAT in ${flags}`);
    assert.ok(callsOf('utimens').some(([p]) => p === '/hello.txt'));
  });

  it('truncate grows and shrinks; stat -c %s/%Y report size and mtime', async () => {
    const t = await sh('truncate -s 100 hello.txt && stat -c %s hello.txt && truncate -s 5 hello.txt && stat -c "%s %Y" hello.txt && cat hello.txt');
    assert.equal(t.code, 0, t.stderr);
    const [grown, shrunk, content] = t.stdout.split('\n');
    assert.equal(grown, '100');
    const backingStat = await stat(path.join(backing, 'hello.txt'));
    assert.equal(shrunk, `5 ${Math.floor(backingStat.mtimeMs / 1000)}`);
    assert.equal(content, 'hello');
  });

  it('fgetattr: attributes of an open file come from the fgetattr handler with its handle (after create and ftruncate)', async () => {
    const before = fs.calls.length;
    const ran = await py(
      [
        "fd = os.open(os.path.join(M, 'fstat.txt'), os.O_CREAT | os.O_RDWR, 0o644)",
        "os.write(fd, b'abc')",
        'os.ftruncate(fd, 10)',
        'print(os.fstat(fd).st_size)',
        'os.close(fd)',
      ].join('\n'),
    );
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(ran.stdout.trim(), '10');
    const calls = fs.calls.slice(before).filter((c) => c.args[0] === '/fstat.txt');
    const truncated = calls.find((c) => c.op === 'ftruncate');
    assert.ok(truncated, `ftruncate reached the filesystem: ${calls.map((c) => c.op).join(', ')}`);
    const handle = truncated.args[1];
    const fgetattrs = calls.filter((c) => c.op === 'fgetattr');
    // libfuse asks through the handle after create (the new file's lookup) and after ftruncate.
    assert.ok(fgetattrs.length >= 2, `fgetattr calls: ${calls.map((c) => c.op).join(', ')}`);
    assert.ok(fgetattrs.every((c) => c.args[1] === handle), 'with the handle of the open file');
    const afterTruncate = calls.slice(calls.indexOf(truncated) + 1);
    assert.equal(afterTruncate[0]?.op, 'fgetattr', 'the attributes after ftruncate come from fgetattr, not getattr');
  });

  it('keeps sub-second mtimes (fractional ms reach the kernel)', async () => {
    const backingStat = await stat(path.join(backing, 'dir', 'inner.py'));
    const s = await sh('stat -c %y dir/inner.py');
    const fraction = /\.(\d{9})/.exec(s.stdout)?.[1];
    assert.ok(fraction !== undefined, s.stdout);
    assert.equal(Number(fraction.slice(0, 3)), Math.floor(backingStat.mtimeMs % 1000));
  });

  it('python open/write/fsync/fdatasync/rename: an editor-style atomic save', async () => {
    const save = await py(
      [
        "with open(os.path.join(M, 'doc.txt'), 'w') as f: f.write('v1')",
        "f = open(os.path.join(M, '.doc.txt.tmp'), 'w'); f.write('v2 saved'); f.flush(); os.fsync(f.fileno()); os.fdatasync(f.fileno()); f.close()",
        "os.replace(os.path.join(M, '.doc.txt.tmp'), os.path.join(M, 'doc.txt'))",
        "print(open(os.path.join(M, 'doc.txt')).read()); print(sorted(os.listdir(M)))",
      ].join('\n'),
    );
    assert.equal(save.code, 0, save.stderr);
    assert.match(save.stdout, /^v2 saved$/m);
    assert.doesNotMatch(save.stdout, /\.doc\.txt\.tmp/);
    const syncs = callsOf('fsync').filter(([p]) => p === '/.doc.txt.tmp');
    assert.deepEqual(syncs.map(([, fh, dataOnly]) => [typeof fh, dataOnly]), [['number', false], ['number', true]]);
    assert.ok((syncs[0]![1] as number) >= 10, 'the handle returned by create, not datasync');
  });

  it('chmod succeeds and the filesystem gets permission bits only; chown to another user is EPERM', async () => {
    const chmod = await sh('chmod 600 doc.txt');
    assert.equal(chmod.code, 0, chmod.stderr);
    assert.deepEqual(callsOf('chmod').at(-1), ['/doc.txt', 0o600]);
    const chown = await sh('chown 4321 doc.txt');
    assert.notEqual(chown.code, 0);
    assert.match(chown.stderr, /Operation not permitted/);
  });

  it('statfs reports the filesystem values (stat -f)', async () => {
    const s = await sh('stat -f -c "%S %b %f %a %c %d %l" .');
    assert.equal(s.code, 0, s.stderr);
    const v = PASSTHROUGH_STATFS;
    assert.equal(s.stdout.trim(), [v.blockSize, v.blocks, v.blocksFree, v.blocksAvailable, v.files, v.filesFree, v.nameMax].join(' '));
  });

  it('xattrs: get is ENODATA, list is empty, set and remove are ENOTSUP', async () => {
    const x = await py(
      [
        "p = os.path.join(M, 'doc.txt')",
        'out = {}',
        "for name, f in [('get', lambda: os.getxattr(p, 'user.k')), ('set', lambda: os.setxattr(p, 'user.k', b'v')), ('remove', lambda: os.removexattr(p, 'user.k'))]:",
        '    try: f(); out[name] = 0',
        '    except OSError as e: out[name] = e.errno',
        "out['list'] = os.listxattr(p)",
        'print(json.dumps(out))',
      ].join('\n'),
    );
    assert.equal(x.code, 0, x.stderr);
    assert.deepEqual(JSON.parse(x.stdout), { get: ERRNO.ENODATA, set: ERRNO.ENOTSUP, remove: ERRNO.ENOTSUP, list: [] });
  });

  it('symlink, hard link and mkfifo fail with EPERM', async () => {
    const s = await sh('ln -s doc.txt soft');
    assert.notEqual(s.code, 0);
    assert.match(s.stderr, /Operation not permitted/);
    const h = await sh('ln doc.txt hard');
    assert.notEqual(h.code, 0);
    assert.match(h.stderr, /Operation not permitted/);
    const f = await py("try: os.mkfifo(os.path.join(M, 'fifo')); print(0)\nexcept OSError as e: print(e.errno)");
    assert.equal(f.stdout.trim(), String(ERRNO.EPERM));
  });

  it('every FsError code reaches the program as its errno (python os.stat)', async () => {
    const names = JSON.stringify(ALL_CODES);
    const r = await py(`out = {}\nfor c in ${names}:\n    try: os.stat(os.path.join(M, 'fail-' + c)); out[c] = 0\n    except OSError as e: out[c] = e.errno\nprint(json.dumps(out))`);
    assert.equal(r.code, 0, r.stderr);
    const expected = Object.fromEntries(ALL_CODES.map((c) => [c, ERRNO[c]]));
    assert.deepEqual(JSON.parse(r.stdout), expected);
  });

  it('errors of open, write, unlink, mkdir and rename propagate too', async () => {
    fs.faults.set('open:/doc.txt', 'EACCES');
    fs.faults.set('write:/w.txt', 'EFBIG');
    fs.faults.set('unlink:/doc.txt', 'EBUSY');
    fs.faults.set('mkdir:/m', 'ENOSPC');
    fs.faults.set('rename:/doc.txt', 'EXDEV');
    try {
      const r = await py(
        [
          'out = {}',
          'def t(name, f):',
          '    try: f(); out[name] = 0',
          '    except OSError as e: out[name] = e.errno',
          "t('open', lambda: open(os.path.join(M, 'doc.txt')).read())",
          "def w():\n    with open(os.path.join(M, 'w.txt'), 'wb') as f: f.write(b'x' * 10)",
          "t('write', w)",
          "t('unlink', lambda: os.unlink(os.path.join(M, 'doc.txt')))",
          "t('mkdir', lambda: os.mkdir(os.path.join(M, 'm')))",
          "t('rename', lambda: os.rename(os.path.join(M, 'doc.txt'), os.path.join(M, 'elsewhere.txt')))",
          'print(json.dumps(out))',
        ].join('\n'),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { open: ERRNO.EACCES, write: ERRNO.EFBIG, unlink: ERRNO.EBUSY, mkdir: ERRNO.ENOSPC, rename: ERRNO.EXDEV });
    } finally {
      fs.faults.clear();
    }
  });

  it('a failure that is not an FsError becomes EIO and is logged as an error', async () => {
    const r = await py("try: os.stat(os.path.join(M, 'bug-here')); print(0)\nexcept OSError as e: print(e.errno)");
    assert.equal(r.stdout.trim(), String(ERRNO.EIO));
    assert.ok(records.some((rec) => rec.level === 'error' && /getattr \/bug-here .*EIO.*injected bug/.test(rec.message)));
  });

  it('logs each call at debug with its result and duration', () => {
    assert.ok(records.some((r) => r.level === 'debug' && /^getattr \/hello\.txt -> ok \(\d+\.\d\d ms\)$/.test(r.message)));
    assert.ok(records.some((r) => r.level === 'debug' && /^read \/hello\.txt fh=\d+ len=\d+ pos=0 -> \d+ bytes \(\d+\.\d\d ms\)$/.test(r.message)));
    assert.ok(records.some((r) => r.level === 'debug' && /^getattr \/fail-ENOENT -> ENOENT \(-2\) \(/.test(r.message)));
  });
});
