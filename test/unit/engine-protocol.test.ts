// The main <-> engine contract: every valid message parses to itself, every malformed field is
// rejected with a TypeError that names it, and redaction leaves no secret in what gets logged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ENGINE_COMMAND_KINDS,
  ENGINE_EVENT_KINDS,
  REDACTED,
  parseEngineCommand,
  parseEngineEvent,
  redactSecrets,
  redactText,
  type EngineCommand,
  type EngineEvent,
} from '../../src/shared/engine-protocol';
import { PROBLEM_KINDS, problemTitle, type Problem } from '../../src/shared/problem';
import { cacheHitRate } from '../../src/shared/cache-usage';

const PAT = `dapi${'0123456789abcdef'.repeat(2)}`;
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2lnbmF0dXJl';
const DOSE = 'dose1234567890abcdefABCDEF_xyz';

const MOUNT: EngineCommand = {
  kind: 'engine:mount',
  id: 2,
  mountPoint: '/home/me/wsfs',
  remotePath: '/Users/me@example.com',
  host: 'https://x.cloud.databricks.com',
  profile: 'DEFAULT',
  authType: 'pat',
  cacheDir: '/home/me/.cache/wsfs',
  cacheEnabled: true,
  cacheLimitBytes: 5 * 1024 ** 3,
  cacheMinFreeBytes: 512 * 1024 ** 2,
  ttlSeconds: 10,
  uploadMode: 'sync',
  debug: false,
};

const COMMANDS: EngineCommand[] = [
  { kind: 'engine:set-credentials', id: 1, token: PAT },
  MOUNT,
  { kind: 'engine:mount', id: 3, mountPoint: '/mnt/ws', remotePath: '/', authType: 'auto', cacheEnabled: false, ttlSeconds: 0, uploadMode: 'background', debug: true },
  { kind: 'engine:mount', id: 7, mountPoint: '/mnt/home', remotePath: '~', authType: 'pat', cacheEnabled: true, ttlSeconds: 10, uploadMode: 'sync', debug: false },
  { kind: 'engine:mount', id: 8, mountPoint: '/mnt/sub', remotePath: '~/projects', authType: 'pat', cacheEnabled: true, ttlSeconds: 10, uploadMode: 'sync', debug: false },
  { kind: 'engine:unmount', id: 4 },
  { kind: 'engine:get-stats', id: 5 },
  { kind: 'cache:set-enabled', id: 6, enabled: false },
  { kind: 'cache:clear', id: 7 },
];

const CACHE = { enabled: true, bytesUsed: 10, bytesLimit: 100, files: 1, hits: 3, misses: 1, evictions: 0, bytesFetched: 10 };
const TRANSFERS = { uploadsQueued: 1, uploadsInFlight: 1, bytesToUpload: 200, bytesUploaded: 50 };

const PROBLEMS: Problem[] = [
  { kind: 'upload-failed', message: 'Could not upload a.py', path: '/a.py', fix: 'Retry' },
  { kind: 'conflict-copy', message: 'a.py changed remotely', path: '/a.py', copyPath: '/a (conflict).py' },
  { kind: 'needs-sign-in', message: 'Token expired', fix: 'Sign in again' },
  { kind: 'disconnected', message: 'Workspace unreachable' },
  { kind: 'cache-disabled', message: 'Disk full' },
  { kind: 'other', message: 'Something', path: '/x' },
  { kind: 'other', message: 'Something else' },
];

const EVENTS: EngineEvent[] = [
  { kind: 'engine:reply', id: 1, ok: true },
  { kind: 'engine:reply', id: 2, ok: false, error: { code: 'unauthenticated', message: 'bad token' } },
  { kind: 'engine:ready', protocolVersion: 1, pid: 1234 },
  { kind: 'mount:state', state: { kind: 'idle' } },
  { kind: 'mount:state', state: { kind: 'mounting', mountPoint: '/mnt/ws' } },
  { kind: 'mount:state', state: { kind: 'mounted', mountPoint: '/mnt/ws', remotePath: '/', host: 'https://x.cloud.databricks.com' } },
  { kind: 'mount:state', state: { kind: 'unmounting', mountPoint: '/mnt/ws' } },
  { kind: 'mount:state', state: { kind: 'failed', code: 'not-empty', message: 'Mount point not empty', fix: 'Choose an empty folder' } },
  { kind: 'engine:stats', stats: { cache: CACHE, transfers: TRANSFERS } },
  { kind: 'engine:stats', stats: { cache: CACHE, transfers: { ...TRANSFERS, connection: 'disconnected' } } },
  { kind: 'transfer:progress', transferId: 't1', direction: 'upload', path: '/a.py', phase: 'running', bytesDone: 5, bytesTotal: 10 },
  ...PROBLEMS.map((problem): EngineEvent => ({ kind: 'engine:problem', problem })),
  { kind: 'engine:log', level: 'debug', scope: 'remote', message: 'GET /api/2.0/workspace/list' },
];

/** Asserts `fn` throws a TypeError whose message starts with `field`. */
function rejects(fn: () => unknown, field: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected TypeError, got ${String(error)}`);
    assert.ok(error.message.startsWith(`${field}:`), `expected message naming ${field}, got ${error.message}`);
    return true;
  });
}

describe('engine protocol: commands', () => {
  it('covers every command kind in the examples', () => {
    assert.deepEqual(new Set(COMMANDS.map((c) => c.kind)), new Set(ENGINE_COMMAND_KINDS));
  });

  for (const command of COMMANDS) {
    it(`parses a valid ${command.kind}`, () => {
      assert.deepEqual(parseEngineCommand(JSON.parse(JSON.stringify(command))), command);
    });
  }

  it('drops unknown fields instead of passing them on', () => {
    const parsed = parseEngineCommand({ kind: 'engine:unmount', id: 1, token: PAT, extra: 1 });
    assert.deepEqual(parsed, { kind: 'engine:unmount', id: 1 });
  });

  it('rejects non-objects and unknown kinds', () => {
    rejects(() => parseEngineCommand(null), 'command');
    rejects(() => parseEngineCommand([]), 'command');
    rejects(() => parseEngineCommand('engine:mount'), 'command');
    rejects(() => parseEngineCommand({ id: 1 }), 'command.kind');
    rejects(() => parseEngineCommand({ kind: 'engine:format-disk', id: 1 }), 'command.kind');
    rejects(() => parseEngineCommand({ kind: 'engine:log', id: 1 }), 'command.kind');
  });

  const BAD_MOUNT: Array<[field: string, value: unknown]> = [
    ['id', -1],
    ['id', 1.5],
    ['id', '1'],
    ['mountPoint', undefined],
    ['mountPoint', ''],
    ['mountPoint', 'relative/dir'],
    ['remotePath', 7],
    ['remotePath', 'Users/me'],
    ['remotePath', '~me'],
    ['host', ''],
    ['host', 42],
    ['profile', false],
    ['authType', 'password'],
    ['cacheDir', 'cache'],
    ['cacheEnabled', 'yes'],
    ['cacheLimitBytes', -5],
    ['cacheMinFreeBytes', 1.5],
    ['ttlSeconds', undefined],
    ['ttlSeconds', Number.NaN],
    ['uploadMode', 'later'],
    ['debug', 1],
  ];
  for (const [field, value] of BAD_MOUNT) {
    it(`rejects engine:mount with ${field}=${String(value)}`, () => {
      rejects(() => parseEngineCommand({ ...MOUNT, [field]: value }), `engine:mount.${field}`);
    });
  }

  it('rejects malformed fields of the other commands', () => {
    rejects(() => parseEngineCommand({ kind: 'engine:set-credentials', id: 1 }), 'engine:set-credentials.token');
    rejects(() => parseEngineCommand({ kind: 'engine:set-credentials', id: 1, token: ' ' }), 'engine:set-credentials.token');
    rejects(() => parseEngineCommand({ kind: 'cache:set-enabled', id: 1, enabled: 'off' }), 'cache:set-enabled.enabled');
    rejects(() => parseEngineCommand({ kind: 'cache:clear' }), 'cache:clear.id');
  });
});

describe('engine protocol: events', () => {
  it('covers every event and problem kind in the examples', () => {
    assert.deepEqual(new Set(EVENTS.map((e) => e.kind)), new Set(ENGINE_EVENT_KINDS));
    assert.deepEqual(new Set(PROBLEMS.map((p) => p.kind)), new Set(PROBLEM_KINDS));
  });

  for (const event of EVENTS) {
    const label = event.kind === 'mount:state' ? `${event.kind} ${event.state.kind}` : event.kind === 'engine:problem' ? `${event.kind} ${event.problem.kind}` : event.kind;
    it(`parses a valid ${label}`, () => {
      assert.deepEqual(parseEngineEvent(JSON.parse(JSON.stringify(event))), event);
    });
  }

  it('rejects unknown kinds, including nested ones', () => {
    rejects(() => parseEngineEvent({ kind: 'engine:mount', id: 1 }), 'event.kind');
    rejects(() => parseEngineEvent({ kind: 'mount:state', state: { kind: 'exploded' } }), 'mount:state.state.kind');
    rejects(() => parseEngineEvent({ kind: 'engine:problem', problem: { kind: 'meh', message: 'x' } }), 'engine:problem.problem.kind');
  });

  it('names each malformed field', () => {
    const cases: Array<[value: unknown, field: string]> = [
      [{ kind: 'engine:reply', id: 1 }, 'engine:reply.ok'],
      [{ kind: 'engine:reply', id: 1, ok: false }, 'engine:reply.error'],
      [{ kind: 'engine:reply', id: 1, ok: false, error: { message: 'x' } }, 'engine:reply.error.code'],
      [{ kind: 'engine:ready', protocolVersion: '1', pid: 1 }, 'engine:ready.protocolVersion'],
      [{ kind: 'mount:state' }, 'mount:state.state'],
      [{ kind: 'mount:state', state: { kind: 'mounted', mountPoint: '/m', remotePath: '/' } }, 'mount:state.state.host'],
      [{ kind: 'mount:state', state: { kind: 'failed', message: 'x' } }, 'mount:state.state.code'],
      [{ kind: 'engine:stats', stats: { transfers: TRANSFERS } }, 'engine:stats.stats.cache'],
      [{ kind: 'engine:stats', stats: { cache: { ...CACHE, hits: -1 }, transfers: TRANSFERS } }, 'engine:stats.stats.cache.hits'],
      [{ kind: 'engine:stats', stats: { cache: { ...CACHE, enabled: 1 }, transfers: TRANSFERS } }, 'engine:stats.stats.cache.enabled'],
      [{ kind: 'engine:stats', stats: { cache: CACHE, transfers: { ...TRANSFERS, uploadsInFlight: null } } }, 'engine:stats.stats.transfers.uploadsInFlight'],
      [{ kind: 'engine:stats', stats: { cache: CACHE, transfers: { ...TRANSFERS, connection: 'offline' } } }, 'engine:stats.stats.transfers.connection'],
      [{ kind: 'transfer:progress', transferId: 't', direction: 'sideways', path: '/a', phase: 'running', bytesDone: 0, bytesTotal: 0 }, 'transfer:progress.direction'],
      [{ kind: 'transfer:progress', transferId: 't', direction: 'upload', path: '/a', phase: 'running', bytesDone: 11, bytesTotal: 10 }, 'transfer:progress.bytesDone'],
      [{ kind: 'engine:problem', problem: { kind: 'upload-failed', message: 'x' } }, 'engine:problem.problem.path'],
      [{ kind: 'engine:problem', problem: { kind: 'conflict-copy', message: 'x', path: '/a' } }, 'engine:problem.problem.copyPath'],
      [{ kind: 'engine:problem', problem: { kind: 'disconnected', message: '' } }, 'engine:problem.problem.message'],
      [{ kind: 'engine:log', level: 'trace', scope: '', message: 'x' }, 'engine:log.level'],
      [{ kind: 'engine:log', level: 'info', message: 'x' }, 'engine:log.scope'],
    ];
    for (const [value, field] of cases) rejects(() => parseEngineEvent(value), field);
  });

  it('has a title for every problem kind and computes rates', () => {
    for (const problem of PROBLEMS) assert.notEqual(problemTitle(problem), '');
    assert.equal(cacheHitRate(CACHE), 0.75);
    assert.equal(cacheHitRate({ ...CACHE, hits: 0, misses: 0 }), undefined);
  });
});

describe('redactSecrets', () => {
  it('never lets the token of a credentials command through', () => {
    const command = parseEngineCommand({ kind: 'engine:set-credentials', id: 1, token: 'not-a-pattern-but-secret' });
    const text = JSON.stringify(redactSecrets(command));
    assert.ok(!text.includes('not-a-pattern-but-secret'), text);
    assert.deepEqual(redactSecrets(command), { kind: 'engine:set-credentials', id: 1, token: REDACTED });
    assert.equal((command as { token: string }).token, 'not-a-pattern-but-secret', 'the original is not mutated');
  });

  it('redacts secret keys at any depth and in any case', () => {
    const value = {
      request: { headers: { Authorization: `Bearer ${PAT}`, 'Content-Type': 'application/json' } },
      list: [{ access_token: 'abc', refresh_token: 'def' }, { nested: { client_secret: 'ghi', password: 'jkl' } }],
      fine: { tokenCount: 3, path: '/Users/me' },
    };
    const out = redactSecrets(value);
    assert.deepEqual(out, {
      request: { headers: { Authorization: REDACTED, 'Content-Type': 'application/json' } },
      list: [{ access_token: REDACTED, refresh_token: REDACTED }, { nested: { client_secret: REDACTED, password: REDACTED } }],
      fine: { tokenCount: 3, path: '/Users/me' },
    });
  });

  it('masks token-shaped strings anywhere', () => {
    const text = JSON.stringify(redactSecrets({ note: `used ${PAT}-2 then ${DOSE}`, deep: [[`jwt ${JWT} end`]] }));
    for (const secret of [PAT, DOSE, JWT]) assert.ok(!text.includes(secret), text);
    assert.ok(text.includes('used *** then ***'), text);
  });

  it('masks Authorization values and query tokens in free text', () => {
    assert.equal(redactText('Authorization: Bearer abc.def'), 'Authorization: Bearer ***');
    assert.equal(redactText('authorization=Basic dXNlcjpwYXNz'), 'authorization=Basic ***');
    assert.equal(redactText('Authorization: sometoken123 next'), 'Authorization: *** next');
    assert.equal(redactText('GET https://h/x?token=abc&y=1'), 'GET https://h/x?token=***&y=1');
    assert.equal(redactText('plain message about dapis and doses'), 'plain message about dapis and doses');
  });

  it('handles errors, bytes, dates and cycles without throwing', () => {
    const error = Object.assign(new Error(`401 for ${PAT}`), { code: 'unauthenticated' });
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic['self'] = cyclic;
    const shared = { a: 1 };
    const out = redactSecrets({ error, bytes: new Uint8Array(4), at: new Date(0), cyclic, twice: [shared, shared] });
    assert.deepEqual(out, {
      error: { name: 'Error', message: '401 for ***', code: 'unauthenticated' },
      bytes: '[4 bytes]',
      at: '1970-01-01T00:00:00.000Z',
      cyclic: { name: 'x', self: '[Circular]' },
      twice: [{ a: 1 }, { a: 1 }],
    });
  });
});
