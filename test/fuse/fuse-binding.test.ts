// The FUSE binding wsfs ships: fuse-native 2.2.6 patched (patches/) and built from source against
// the system libfuse2, so that it runs inside Electron (no external buffers) and passes the mount
// options, timeouts, unmount events and read-through the engine needs. Real mounts; every wait is
// bounded.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fuse from 'fuse-native';

type Operations = ConstructorParameters<typeof Fuse>[1];
type Stat = { mode: number; size: number; uid: number; gid: number; nlink: number; mtime: Date; atime: Date; ctime: Date };

const addonDir = path.dirname(require.resolve('fuse-native/package.json'));
const addon = path.join(addonDir, 'build', 'Release', 'fuse.node');

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
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

/** Calls from memoryOps the read-through test needs to see or steer. */
interface ReadHooks {
  /** Paths whose reads reached the read handler, in order. */
  reads: string[];
  /** Paths whose writes reached the write handler, in order. */
  writes?: string[];
  /** Called when `path` is opened as handle `fh` (before the kernel learns fh). */
  onOpen?: (path: string, fh: number) => void;
  /** utimens calls as received: path, atime, mtime. */
  times?: Array<[string, number, number]>;
}

/** A tiny in-memory filesystem: one folder of files, enough to exercise the binding. */
function memoryOps(writeSizes: number[], slowMs: number, hooks: ReadHooks = { reads: [] }): Operations {
  let nextFh = 42;
  const files = new Map<string, Buffer>([['/slow', Buffer.from('slow read\n')]]);
  const now = new Date();
  const fileStat = (size: number): Stat => ({ mode: 0o100644, size, uid: process.getuid!(), gid: process.getgid!(), nlink: 1, mtime: now, atime: now, ctime: now });
  return {
    getattr(p, cb) {
      if (p === '/') return cb(0, { mode: 0o40755, size: 4096, uid: process.getuid!(), gid: process.getgid!(), nlink: 2, mtime: now, atime: now, ctime: now });
      const data = files.get(p);
      return data === undefined ? cb(Fuse.ENOENT) : cb(0, fileStat(data.length));
    },
    readdir(p, cb) {
      if (p !== '/') return cb(Fuse.ENOTDIR);
      return cb(0, [...files.keys()].map((name) => name.slice(1)));
    },
    open(p, _flags, cb) {
      if (!files.has(p)) return cb(Fuse.ENOENT);
      const fh = nextFh++;
      hooks.onOpen?.(p, fh);
      return cb(0, fh);
    },
    create(p: string, _mode: number, cb: (code: number, fd?: number) => void) {
      files.set(p, Buffer.alloc(0));
      return cb(0, 42);
    },
    truncate(p, size, cb) {
      const data = files.get(p) ?? Buffer.alloc(0);
      files.set(p, Buffer.concat([data, Buffer.alloc(Math.max(0, size - data.length))]).subarray(0, size));
      return cb(0);
    },
    ftruncate(p, _fd, size, cb) {
      const data = files.get(p) ?? Buffer.alloc(0);
      files.set(p, Buffer.concat([data, Buffer.alloc(Math.max(0, size - data.length))]).subarray(0, size));
      return cb(0);
    },
    read(p, _fd, buf, len, pos, cb) {
      hooks.reads.push(p);
      const data = files.get(p);
      if (data === undefined) return cb(Fuse.ENOENT);
      const reply = (): void => cb(data.copy(buf, 0, pos, Math.min(data.length, pos + len)));
      if (p === '/slow') setTimeout(reply, slowMs);
      else reply();
    },
    write(p, _fd, buf, len, pos, cb) {
      writeSizes.push(len);
      hooks.writes?.push(p);
      let data = files.get(p) ?? Buffer.alloc(0);
      if (data.length < pos + len) data = Buffer.concat([data, Buffer.alloc(pos + len - data.length)]);
      buf.copy(data, pos, 0, len);
      files.set(p, data);
      return cb(len);
    },
    release(_p, _fd, cb) {
      return cb(0);
    },
    utimens(p, atime, mtime, cb) {
      hooks.times?.push([p, atime, mtime]);
      return cb(files.has(p) ? 0 : Fuse.ENOENT);
    },
  };
}

describe('fuse-native build', () => {
  it('is built from source and imports no napi_create_external_buffer (forbidden in Electron)', async () => {
    assert.ok(existsSync(addon), `${addon} is missing: run npm install`);
    const symbols = await run('nm', ['-D', addon]);
    assert.equal(symbols.code, 0, symbols.stderr);
    assert.match(symbols.stdout, /napi_create_buffer/);
    assert.doesNotMatch(symbols.stdout, /napi_create_external_buffer/);
    assert.equal(existsSync(path.join(addonDir, 'prebuilds')), false, 'upstream prebuilds must be removed');
  });

  it('links the system libfuse2, not a bundled copy', async () => {
    const libs = await run('ldd', [addon]);
    assert.match(libs.stdout, /libfuse\.so\.2 => \/(usr\/)?lib\/\S+\/libfuse\.so\.2/);
  });
});

describe('fuse-native mount (patched)', () => {
  let dir: string;
  let fuse: Fuse;
  const writeSizes: number[] = [];
  const unmounts: Array<{ external: boolean }> = [];
  const hooks: ReadHooks = { reads: [], times: [] };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wsfs-fuse-'));
    fuse = new Fuse(dir, memoryOps(writeSizes, 1500, hooks), {
      timeout: { default: false, read: 1000 },
      extraOptions: ['big_writes', 'max_write=131072', 'negative_timeout=5', 'auto_cache', 'fsname=wsfs-test', 'subtype=wsfs'],
    });
    fuse.on('unmount', (info: { external: boolean }) => unmounts.push(info));
    await within(new Promise<void>((resolve, reject) => fuse.mount((error) => (error ? reject(error) : resolve()))), 15_000, 'mount');
  });

  after(async () => {
    await within(new Promise<void>((resolve) => fuse.unmount(() => resolve())), 15_000, 'unmount').catch(() => undefined);
    await run('fusermount', ['-uz', dir], 5_000);
    await rm(dir, { recursive: true, force: true });
  });

  it('passes extra options through to libfuse (fsname, subtype)', async () => {
    const mounts = await readFile('/proc/mounts', 'utf8');
    assert.match(mounts, new RegExp(`^wsfs-test ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} fuse\\.wsfs `, 'm'));
  });

  it('round-trips 5 MiB written with dd through V8-owned buffers, in 128 KiB writes', async () => {
    const source = path.join(tmpdir(), `wsfs-fuse-src-${process.pid}`);
    const data = randomBytes(5 << 20);
    await writeFile(source, data);
    try {
      const written = await run('dd', [`if=${source}`, `of=${dir}/data.bin`, 'bs=1M'], 60_000);
      assert.equal(written.code, 0, written.stderr);
      const sum = await run('sha256sum', [`${dir}/data.bin`], 60_000);
      assert.equal(sum.stdout.split(' ')[0], createHash('sha256').update(data).digest('hex'));
      assert.equal(Math.max(...writeSizes), 131072, 'big_writes,max_write=131072 must reach libfuse');
    } finally {
      await rm(source, { force: true });
    }
  });

  it('honours a per-operation timeout: a read slower than it fails with ETIMEDOUT', async () => {
    const slow = await run('cat', [`${dir}/slow`], 20_000);
    assert.notEqual(slow.code, 0);
    assert.match(slow.stderr, /timed out/i);
  });

  it('serves reads of a read-through handle from its fd without the handler, until cleared', async () => {
    // The in-memory file holds 'A's; the registered descriptor holds a different 8 MiB pattern, so
    // every byte read tells where it came from.
    const size = 8 << 20;
    const backing = path.join(tmpdir(), `wsfs-fuse-through-${process.pid}`);
    const pattern = randomBytes(size);
    await writeFile(backing, pattern);
    const fd = openSync(backing, 'r');
    const target = path.join(dir, 'through.bin');
    const handles: number[] = [];
    try {
      await writeFile(path.join(tmpdir(), `wsfs-fuse-a-${process.pid}`), Buffer.alloc(size, 0x41));
      const written = await run('dd', [`if=${path.join(tmpdir(), `wsfs-fuse-a-${process.pid}`)}`, `of=${target}`, 'bs=1M', 'conv=notrunc'], 60_000);
      assert.equal(written.code, 0, written.stderr);
      hooks.onOpen = (p, fh) => {
        if (p !== '/through.bin') return;
        handles.push(fh);
        assert.equal(fuse.setReadThrough(fh, fd), true);
      };
      hooks.reads.length = 0;
      // One process reads the first 4 MiB, waits for a line on stdin, then reads the rest of the file.
      const reader = spawn('python3', ['-c', 'import sys\nf = open(sys.argv[1], "rb", buffering=0)\na = f.read(4 << 20)\nsys.stderr.write("read\\n")\nsys.stderr.flush()\nsys.stdin.readline()\nf.seek(6 << 20)\nb = f.read()\nsys.stdout.buffer.write(a + b)\n', target], { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      reader.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      const exited = new Promise<number>((resolve) => reader.once('exit', (code) => resolve(code ?? -1)));
      // The first 4 MiB are read (the reader says so on stderr): none of those reads reached the handler.
      await within(new Promise((resolve) => reader.stderr.once('data', resolve)), 20_000, 'the reader read 4 MiB');
      assert.equal(handles.length, 1);
      assert.deepEqual(hooks.reads.filter((p) => p === '/through.bin'), [], 'reads of a read-through handle must not reach the handler');
      fuse.clearReadThrough(handles[0]!);
      reader.stdin.end('go\n');
      assert.equal(await within(exited, 20_000, 'reader exits'), 0);
      const got = Buffer.concat(chunks);
      assert.equal(got.length, 6 << 20);
      assert.ok(got.subarray(0, 4 << 20).equals(pattern.subarray(0, 4 << 20)), 'before clearing, bytes come from the registered fd');
      assert.ok(got.subarray(4 << 20).equals(Buffer.alloc(2 << 20, 0x41)), 'after clearing, bytes come from the read handler');
      assert.ok(hooks.reads.includes('/through.bin'), 'after clearing, reads reach the handler again');
    } finally {
      hooks.onOpen = undefined;
      for (const fh of handles) fuse.clearReadThrough(fh);
      closeSync(fd);
      await rm(backing, { force: true });
      await rm(path.join(tmpdir(), `wsfs-fuse-a-${process.pid}`), { force: true });
    }
  });

  it('declines read-through for a handle whose slot is taken, and for bad arguments', () => {
    // Slots are direct-mapped by fh modulo 4096: fh 5 and fh 4101 share one.
    assert.equal(fuse.setReadThrough(5, 0), true);
    assert.equal(fuse.setReadThrough(5 + 4096, 0), false);
    fuse.clearReadThrough(5);
    assert.equal(fuse.setReadThrough(5 + 4096, 0), true);
    fuse.clearReadThrough(5 + 4096);
    assert.throws(() => fuse.setReadThrough(0, 0), TypeError);
    assert.throws(() => fuse.setReadThrough(7, -1), TypeError);
  });

  it('does writes of a write-through handle with pwrite into its fd, counting them, until cleared', async () => {
    const backing = path.join(tmpdir(), `wsfs-fuse-wt-${process.pid}`);
    await writeFile(backing, Buffer.alloc(0));
    const fd = openSync(backing, 'r+');
    const target = path.join(dir, 'wt.bin');
    const handles: number[] = [];
    hooks.writes = [];
    try {
      assert.equal((await run('truncate', ['-s', '0', target])).code, 0);
      hooks.onOpen = (p, fh) => {
        if (p !== '/wt.bin') return;
        handles.push(fh);
        assert.equal(fuse.setWriteThrough(fh, fd, 0, false), true);
      };
      const started = Date.now();
      // 3 MiB at 0, 1 MiB at 5 MiB (a hole between), then after a line on stdin 1 MiB more at 0.
      const script = 'import os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\nos.pwrite(fd, b"a" * (3 << 20), 0)\nos.pwrite(fd, b"b" * (1 << 20), 5 << 20)\nsys.stderr.write("wrote\\n")\nsys.stderr.flush()\nsys.stdin.readline()\nos.pwrite(fd, b"c" * (1 << 20), 0)\nos.close(fd)\n';
      const writer = spawn('python3', ['-c', script, target], { stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = new Promise<number>((resolve) => writer.once('exit', (code) => resolve(code ?? -1)));
      await within(new Promise((resolve) => writer.stderr.once('data', resolve)), 20_000, 'the writer wrote 4 MiB');
      assert.equal(handles.length, 1);
      assert.deepEqual(hooks.writes.filter((p) => p === '/wt.bin'), [], 'writes of a write-through handle must not reach the handler');
      const live = fuse.writeThroughCounters(handles[0]!);
      assert.ok(live !== null);
      assert.equal(live.size, 6 << 20, 'size: the highest end written');
      assert.ok(live.writes >= 32, `writes counted: ${live.writes} (4 MiB in writes of at most 128 KiB)`);
      assert.ok(live.modifiedMs >= started - 1000 && live.modifiedMs <= Date.now() + 1000, 'time of the last write');
      const final = fuse.clearWriteThrough(handles[0]!);
      assert.deepEqual(final, live, 'clearing returns the final counters');
      assert.equal(fuse.writeThroughCounters(handles[0]!), null, 'no counters once cleared');
      writer.stdin.end('go\n');
      assert.equal(await within(exited, 20_000, 'writer exits'), 0);
      const got = await readFile(backing);
      const expected = Buffer.concat([Buffer.alloc(3 << 20, 0x61), Buffer.alloc(2 << 20), Buffer.alloc(1 << 20, 0x62)]);
      assert.ok(got.equals(expected), 'the registered fd holds exactly the bytes written while registered');
      assert.ok(hooks.writes.includes('/wt.bin'), 'after clearing, writes reach the handler again');
    } finally {
      hooks.onOpen = undefined;
      delete hooks.writes;
      for (const fh of handles) fuse.clearWriteThrough(fh);
      closeSync(fd);
      await rm(backing, { force: true });
    }
  });

  it('declines write-through for a handle whose slot is taken, and for bad arguments', () => {
    assert.equal(fuse.setWriteThrough(9, 0, 0, false), true);
    assert.equal(fuse.setWriteThrough(9 + 4096, 0, 0, true), false);
    assert.deepEqual(fuse.clearWriteThrough(9), { size: 0, writes: 0, modifiedMs: 0 });
    assert.equal(fuse.setWriteThrough(9 + 4096, 0, 10, true), true);
    assert.equal(fuse.writeThroughCounters(9 + 4096)?.size, 10);
    fuse.clearWriteThrough(9 + 4096);
    assert.equal(fuse.clearWriteThrough(9), null);
    assert.throws(() => fuse.setWriteThrough(0, 0, 0, false), TypeError);
    assert.throws(() => fuse.setWriteThrough(7, -1, 0, false), TypeError);
    assert.throws(() => fuse.setWriteThrough(7, 0, -1, false), TypeError);
  });

  it('passes utimens times as fractional ms, an omitted one as NaN (touch -m, -a) and "now" as the current time', async () => {
    const file = path.join(dir, 'times');
    assert.equal((await run('sh', ['-c', `echo t > '${file}'`])).code, 0);
    hooks.times!.length = 0;
    const py = await run('python3', ['-c', `import os; os.utime('${file}', ns=(1000000000123456789, 1100000000987654321))`]);
    assert.equal(py.code, 0, py.stderr);
    assert.equal((await run('touch', ['-m', '-d', '@1200000000.5', file])).code, 0);
    assert.equal((await run('touch', ['-a', '-d', '@1300000000.25', file])).code, 0);
    const before = Date.now();
    assert.equal((await run('touch', [file])).code, 0);
    const calls = hooks.times!.filter(([p]) => p === '/times');
    assert.equal(calls.length, 4, JSON.stringify(calls));
    const near = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 0.001, `${what}: ${actual} is not ${expected}`);
    near(calls[0]![1], 1000000000123.4568, 'os.utime atime');
    near(calls[0]![2], 1100000000987.6543, 'os.utime mtime');
    assert.ok(Number.isNaN(calls[1]![1]), 'touch -m: atime omitted');
    assert.equal(calls[1]![2], 1200000000500);
    assert.equal(calls[2]![1], 1300000000250);
    assert.ok(Number.isNaN(calls[2]![2]), 'touch -a: mtime omitted');
    for (const time of [calls[3]![1], calls[3]![2]]) assert.ok(time >= before - 1000 && time <= Date.now() + 1000, `touch: ${time} is not now`);
  });

  it('tells the process when the mount is removed from outside', async () => {
    const unmounted = await run('fusermount', ['-u', dir], 10_000);
    assert.equal(unmounted.code, 0, unmounted.stderr);
    const deadline = Date.now() + 10_000;
    while (unmounts.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(unmounts, [{ external: true }]);
  });
});
