import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FsError, REMOTE_ERRNO, fsErrorFromRemote } from '../../src/fs/errors';
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
