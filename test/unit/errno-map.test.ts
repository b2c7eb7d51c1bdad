import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describe, it } from 'node:test';
import { FsError, type FsErrorCode } from '../../src/fs/errors';
import { ERRNO, ERRNO_NAME, errnoFor, errnoOf, errnoTable } from '../../src/fs/fuse/errno-map';
import { Logger, type LogRecord } from '../../src/fs/logger';

const ALL_CODES: FsErrorCode[] = [
  'ENOENT', 'EEXIST', 'ENOTEMPTY', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EFBIG', 'ENAMETOOLONG', 'ENOSPC',
  'EINVAL', 'ENOTSUP', 'EAGAIN', 'ETIMEDOUT', 'EXDEV', 'EBUSY', 'ENODATA', 'ENOSYS', 'EROFS', 'ENFILE', 'EIO',
];

/** errno.h values of macOS (xnu bsd/sys/errno.h). */
const DARWIN: Record<string, number> = {
  ENOENT: 2, EEXIST: 17, ENOTEMPTY: 66, ENOTDIR: 20, EISDIR: 21, EACCES: 13, EPERM: 1, EFBIG: 27, ENAMETOOLONG: 63,
  ENOSPC: 28, EINVAL: 22, ENOTSUP: 45, EAGAIN: 35, ETIMEDOUT: 60, EXDEV: 18, EBUSY: 16, ENODATA: 96, ENOSYS: 78, EROFS: 30,
  ENFILE: 23, EIO: 5,
};

function recordingLogger(level: 'error' | 'debug' = 'debug'): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { logger: new Logger({ sink: (r) => records.push(r), level }), records };
}

describe('errno map', () => {
  it('has a positive number for every FsError code, from os.constants.errno of this platform', () => {
    assert.deepEqual(Object.keys(ERRNO).sort(), [...ALL_CODES].sort());
    for (const code of ALL_CODES) {
      assert.ok(ERRNO[code] > 0, code);
      const name = ERRNO_NAME[code];
      if (name in constants.errno) assert.equal(ERRNO[code], (constants.errno as Record<string, number>)[name], code);
      assert.equal(errnoOf(code), -ERRNO[code]);
    }
  });

  it('gives distinct numbers to distinct codes', () => {
    assert.equal(new Set(Object.values(ERRNO)).size, ALL_CODES.length);
  });

  it('uses the Linux numbers on Linux', { skip: process.platform !== 'linux' }, () => {
    assert.deepEqual(
      { ENOENT: ERRNO.ENOENT, ENOTEMPTY: ERRNO.ENOTEMPTY, ENOTSUP: ERRNO.ENOTSUP, ENODATA: ERRNO.ENODATA, ETIMEDOUT: ERRNO.ETIMEDOUT, EAGAIN: ERRNO.EAGAIN },
      { ENOENT: 2, ENOTEMPTY: 39, ENOTSUP: 95, ENODATA: 61, ETIMEDOUT: 110, EAGAIN: 11 },
    );
  });

  it('builds the macOS table from macOS constants (ENOATTR filled in where Node lacks it)', () => {
    const table = errnoTable(DARWIN);
    assert.equal(table.ENOTEMPTY, 66);
    assert.equal(table.ENOTSUP, 45);
    assert.equal(table.ETIMEDOUT, 60);
    assert.equal(table.ENOSYS, 78);
    assert.equal(table.ENODATA, ERRNO_NAME.ENODATA === 'ENOATTR' ? 93 : 96);
  });

  it('refuses a platform table that lacks a code', () => {
    const partial: Record<string, number> = { ...DARWIN };
    delete partial.EXDEV;
    assert.throws(() => errnoTable(partial), /EXDEV/);
  });

  it('maps an FsError to its code without logging an error', () => {
    const { logger, records } = recordingLogger();
    assert.equal(errnoFor(new FsError('ENOTEMPTY', '/d: not empty'), logger, 'rmdir', '/d'), -ERRNO.ENOTEMPTY);
    assert.equal(errnoFor(new FsError('EACCES', '/x: denied'), logger, 'open', '/x'), -ERRNO.EACCES);
    assert.deepEqual(records.filter((r) => r.level === 'error'), []);
  });

  it('maps anything else to EIO and logs it, with the stack at debug', () => {
    const { logger, records } = recordingLogger();
    const bug = new TypeError('cannot read properties of undefined');
    assert.equal(errnoFor(bug, logger, 'read', '/f'), -ERRNO.EIO);
    assert.equal(errnoFor('a string', logger, 'read', '/f'), -ERRNO.EIO);
    assert.equal(errnoFor(Object.assign(new Error('raw node error'), { code: 'ENOENT' }), logger, 'stat', '/g'), -ERRNO.EIO);
    const errors = records.filter((r) => r.level === 'error');
    assert.equal(errors.length, 3);
    assert.match(errors[0]!.message, /read \/f .*TypeError: cannot read properties of undefined/);
    const stacks = records.filter((r) => r.level === 'debug');
    assert.match(String(stacks[0]!.fields?.stack), /TypeError/);
  });

  it('keeps the stack out of a quiet log', () => {
    const { logger, records } = recordingLogger('error');
    errnoFor(new Error('boom'), logger, 'write', '/f');
    assert.deepEqual(records.map((r) => r.level), ['error']);
  });
});
