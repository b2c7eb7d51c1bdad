// FuseMountSession (src/fs/fuse/mount-session.ts): the checks before mounting, recovery from a stale
// mount left by a killed process, clean and lazy unmounts, the 'unmounted' notification when the
// mount is removed from outside, and that its options reach fuse-native and the kernel (no
// per-operation watchdog, negative entries cached). Mounts made by child processes run a small
// script written here; every wait is bounded and `after` removes every mount and child this file made.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fuse from 'fuse-native';
import type { FileHandle } from '../../src/fs/filesystem';
import { MountError, checkFuseAvailable } from '../../src/fs/fuse/mount-checks';
import { FuseMountSession, fuseOptions, mountOptions, type UnmountedEvent } from '../../src/fs/fuse/mount-session';
import { silentLogger } from '../../src/fs/logger';
import { PassthroughFilesystem } from '../support/passthrough-filesystem';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

// The real timers, kept before any test mocks them (the watchdog tests advance fuse-native's timers by hand).
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => realClearTimeout(timer));
}

/** `cat file`, bounded by real time (usable while setTimeout is mocked). */
function catFile(file: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = realSetTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      realClearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A gate an operation waits at: `entered` resolves when it arrives, `open()` lets it continue. */
function gate(): { entered: Promise<void>; arrive: () => Promise<void>; open: () => void } {
  let arrived!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (arrived = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    entered,
    arrive: () => {
      arrived();
      return released;
    },
    open: () => release(),
  };
}

/** A passthrough whose `open` of `/file.txt` waits at a gate (a slow remote open). */
class SlowOpenFilesystem extends PassthroughFilesystem {
  readonly gate = gate();

  override async open(p: string, flags: number): Promise<FileHandle> {
    if (p === '/file.txt') await this.gate.arrive();
    return super.open(p, flags);
  }
}

/** A process that mounts a passthrough on argv[2] over argv[3], prints `mounted`, then one JSON line when unmounted. */
const CHILD_SCRIPT = `
const { FuseMountSession } = require(${JSON.stringify(path.resolve(__dirname, '../../src/fs/fuse/mount-session.js'))});
const { silentLogger } = require(${JSON.stringify(path.resolve(__dirname, '../../src/fs/logger.js'))});
const { PassthroughFilesystem } = require(${JSON.stringify(path.resolve(__dirname, '../support/passthrough-filesystem.js'))});
FuseMountSession.mount({ mountPoint: process.argv[2], filesystem: new PassthroughFilesystem(process.argv[3]), logger: silentLogger(), ttlSeconds: 1, fsname: 'wsfs-child' })
  .then((session) => {
    session.on('unmounted', (event) => process.stdout.write(JSON.stringify(event) + '\\n'));
    process.stdout.write('mounted\\n');
  })
  .catch((error) => { process.stderr.write(String(error) + '\\n'); process.exit(2); });
`;

async function expectMountError(promise: Promise<unknown>, reason: string, message: RegExp, fix: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MountError, String(error));
    assert.equal(error.reason, reason);
    assert.match(error.message, message);
    assert.match(error.fix, fix);
    return true;
  });
}

describe('FuseMountSession', () => {
  let base: string;
  let backing: string;
  let script: string;
  const children: ChildProcess[] = [];
  const mountPoints: string[] = [];
  const sessions: FuseMountSession[] = [];

  /** Starts a child that mounts `mnt`; resolves once it printed `mounted`. */
  async function mountInChild(mnt: string): Promise<{ child: ChildProcess; lines: string[]; exited: Promise<number | null> }> {
    mountPoints.push(mnt);
    const child = spawn(process.execPath, [script, mnt, backing], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: string[] = [];
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await within(
      new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
          if (lines.includes('mounted')) resolve();
        });
        void exited.then((code) => reject(new Error(`child exited ${code}: ${stderr}`)));
      }),
      20_000,
      `child mount of ${mnt}`,
    );
    return { child, lines, exited };
  }

  async function freshDir(name: string): Promise<string> {
    const dir = path.join(base, name);
    await mkdir(dir);
    return dir;
  }

  async function mountHere(mnt: string, fs = new PassthroughFilesystem(backing), ttlSeconds = 1): Promise<FuseMountSession> {
    mountPoints.push(mnt);
    const session = await within(FuseMountSession.mount({ mountPoint: mnt, filesystem: fs, logger: silentLogger(), ttlSeconds }), 20_000, `mount ${mnt}`);
    sessions.push(session);
    return session;
  }

  before(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'wsfs-session-'));
    backing = await freshDir('backing');
    await writeFile(path.join(backing, 'file.txt'), 'served\n');
    script = path.join(base, 'mount-child.js');
    await writeFile(script, CHILD_SCRIPT);
  });

  after(async () => {
    for (const session of sessions) await within(session.unmount(), 20_000, 'unmount').catch(() => undefined);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const mnt of mountPoints) await run('fusermount', ['-uz', mnt], 5_000);
    await rm(base, { recursive: true, force: true });
  });

  describe('mount options', () => {
    it('asks for big writes, auto_cache and kernel timeouts equal to the metadata TTL; never direct_io', () => {
      const options = mountOptions(10, 'wsfs', 'linux');
      assert.deepEqual(options, ['big_writes', 'max_write=131072', 'auto_cache', 'use_ino', 'attr_timeout=10', 'entry_timeout=10', 'negative_timeout=10', 'fsname=wsfs', 'subtype=wsfs']);
      assert.ok(!options.some((o) => o.includes('direct_io')));
    });

    it('leaves big_writes out on macOS and escapes commas in the fsname', () => {
      const options = mountOptions(2.5, 'ws,fs', 'darwin');
      assert.ok(!options.includes('big_writes'));
      assert.ok(options.includes('attr_timeout=2.5'));
      assert.ok(options.includes('fsname=ws\\,fs'));
    });

    it('rejects a negative TTL', () => {
      assert.throws(() => mountOptions(-1), /ttlSeconds/);
    });

    it('gives fuse-native no per-operation timeout, libfuse debug only when asked, and the -o options', () => {
      assert.deepEqual(fuseOptions(10, 'wsfs', false, 'linux'), { timeout: false, debug: false, extraOptions: mountOptions(10, 'wsfs', 'linux') });
      assert.deepEqual(fuseOptions(3, 'mine', true, 'darwin'), { timeout: false, debug: true, extraOptions: mountOptions(3, 'mine', 'darwin') });
    });
  });

  describe('what the options change on a real mount', () => {
    // fuse-native's watchdog is a setTimeout per operation (15 s by default) that answers ETIMEDOUT
    // when it fires. Mocked timers advance it by 20 s while a handler waits, without waiting 15 s.
    it('a wsfs mount has no watchdog: an open slower than fuse-native\'s 15 s default is waited for', async (t) => {
      const fs = new SlowOpenFilesystem(backing);
      const dir = await freshDir('slow-open');
      await mountHere(dir, fs);
      t.mock.timers.enable({ apis: ['setTimeout'] });
      try {
        const cat = catFile(path.join(dir, 'file.txt'));
        await within(fs.gate.entered, 15_000, 'the open reaches the filesystem');
        t.mock.timers.tick(20_000);
        fs.gate.open();
        const ran = await cat;
        assert.equal(ran.code, 0, `the open was not cut short: ${ran.stderr}`);
        assert.equal(ran.stdout, 'served\n');
      } finally {
        t.mock.timers.reset();
      }
    });

    it('(control) with fuse-native\'s default options the same wait is answered ETIMEDOUT', async (t) => {
      const dir = await freshDir('slow-open-default');
      mountPoints.push(dir);
      const slow = gate();
      const now = new Date();
      const attributes = (mode: number, size: number) => ({ mode, size, uid: process.getuid!(), gid: process.getgid!(), nlink: 1, mtime: now, atime: now, ctime: now });
      const fuse = new Fuse(dir, {
        getattr: (p, cb) => (p === '/' ? cb(0, attributes(0o40755, 4096)) : p === '/file.txt' ? cb(0, attributes(0o100644, 7)) : cb(Fuse.ENOENT)),
        open: (_p, _flags, cb) => void slow.arrive().then(() => cb(0, 1)),
        read: (_p, _fd, buf, _len, pos, cb) => cb(Buffer.from('served\n').copy(buf, 0, pos)),
        release: (_p, _fd, cb) => cb(0),
      });
      await within(new Promise<void>((resolve, reject) => fuse.mount((error) => (error ? reject(error) : resolve()))), 15_000, 'mount');
      try {
        t.mock.timers.enable({ apis: ['setTimeout'] });
        try {
          const cat = catFile(path.join(dir, 'file.txt'));
          await within(slow.entered, 15_000, 'the open reaches the handler');
          t.mock.timers.tick(20_000);
          const ran = await cat;
          slow.open();
          assert.notEqual(ran.code, 0);
          assert.match(ran.stderr, /Connection timed out/);
        } finally {
          t.mock.timers.reset();
        }
      } finally {
        await within(new Promise<void>((resolve) => fuse.unmount(() => resolve())), 15_000, 'unmount').catch(() => undefined);
      }
    });

    it('negative_timeout reaches the kernel: a missing name is looked up once while its TTL lasts', async () => {
      const statTwice = (dir: string): Promise<Ran> =>
        run('python3', ['-c', 'import os, sys\nfor _ in range(2):\n    try:\n        os.stat(sys.argv[1])\n    except FileNotFoundError:\n        pass\n    else:\n        sys.exit(3)\n', path.join(dir, 'missing.txt')]);
      const lookups = (fs: PassthroughFilesystem): number => fs.calls.filter((c) => c.op === 'getattr' && c.args[0] === '/missing.txt').length;

      const cached = new PassthroughFilesystem(backing);
      const dir = await freshDir('negative');
      await mountHere(dir, cached, 60);
      const ran = await statTwice(dir);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal(lookups(cached), 1, 'the second stat is answered by the kernel from its negative entry');

      // The same with a TTL of 0 (negative_timeout=0): every stat asks the filesystem.
      const uncached = new PassthroughFilesystem(backing);
      const dirZero = await freshDir('negative-zero');
      await mountHere(dirZero, uncached, 0);
      assert.equal((await statTwice(dirZero)).code, 0);
      assert.equal(lookups(uncached), 2);
    });
  });

  describe('checks before mounting', () => {
    it('finds FUSE here, and gives the macFUSE hint where it is missing', async () => {
      await checkFuseAvailable();
      if (process.platform !== 'darwin') await expectMountError(checkFuseAvailable({ platform: 'darwin' }), 'fuse-unavailable', /macFUSE is not installed/, /brew install --cask macfuse/);
    });

    it('no /dev/fuse, or no fusermount, on Linux', async () => {
      await expectMountError(checkFuseAvailable({ platform: 'linux', device: path.join(base, 'no-fuse') }), 'fuse-unavailable', /no-fuse is missing/, /apt install fuse libfuse2.*--device \/dev\/fuse/);
      await expectMountError(checkFuseAvailable({ platform: 'linux', searchPath: base }), 'fuse-unavailable', /fusermount is not on PATH/, /libfuse2/);
    });

    it('a missing mount point', async () => {
      const missing = path.join(base, 'nope');
      await expectMountError(mountHere(missing), 'mount-point-missing', new RegExp(`${missing} does not exist`), /mkdir -p/);
    });

    it('a file as mount point', async () => {
      const file = path.join(base, 'a-file');
      await writeFile(file, 'x');
      await expectMountError(mountHere(file), 'mount-point-not-directory', /is not a folder/, /empty folder/);
    });

    it('a non-empty mount point', async () => {
      const dir = await freshDir('full');
      await writeFile(path.join(dir, 'precious.txt'), 'x');
      await expectMountError(mountHere(dir), 'mount-point-not-empty', /not empty \(1 entry, e\.g\. precious\.txt\)/, /empty folder/);
    });

    it('a mount point that is already mounted (by another process)', async () => {
      const dir = await freshDir('taken');
      const { child, exited } = await mountInChild(dir);
      await expectMountError(mountHere(dir), 'already-mounted', /already a mount point/, /fusermount -u|wsfs unmount/);
      child.kill('SIGTERM');
      await within(exited, 10_000, 'child exit');
      await run('fusermount', ['-uz', dir], 5_000);
    });
  });

  it('clears a stale mount left by a killed process and mounts again', async () => {
    const dir = await freshDir('stale');
    const { child, exited } = await mountInChild(dir);
    child.kill('SIGKILL');
    await within(exited, 10_000, 'killed child exit');
    const dead = await run('stat', [dir]);
    assert.notEqual(dead.code, 0);
    assert.match(dead.stderr, /Transport endpoint is not connected/);

    const fs = new PassthroughFilesystem(backing);
    const session = await mountHere(dir, fs);
    const cat = await run('cat', [path.join(dir, 'file.txt')]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'served\n');

    const ended = await within(session.unmount(), 20_000, 'unmount');
    assert.deepEqual(ended, { external: false, lazy: false });
    assert.equal(session.state, 'unmounted');
    assert.equal(fs.flushAllCalls, 1, 'unmount flushes first');
    const mounts = await run('cat', ['/proc/self/mounts']);
    assert.ok(!mounts.stdout.includes(` ${dir} `), 'no longer mounted');
    assert.deepEqual(await session.unmount(), ended, 'a second unmount is a no-op');
  });

  it('a child mount reports an external fusermount -u and its process exits by itself', async () => {
    const dir = await freshDir('external-child');
    const { lines, exited } = await mountInChild(dir);
    const unmounted = await run('fusermount', ['-u', dir]);
    assert.equal(unmounted.code, 0, unmounted.stderr);
    const code = await within(exited, 10_000, 'child exits after an external unmount');
    assert.equal(code, 0);
    assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l) as UnmountedEvent), [{ external: true, lazy: false }]);
  });

  it('emits unmounted {external: true} in the mounting process after fusermount -u', async () => {
    const dir = await freshDir('external-here');
    const session = await mountHere(dir);
    const events: UnmountedEvent[] = [];
    session.on('unmounted', (event: UnmountedEvent) => events.push(event));
    const unmounted = await run('fusermount', ['-u', dir]);
    assert.equal(unmounted.code, 0, unmounted.stderr);
    assert.deepEqual(await within(session.unmounted, 10_000, 'unmounted event'), { external: true, lazy: false });
    assert.deepEqual(events, [{ external: true, lazy: false }]);
    assert.equal(session.state, 'unmounted');
    assert.deepEqual(await session.unmount(), { external: true, lazy: false });
  });

  it('detaches lazily when the mount is busy', async () => {
    const dir = await freshDir('busy');
    const session = await mountHere(dir);
    // A shell whose working directory is inside the mount keeps it busy.
    const busy = spawn('sh', ['-c', 'cd "$1" && exec sleep 30', 'sh', dir], { stdio: 'ignore' });
    children.push(busy);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ended = await within(session.unmount(), 20_000, 'busy unmount');
      assert.deepEqual(ended, { external: false, lazy: true });
      const mounts = await run('cat', ['/proc/self/mounts']);
      assert.ok(!mounts.stdout.includes(` ${dir} `), 'detached from the namespace');
    } finally {
      busy.kill('SIGKILL');
    }
  });
});
