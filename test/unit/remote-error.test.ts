// The remote error taxonomy: classifyResponse over every body shape of reference §4 and every
// shape the emulator's fault injector produces, classifyNetworkError over the failures below
// HTTP, and the helpers for config errors, listings and truncated bodies. Pure functions only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorResponse, type ErrorShape } from '../../src/emulator/fault-injector';
import { ApiError } from '../../src/emulator/api-error';
import {
  classifyConfigError,
  classifyNetworkError,
  classifyResponse,
  notADirectory,
  parseErrorBody,
  RemoteError,
  truncatedBody,
  type RemoteErrorKind,
} from '../../src/fs/remote/remote-error';

const json = (body: unknown): string => JSON.stringify(body);

interface Case {
  name: string;
  status: number;
  body: string;
  kind: RemoteErrorKind;
  errorCode?: string | number;
  message?: string | RegExp;
}

// Reference §2–§4 and docs/emulator.md: what the service (and the emulator) send.
const CASES: Case[] = [
  { name: 'missing object', status: 404, body: json({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Path (/x) doesn't exist." }), kind: 'not-found', errorCode: 'RESOURCE_DOES_NOT_EXIST', message: "Path (/x) doesn't exist." },
  { name: 'missing parent', status: 404, body: json({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'The parent folder (/a) does not exist.' }), kind: 'not-found' },
  { name: 'raw GET of a notebook', status: 404, body: json({ error_code: 'NOT_FOUND', message: 'File Not Found' }), kind: 'not-found' },
  { name: 'import onto an existing path', status: 400, body: json({ error_code: 'RESOURCE_ALREADY_EXISTS', message: "Node named 'x' already exists" }), kind: 'exists' },
  { name: 'mkdirs over a file', status: 400, body: json({ error_code: 'RESOURCE_ALREADY_EXISTS', message: '/a/f already exists and it is not a folder' }), kind: 'exists' },
  { name: 'non-empty folder', status: 400, body: json({ error_code: 'DIRECTORY_NOT_EMPTY', message: 'Folder (/a) is not empty' }), kind: 'not-empty' },
  { name: 'import too large', status: 400, body: json({ error_code: 'MAX_NOTEBOOK_SIZE_EXCEEDED', message: 'File size imported is (11534336 bytes), exceeded max size (10485760 bytes)' }), kind: 'too-large' },
  { name: 'too large as BAD_REQUEST', status: 400, body: json({ error_code: 'BAD_REQUEST', message: 'File size imported is (11534336 bytes), exceeded max size (10485760 bytes)' }), kind: 'too-large' },
  { name: 'invalid parameter', status: 400, body: json({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Path (x) is not absolute.' }), kind: 'invalid' },
  { name: 'invalid state', status: 400, body: json({ error_code: 'INVALID_STATE', message: 'nope' }), kind: 'invalid' },
  { name: 'import-file onto a notebook (empty code, new wording)', status: 400, body: json({ error_code: '', message: 'RESOURCE_ALREADY_EXISTS: /a/nb already exists. Use overwrite=true to replace it.' }), kind: 'exists', message: /already exists\./ },
  { name: 'import-file onto a notebook (empty code, old wording)', status: 400, body: json({ error_code: '', message: 'Path (/a/nb) already exists.' }), kind: 'exists' },
  { name: 'import-file onto a FILE', status: 409, body: json({ error_code: 'ALREADY_EXISTS', message: 'The file /a/f already exists.' }), kind: 'exists' },
  { name: 'import-file 409 with an empty body', status: 409, body: '', kind: 'exists', message: 'HTTP 409' },
  // The service's wording for over-long names is not documented (reference §6, "Path length"): matched on the message, before the generic 400.
  { name: 'name too long', status: 400, body: json({ error_code: 'INVALID_PARAMETER_VALUE', message: 'File name too long' }), kind: 'name-too-long', errorCode: 'INVALID_PARAMETER_VALUE', message: 'File name too long' },
  { name: 'path too long', status: 400, body: json({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Path too long: /Users/me/aaaa' }), kind: 'name-too-long' },
  { name: 'name is too long (empty code)', status: 400, body: json({ error_code: '', message: "The name 'aaaa' is too long." }), kind: 'name-too-long' },
  { name: 'missing credential', status: 401, body: '', kind: 'unauthenticated' },
  { name: 'invalid token (numeric code)', status: 403, body: json({ error_code: 403, message: 'Invalid access token.' }), kind: 'unauthenticated', errorCode: 403 },
  { name: 'expired token', status: 403, body: json({ error_code: 'PERMISSION_DENIED', message: 'Token is expired.' }), kind: 'unauthenticated' },
  { name: 'permission denied', status: 403, body: json({ error_code: 'PERMISSION_DENIED', message: 'User does not have permission' }), kind: 'permission' },
  { name: 'child limit', status: 403, body: json({ error_code: 'MAX_CHILD_NODE_SIZE_EXCEEDED', message: 'The folder (/a) has reached the maximum number of children (100).' }), kind: 'child-limit' },
  { name: 'switched-off endpoint', status: 404, body: json({ error_code: 'ENDPOINT_NOT_FOUND', message: "No API found for 'GET /workspace-files/list-files'" }), kind: 'not-supported' },
  { name: 'not implemented', status: 501, body: json({ error_code: 'NOT_IMPLEMENTED', message: 'no' }), kind: 'not-supported' },
  { name: 'rate limit', status: 429, body: json({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests.' }), kind: 'rate-limited' },
  { name: 'rate limit (RESOURCE_EXHAUSTED)', status: 429, body: json({ error_code: 'RESOURCE_EXHAUSTED', message: 'quota' }), kind: 'rate-limited' },
  { name: 'rate limit (TOO_MANY_REQUESTS)', status: 429, body: json({ error_code: 'TOO_MANY_REQUESTS', message: 'slow down' }), kind: 'rate-limited' },
  { name: 'internal error', status: 500, body: json({ error_code: 'INTERNAL_ERROR', message: 'boom' }), kind: 'unavailable' },
  { name: 'internal error (UNKNOWN)', status: 500, body: json({ error_code: 'UNKNOWN', message: 'boom' }), kind: 'unavailable' },
  { name: 'bad gateway with an empty body', status: 502, body: '', kind: 'unavailable' },
  { name: 'temporarily unavailable', status: 503, body: json({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try later' }), kind: 'unavailable' },
  { name: 'deadline exceeded', status: 504, body: json({ error_code: 'DEADLINE_EXCEEDED', message: 'Timed out after 60s' }), kind: 'unavailable' },
  { name: 'HTML page with <pre>', status: 500, body: '<html><body><h1>Error 500</h1><pre>INTERNAL_ERROR: Something broke.</pre></body></html>', kind: 'unavailable', errorCode: 'INTERNAL_ERROR', message: 'Something broke.' },
  { name: 'HTML page without <pre>', status: 502, body: '<!DOCTYPE html><html><head><style>p{}</style></head><body><p>Bad   gateway</p></body></html>', kind: 'unavailable', message: 'Bad gateway' },
  { name: 'API 1.2 shape', status: 404, body: json({ error: 'RESOURCE_DOES_NOT_EXIST: Path (/x) does not exist' }), kind: 'not-found', errorCode: 'RESOURCE_DOES_NOT_EXIST', message: 'Path (/x) does not exist' },
  { name: 'plain CODE: message', status: 429, body: 'REQUEST_LIMIT_EXCEEDED: slow down', kind: 'rate-limited', errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' },
  { name: 'details without metadata', status: 400, body: json({ error_code: 'INVALID_PARAMETER_VALUE', message: 'bad', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'X', domain: 'd' }] }), kind: 'invalid', errorCode: 'INVALID_PARAMETER_VALUE', message: 'bad' },
  { name: 'no message', status: 404, body: json({ error_code: 'X' }), kind: 'not-found' },
  { name: 'storage: blob gone', status: 404, body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>', kind: 'not-found', errorCode: 'BlobNotFound', message: 'The specified blob does not exist.' },
  { name: 'storage: expired URL', status: 403, body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed.</Message></Error>', kind: 'permission', errorCode: 'AuthenticationFailed' },
  { name: 'storage: missing header', status: 400, body: '<Error><Code>MissingRequiredHeader</Code><Message>x-ms-blob-type</Message></Error>', kind: 'invalid', errorCode: 'MissingRequiredHeader' },
  { name: 'storage: conflict', status: 409, body: '<Error><Code>BlobConflict</Code><Message>exists</Message></Error>', kind: 'exists' },
  { name: 'storage: body too large', status: 413, body: '<Error><Code>RequestBodyTooLarge</Code><Message>too big</Message></Error>', kind: 'too-large' },
  { name: 'a redirect (SSO page)', status: 302, body: '', kind: 'invalid', message: /redirect/ },
  { name: 'garbage', status: 500, body: '\u0000\u0001 not json', kind: 'unavailable' },
];

describe('classifyResponse: the shapes of reference §4', () => {
  for (const c of CASES) {
    it(`${c.status} ${c.name} → ${c.kind}`, () => {
      const error = classifyResponse(c.status, c.body);
      assert.ok(error instanceof RemoteError);
      assert.equal(error.kind, c.kind);
      assert.equal(error.details.status, c.status);
      if (c.errorCode !== undefined) assert.equal(error.details.errorCode, c.errorCode);
      if (typeof c.message === 'string') assert.equal(error.message, c.message);
      else if (c.message !== undefined) assert.match(error.message, c.message);
    });
  }

  it('reads Retry-After in seconds and as an HTTP date, and RetryInfo details', () => {
    assert.equal(classifyResponse(429, '', '3').details.retryAfterMs, 3000);
    assert.equal(classifyResponse(429, '', '0.5').details.retryAfterMs, 500);
    const date = classifyResponse(429, '', new Date(Date.now() + 5000).toUTCString()).details.retryAfterMs;
    assert.ok(date !== undefined && date > 3000 && date <= 5000, `date Retry-After gave ${date}`);
    assert.equal(classifyResponse(429, '', 'soon').details.retryAfterMs, undefined);
    const retryInfo = json({
      error_code: 'REQUEST_LIMIT_EXCEEDED',
      message: 'slow',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retry_delay: '2s', metadata: {} }],
    });
    assert.equal(classifyResponse(429, retryInfo).details.retryAfterMs, 2000);
    assert.equal(classifyResponse(429, retryInfo, '1').details.retryAfterMs, 1000, 'the header wins');
    assert.equal(classifyResponse(429, '').details.retryAfterMs, undefined);
  });

  it('says which answers certainly did not carry the request out', () => {
    for (const status of [400, 403, 404, 409, 429, 503, 302]) {
      assert.equal(classifyResponse(status, '').details.mayHaveApplied, false, `status ${status}`);
    }
    for (const status of [500, 502, 504]) assert.equal(classifyResponse(status, '').details.mayHaveApplied, true, `status ${status}`);
  });

  it('marks exactly rate-limited, unavailable and network as transient', () => {
    assert.equal(classifyResponse(429, '').transient, true);
    assert.equal(classifyResponse(503, '').transient, true);
    assert.equal(classifyResponse(500, '').transient, true);
    assert.equal(classifyResponse(404, '').transient, false);
    assert.equal(classifyResponse(403, '').transient, false);
    assert.equal(classifyResponse(400, '').transient, false);
  });

  it('keeps long bodies out of messages', () => {
    const error = classifyResponse(500, 'x'.repeat(100_000));
    assert.ok(error.message.length < 1000, `message of ${error.message.length} chars`);
  });
});

describe('classifyResponse: every error shape the emulator injects', () => {
  const shapes: ErrorShape[] = ['standard', 'numeric', 'empty-code', 'api12', 'html', 'plain', 'details-without-metadata'];
  const expected: Record<number, RemoteErrorKind> = { 400: 'invalid', 403: 'permission', 404: 'not-found', 429: 'rate-limited', 500: 'unavailable', 503: 'unavailable', 504: 'unavailable' };

  /** The status, body text and Retry-After the emulator would send for this fault. */
  function wire(status: number, shape: ErrorShape, retryAfterSeconds?: number): { body: string; retryAfter: string | null } {
    const reply = errorResponse({ kind: 'error', status, shape, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) });
    if (reply instanceof ApiError) return { body: JSON.stringify(reply.body), retryAfter: reply.headers['retry-after'] ?? null };
    return { body: 'html' in reply ? reply.html : reply.plain, retryAfter: null };
  }

  for (const shape of shapes) {
    for (const [status, kind] of Object.entries(expected)) {
      it(`${status} as ${shape} → ${kind}`, () => {
        const { body, retryAfter } = wire(Number(status), shape);
        const error = classifyResponse(Number(status), body, retryAfter);
        assert.equal(error.kind, kind, `${status} ${shape}: ${body}`);
        assert.ok(error.message.length > 0);
        assert.doesNotMatch(error.message, /^\{/, 'the message is text, not the raw JSON body');
      });
    }
  }

  it('429 carries the default Retry-After of 1 s; a custom one is kept', () => {
    const standard = wire(429, 'standard');
    assert.equal(classifyResponse(429, standard.body, standard.retryAfter).details.retryAfterMs, 1000);
    const custom = wire(503, 'standard', 2);
    assert.equal(classifyResponse(503, custom.body, custom.retryAfter).details.retryAfterMs, 2000);
  });

  it('transient wording does not change the kind', () => {
    const reply = errorResponse({ kind: 'error', status: 503, transient: true });
    assert.ok(reply instanceof ApiError);
    assert.equal(classifyResponse(503, JSON.stringify(reply.body)).kind, 'unavailable');
  });
});

describe('parseErrorBody', () => {
  it('takes code and message from each shape', () => {
    assert.deepEqual(parseErrorBody(json({ error_code: 'A_B', message: 'm' })), { errorCode: 'A_B', message: 'm' });
    assert.deepEqual(parseErrorBody(json({ error_code: 403, message: 'm' })), { errorCode: 403, message: 'm' });
    assert.deepEqual(parseErrorBody(json({ error_code: '', message: 'm' })), { errorCode: '', message: 'm' });
    assert.deepEqual(parseErrorBody(json({ error: 'A_B: m' })), { errorCode: 'A_B', message: 'm' });
    assert.deepEqual(parseErrorBody('A_B: m'), { errorCode: 'A_B', message: 'm' });
    assert.deepEqual(parseErrorBody('just text'), { message: 'just text' });
    assert.deepEqual(parseErrorBody('{not json'), { message: '{not json' });
  });
});

describe('classifyNetworkError', () => {
  const failure = (code: string, message = code): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

  it('a refused connection or a failed lookup certainly did not reach the server', () => {
    const refused = classifyNetworkError(failure('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), true);
    assert.equal(refused.kind, 'network');
    assert.equal(refused.details.mayHaveApplied, false);
    assert.match(refused.message, /ECONNREFUSED/);
    const lookup = classifyNetworkError(failure('ENOTFOUND', 'getaddrinfo ENOTFOUND nowhere.example'), true);
    assert.equal(lookup.kind, 'network');
    assert.equal(lookup.details.mayHaveApplied, false);
    assert.match(lookup.message, /resolve/);
  });

  it('a reset or a cut body may have applied once the request was sent', () => {
    assert.equal(classifyNetworkError(failure('ECONNRESET'), true).details.mayHaveApplied, true);
    assert.equal(classifyNetworkError(failure('ECONNRESET'), false).details.mayHaveApplied, false);
    const terminated = classifyNetworkError(failure('UND_ERR_SOCKET', 'other side closed'), true);
    assert.equal(terminated.kind, 'network');
    assert.equal(terminated.transient, true);
    assert.match(terminated.message, /other side closed/);
  });

  it('our inactivity deadline is a transient network failure', () => {
    const error = classifyNetworkError(new DOMException('no progress for 120 s', 'TimeoutError'), true);
    assert.equal(error.kind, 'network');
    assert.match(error.message, /stopped answering/);
  });

  it('a redirect fetch refused to follow is a permanent invalid-host error', () => {
    const error = classifyNetworkError(Object.assign(new TypeError('fetch failed'), { cause: new Error('unexpected redirect') }), true);
    assert.equal(error.kind, 'invalid');
    assert.equal(error.transient, false);
    assert.match(error.message, /check that the host/);
  });

  it('an untrusted certificate is not retried', () => {
    const error = classifyNetworkError(failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), true);
    assert.equal(error.kind, 'invalid');
    assert.equal(error.transient, false);
  });

  it('passes a RemoteError through unchanged', () => {
    const original = new RemoteError('too-large', 'x');
    assert.equal(classifyNetworkError(original, true), original);
  });
});

describe('helpers', () => {
  it('notADirectory, truncatedBody', () => {
    const notDir = notADirectory('/a/f');
    assert.equal(notDir.kind, 'not-a-directory');
    assert.match(notDir.message, /\/a\/f/);
    const cut = truncatedBody(100, 40);
    assert.equal(cut.kind, 'network');
    assert.equal(cut.transient, true);
    assert.match(cut.message, /40 of 100/);
  });

  it('classifyConfigError: credentials are unauthenticated, host and profile problems invalid', () => {
    assert.equal(classifyConfigError(new Error('default auth: cannot configure default credentials')).kind, 'unauthenticated');
    assert.equal(classifyConfigError(new Error('databricks-cli auth: databricks-cli: cannot get access token: boom')).kind, 'unauthenticated');
    assert.equal(classifyConfigError(new Error('resolve: /h/.databrickscfg has no nope profile configured')).kind, 'invalid');
    assert.equal(classifyConfigError(new Error('validate: more than one authorization method configured: oauth and pat')).kind, 'invalid');
    assert.equal(classifyConfigError(new TypeError('Invalid URL')).kind, 'invalid');
  });
});
