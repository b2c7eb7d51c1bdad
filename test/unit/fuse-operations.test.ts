import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { describe, it } from 'node:test';
import { FsError } from '../../src/fs/errors';
import type { FileAttributes, Filesystem } from '../../src/fs/filesystem';
import { ERRNO } from '../../src/fs/fuse/errno-map';
import { createFuseOperations, toFuseStat, type FuseOperations } from '../../src/fs/fuse/fuse-operations';
import { silentLogger } from '../../src/fs/logger';

const FILE: FileAttributes = { kind: 'file', size: 1000, mode: 0o644, mtimeMs: 1700000000123.456, ctimeMs: 1700000000000, atimeMs: 1700000001000, ino: 77 };

type Behaviour = 'resolve' | 'reject' | 'throw' | 'bug';

/** A Filesystem whose every method resolves, rejects with FsError, throws synchronously, or rejects with a TypeError. */
function scripted(behaviour: Behaviour, calls: Array<[string, unknown[]]>): Filesystem {
  const results: Record<string, unknown> = {
    getattr: FILE, fgetattr: FILE, readdir: [{ name: 'a', attributes: FILE }], open: 11, create: 12, read: 5, write: 7,
    statfs: { blockSize: 4096, blocks: 10, blocksFree: 5, blocksAvailable: 5, files: 10, filesFree: 5, nameMax: 255 },
  };
  return new Proxy({} as Filesystem, {
    get: (_, name: string) => (...args: unknown[]) => {
      calls.push([name, args.map((a) => (Buffer.isBuffer(a) ? 'buf' : a))]);
      if (behaviour === 'throw') throw new FsError('EACCES', 'sync throw');
      if (behaviour === 'reject') return Promise.reject(new FsError('ENOTEMPTY', 'no'));
      if (behaviour === 'bug') return Promise.reject(new TypeError('bug'));
      return Promise.resolve(results[name]);
    },
  });
}

/** Invokes every handler once; resolves with each one's callback arguments (all calls). */
async function invokeAll(ops: FuseOperations): Promise<Map<string, unknown[][]>> {
  const replies = new Map<string, unknown[][]>();
  const cb = (name: string) => (...args: unknown[]) => {
    const list = replies.get(name) ?? [];
    list.push(args);
    replies.set(name, list);
  };
  const buf = Buffer.alloc(16);
  const o = ops as Required<FuseOperations>;
  const invocations: Array<[string, () => void]> = [
    ['getattr', () => o.getattr('/f', cb('getattr'))],
    ['fgetattr', () => o.fgetattr('/f', 11, cb('fgetattr'))],
    ['access', () => o.access('/f', 4, cb('access'))],
    ['statfs', () => o.statfs('/', cb('statfs'))],
    ['readdir', () => o.readdir('/', cb('readdir'))],
    ['opendir', () => o.opendir('/', 0, cb('opendir'))],
    ['releasedir', () => o.releasedir('/', 1, cb('releasedir'))],
    ['fsyncdir', () => o.fsyncdir('/', 0, 1, cb('fsyncdir'))],
    ['open', () => o.open('/f', 2, cb('open'))],
    ['create', () => (o.create as (p: string, m: number, f: number, c: (...a: unknown[]) => void) => void)('/n', 0o100640, 0o301, cb('create'))],
    ['read', () => o.read('/f', 11, buf, 16, 0, cb('read'))],
    ['write', () => o.write('/f', 11, buf, 16, 0, cb('write'))],
    ['flush', () => o.flush('/f', 11, cb('flush'))],
    ['fsync', () => o.fsync('/f', 1, 11, cb('fsync'))],
    ['release', () => o.release('/f', 11, cb('release'))],
    ['truncate', () => o.truncate('/f', 3, cb('truncate'))],
    ['ftruncate', () => o.ftruncate('/f', 11, 3, cb('ftruncate'))],
    ['unlink', () => o.unlink('/f', cb('unlink'))],
    ['mkdir', () => o.mkdir('/d', 0o750, cb('mkdir'))],
    ['rmdir', () => o.rmdir('/d', cb('rmdir'))],
    ['rename', () => o.rename('/a', '/b', cb('rename'))],
    ['utimens', () => o.utimens('/f', NaN, 2.5, cb('utimens'))],
    ['chmod', () => o.chmod('/f', 0o100600, cb('chmod'))],
    ['chown', () => o.chown('/f', 1, 2, cb('chown'))],
    ['getxattr', () => o.getxattr('/f', 'security.capability', 0, cb('getxattr'))],
    ['listxattr', () => o.listxattr('/f', cb('listxattr'))],
    ['setxattr', () => o.setxattr('/f', 'user.a', buf, 0, 0, cb('setxattr'))],
    ['removexattr', () => o.removexattr('/f', 'user.a', cb('removexattr'))],
    ['symlink', () => o.symlink('t', '/l', cb('symlink'))],
    ['link', () => o.link('/f', '/h', cb('link'))],
    ['mknod', () => o.mknod('/p', 0o10644, 0, cb('mknod'))],
    ['readlink', () => o.readlink('/f', cb('readlink'))],
  ];
  assert.deepEqual(invocations.map(([n]) => n).sort(), Object.keys(ops).sort(), 'every handler is exercised');
  for (const [name, invoke] of invocations) assert.doesNotThrow(invoke, name);
  await new Promise((resolve) => setTimeout(resolve, 20));
  return replies;
}

describe('fuse operations table', () => {
  for (const behaviour of ['resolve', 'reject', 'throw', 'bug'] as const) {
    it(`calls every callback exactly once and never throws (filesystem: ${behaviour})`, async () => {
      const replies = await invokeAll(createFuseOperations({ filesystem: scripted(behaviour, []), logger: silentLogger() }));
      for (const [name, list] of replies) assert.equal(list.length, 1, name);
      assert.equal(replies.size, 32);
      const expected = behaviour === 'throw' ? -ERRNO.EACCES : behaviour === 'reject' ? -ERRNO.ENOTEMPTY : behaviour === 'bug' ? -ERRNO.EIO : undefined;
      if (expected !== undefined) {
        for (const name of ['getattr', 'read', 'write', 'fsync', 'rename', 'create']) assert.equal(replies.get(name)![0]![0], expected, name);
      }
    });
  }

  it('translates arguments and results', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const replies = await invokeAll(createFuseOperations({ filesystem: scripted('resolve', calls), logger: silentLogger(), uid: 1000, gid: 1001 }));
    const args = Object.fromEntries(calls.map(([n, a]) => [n, a]));
    assert.deepEqual(args.create, ['/n', 0o640, 0o301], 'permission bits and the open flags');
    assert.deepEqual(args.chmod, ['/f', 0o600], 'type bits stripped');
    assert.deepEqual(args.mkdir, ['/d', 0o750]);
    assert.deepEqual(args.fsync, ['/f', 11, true], 'datasync before fd; 1 = data only');
    assert.deepEqual(args.utimens, ['/f', undefined, 2.5], 'NaN: a time left as it is (UTIME_OMIT)');
    assert.deepEqual(args.read, ['/f', 11, 'buf', 16, 0]);
    assert.deepEqual(replies.get('read'), [[5]], 'byte count as the code');
    assert.deepEqual(replies.get('write'), [[7]]);
    assert.deepEqual(replies.get('open'), [[0, 11]]);
    assert.deepEqual(replies.get('create'), [[0, 12]]);
    assert.deepEqual(replies.get('opendir'), [[0, 1]]);
    assert.deepEqual(replies.get('getxattr'), [[-ERRNO.ENODATA]]);
    assert.deepEqual(replies.get('listxattr'), [[0, []]]);
    assert.deepEqual(replies.get('setxattr'), [[-ERRNO.ENOTSUP]]);
    assert.deepEqual(replies.get('symlink'), [[-ERRNO.EPERM]]);
    assert.deepEqual(replies.get('link'), [[-ERRNO.EPERM]]);
    assert.deepEqual(replies.get('mknod'), [[-ERRNO.EPERM]]);
    assert.deepEqual(replies.get('readlink'), [[-ERRNO.EINVAL]]);
    const [code, names, stats] = replies.get('readdir')![0]!;
    assert.equal(code, 0);
    assert.deepEqual(names, ['a']);
    assert.equal((stats as Array<{ mode: number }>)[0]!.mode, constants.S_IFREG | 0o644);
    assert.deepEqual(replies.get('statfs')![0]![1], { bsize: 4096, frsize: 4096, blocks: 10, bfree: 5, bavail: 5, files: 10, ffree: 5, favail: 5, namemax: 255 });
  });

  it('declares create with four parameters (the binding passes flags only then)', () => {
    const ops = createFuseOperations({ filesystem: scripted('resolve', []), logger: silentLogger() });
    assert.equal(ops.create!.length, 4);
  });

  it('builds stats with type bits, links, blocks and fractional-ms times', () => {
    assert.deepEqual(toFuseStat(FILE, 5, 6), {
      mode: constants.S_IFREG | 0o644, size: 1000, uid: 5, gid: 6, nlink: 1, blksize: 4096, blocks: 2,
      mtime: 1700000000123.456, ctime: 1700000000000, atime: 1700000001000, ino: 77,
    });
    const dir = toFuseStat({ ...FILE, kind: 'directory', size: 4096, mode: 0o40755, ino: undefined }, 5, 6);
    assert.equal(dir.mode, constants.S_IFDIR | 0o755, 'stray type bits from the port are masked');
    assert.equal(dir.nlink, 2);
    assert.equal('ino' in dir, false);
  });
});
