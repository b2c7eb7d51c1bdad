import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FsError, LOCAL_ERRNO, LocalDiskError, REMOTE_ERRNO, fromLocalError, fsErrorFromRemote, toFsError } from '../../src/fs/errors';
import { RemoteError, classifyResponse } from '../../src/fs/remote/remote-error';

describe('remote failure -> errno', () => {
  const cases: Array<[status: number, body: string, errno: string]> = [
    [404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Path (/x) doesn\'t exist."}', 'ENOENT'],
    [400, '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"Node named \'x\' already exists"}', 'EEXIST'],
    [409, '{"error_code":"ALREADY_EXISTS","message":"The file /x already exists."}', 'EEXIST'],
    [400, '{"error_code":"","message":"RESOURCE_ALREADY_EXISTS: /x already exists. Use overwrite"}', 'EEXIST'],
    [400, '{"error_code":"DIRECTORY_NOT_EMPTY","message":"Folder (/d) is not empty"}', 'ENOTEMPTY'],
    [400, '{"error_code":"MAX_NOTEBOOK_SIZE_EXCEEDED","message":"File size imported is (11 bytes), exceeded max size (10 bytes)"}', 'EFBIG'],
    [400, '{"error_code":"BAD_REQUEST","message":"File size imported is (459418279 bytes), exceeded max size (10485760 bytes)"}', 'EFBIG'],
    [403, '{"error_code":"MAX_CHILD_NODE_SIZE_EXCEEDED","message":"limit"}', 'ENOSPC'],
    [403, '{"error_code":"PERMISSION_DENIED","message":"no"}', 'EACCES'],
    [403, '{"error_code":403,"message":"Invalid access token."}', 'EACCES'],
    [429, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}', 'EAGAIN'],
    [503, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"later"}', 'ETIMEDOUT'],
    [404, '{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for \'POST /workspace/rename\'"}', 'ENOTSUP'],
    [400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"File name too long"}', 'ENAMETOOLONG'],
    [400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad"}', 'EINVAL'],
    [418, 'teapot', 'EINVAL'],
  ];
  for (const [status, body, errno] of cases) {
    it(`${status} ${body.slice(0, 48)} -> ${errno}`, () => {
      const error = fsErrorFromRemote(classifyResponse(status, body), '/Users/me/x');
      assert.ok(error instanceof FsError);
      assert.equal(error.code, errno);
      assert.match(error.message, /^\/Users\/me\/x: /);
    });
  }

  it('maps every remote kind, and EIO only for the unexplained', () => {
    const eio = Object.entries(REMOTE_ERRNO).filter(([, code]) => code === 'EIO').map(([kind]) => kind).sort();
    assert.deepEqual(eio, ['conflict', 'unknown']);
    assert.equal(fsErrorFromRemote(new RemoteError('unknown', 'odd'), '/a').code, 'EIO');
  });
});

describe('local disk failure -> errno', () => {
  /** A Node system error as node:fs raises it. */
  const systemError = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something, write`), { code, syscall: 'write', errno: -1 });
  const cases: Array<[local: string, errno: string, message: RegExp]> = [
    ['ENOSPC', 'ENOSPC', /the disk holding \/state is full: free space there/],
    ['EDQUOT', 'ENOSPC', /quota on the disk holding \/state is used up/],
    ['EROFS', 'EROFS', /\/state is read-only: make it writable, or set XDG_STATE_HOME/],
    ['EACCES', 'EACCES', /may not write to the disk holding \/state/],
    ['EPERM', 'EACCES', /may not write/],
    ['EMFILE', 'ENFILE', /too many files open.*ulimit -n/],
    ['ENFILE', 'ENFILE', /too many files open/],
    ['EFBIG', 'EFBIG', /larger than the disk holding \/state allows/],
    ['EIO', 'EIO', /the local disk failed/],
    ['EBADF', 'EIO', /the local disk failed/],
  ];
  for (const [local, errno, message] of cases) {
    it(`${local} -> ${errno}, naming the problem and the fix`, () => {
      const error = fromLocalError(systemError(local), '/a/b.txt', '/state');
      assert.ok(error instanceof LocalDiskError && error instanceof FsError);
      assert.equal(error.code, errno);
      assert.equal(error.localCode, local);
      assert.match(error.message, /^\/a\/b\.txt: /);
      assert.match(error.message, message);
      assert.ok(error.message.includes(`(${local}: something, write)`), 'the system message is kept');
    });
  }

  it('maps an already mapped failure by its cause, and anything that is not a system error to EIO', () => {
    const once = fromLocalError(systemError('ENOSPC'), 'working copy /s/x', '/s');
    const twice = fromLocalError(once, '/x: cannot record the save', '/state');
    assert.equal(twice.code, 'ENOSPC');
    assert.match(twice.message, /^\/x: cannot record the save: the disk holding \/state is full/);
    assert.equal(fromLocalError(new TypeError('bug'), '/x').code, 'EIO');
  });

  it('words the fix after the operation: a save is saved again, a read opens the file again', () => {
    assert.match(fromLocalError(systemError('ENOSPC'), '/x', '/state').message, /is full: free space there, then save again/);
    const read = fromLocalError(systemError('ENOSPC'), '/x', undefined, 'read');
    assert.equal(read.code, 'ENOSPC');
    assert.match(read.message, /the local disk wsfs copies workspace files to is full: free space there, then open the file again/);
    assert.match(fromLocalError(systemError('EDQUOT'), '/x', '/c', 'read').message, /raise the quota\), then open the file again/);
  });

  it('toFsError maps a raw local failure (not EIO for a full disk), and leaves FsErrors and other errors as before', () => {
    assert.equal(toFsError(systemError('ENOSPC'), '/x').code, 'ENOSPC');
    assert.match(toFsError(systemError('ENOSPC'), '/x').message, /the local disk wsfs keeps its working copies on is full/);
    assert.equal(toFsError(new Error('odd'), '/x').code, 'EIO');
    const wrapped = new RemoteError('unknown', 'local file /t/1: ENOSPC', { cause: systemError('ENOSPC'), mayHaveApplied: false });
    assert.equal(toFsError(wrapped, '/x').code, 'ENOSPC', 'a download\'s local file failure, wrapped by the remote client');
    const network = new RemoteError('network', 'the workspace stopped answering', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }) });
    assert.equal(toFsError(network, '/x').code, 'ETIMEDOUT', 'a network failure stays a remote one');
    const own = new FsError('ENOENT', 'gone');
    assert.equal(toFsError(own, '/x'), own);
  });

  it('EIO is left only for local failures nothing explains', () => {
    assert.deepEqual(Object.values(LOCAL_ERRNO).filter((code) => code === 'EIO'), []);
  });
});
