// Unit tests of the renderer <-> main contract: every channel has a check, good requests pass
// (trimmed, unknown fields dropped), bad ones fail with a message naming the field, and the
// settings checks refuse what the settings file must never hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_EVENTS, API_METHODS, INVOKE_CHANNELS, PUSH_EVENTS, REQUEST_CHECKS, checkRequest, isInvokeChannel } from '../../src/shared/ipc-contract';
import { checkGeneralSettings, checkWorkspaceSettings, DEFAULT_GENERAL_SETTINGS, hostProblem, mountFolderName, mountPointProblem, remotePathProblem } from '../../src/shared/settings';

const rejects = (fn: () => unknown, pattern: RegExp): void => assert.throws(fn, (error: unknown) => error instanceof TypeError && pattern.test(error.message));

describe('ipc contract', () => {
  it('names channels area:verb and events area:noun, each once, with a check per channel', () => {
    assert.equal(new Set(INVOKE_CHANNELS).size, Object.keys(API_METHODS).length);
    assert.equal(new Set(PUSH_EVENTS).size, Object.keys(API_EVENTS).length);
    for (const channel of [...INVOKE_CHANNELS, ...PUSH_EVENTS]) assert.match(channel, /^[a-z]+:[a-z-]+$/);
    assert.deepEqual(Object.keys(REQUEST_CHECKS).sort(), [...INVOKE_CHANNELS].sort());
    for (const name of Object.keys(API_EVENTS)) assert.match(name, /^on[A-Z]/);
    assert.ok(isInvokeChannel('mount:start'));
    assert.ok(!isInvokeChannel('toString'));
    assert.ok(!isInvokeChannel('mount:destroy'));
  });

  it('accepts a good workspace:add, trimming text and dropping unknown fields', () => {
    const request = checkRequest('workspace:add', {
      draft: { name: '  Prod ', host: 'https://dbc-1234.cloud.databricks.com/', auth: { kind: 'token', extra: 1 }, remotePath: '~', evil: '__proto__' },
      token: 'dapi0123456789abcdef',
    });
    assert.deepEqual(request, {
      draft: { name: 'Prod', host: 'https://dbc-1234.cloud.databricks.com/', auth: { kind: 'token' }, remotePath: '~' },
      token: 'dapi0123456789abcdef',
    });
  });

  it('rejects bad input with the field path and what was expected', () => {
    rejects(() => checkRequest('mount:start', undefined), /^mount:start: expected an object, got undefined/);
    rejects(() => checkRequest('mount:start', { workspaceId: 7 }), /^mount:start\.workspaceId: expected a string, got number/);
    rejects(() => checkRequest('mount:start', { workspaceId: '../etc' }), /^mount:start\.workspaceId: expected a workspace id/);
    rejects(() => checkRequest('app:get-state', { x: 1 }), /^app:get-state: expected no argument/);
    rejects(
      () => checkRequest('workspace:add', { draft: { name: 'A', host: 'http://example.com', auth: { kind: 'token' }, remotePath: '/' } }),
      /^workspace:add\.draft\.host: expected an https:\/\/ URL/,
    );
    rejects(
      () => checkRequest('workspace:add', { draft: { name: 'A', host: '', auth: { kind: 'token' }, remotePath: '/' } }),
      /^workspace:add\.draft: expected a host/,
    );
    rejects(
      () => checkRequest('workspace:add', { draft: { name: 'A', host: 'https://x.cloud.databricks.com', auth: { kind: 'oauth' }, remotePath: '/' } }),
      /^workspace:add\.draft\.auth\.kind: expected one of token, profile, demo/,
    );
    rejects(
      () => checkRequest('workspace:update', { workspaceId: 'ws-1', patch: { mountPoint: 'relative/dir' } }),
      /^workspace:update\.patch\.mountPoint: expected a full path starting with \/, e\.g\. \/home\/you\/relative\/dir$/,
    );
    rejects(() => checkRequest('workspace:update', { workspaceId: 'ws-1', patch: { remotePath: '/a/../b' } }), /remotePath: expected a workspace path without \. or \.\./);
    rejects(() => checkRequest('token:set', { workspaceId: 'ws-1', token: 'short' }), /^token:set\.token: expected a token of at least 8/);
    rejects(() => checkRequest('token:set', { workspaceId: 'ws-1', token: 'x'.repeat(5000) }), /^token:set\.token: expected at most 4096 characters/);
    rejects(() => checkRequest('settings:update', { patch: { cache: { limitBytes: 10 } } }), /^settings:update\.patch\.cache\.limitBytes: expected an integer from/);
    rejects(() => checkRequest('settings:update', { patch: { uploadMode: 'later' } }), /uploadMode: expected one of sync, background/);
    rejects(() => checkRequest('workspace:test-connection', { target: { kind: 'draft', host: 'https://x.cloud.databricks.com', auth: { kind: 'token' }, token: 'has space in it' } }), /token: expected a token/);
  });

  it('folder:open takes a path inside the mount (Show in folder of a conflict copy), never one leaving it', () => {
    assert.deepEqual(checkRequest('folder:open', { workspaceId: 'ws-1' }), { workspaceId: 'ws-1' });
    assert.deepEqual(checkRequest('folder:open', { workspaceId: 'ws-1', path: '/reports/notes (conflict 2026-11-30 09.15).txt ' }), {
      workspaceId: 'ws-1',
      path: '/reports/notes (conflict 2026-11-30 09.15).txt ',
    });
    for (const path of ['/../etc/passwd', '/a/./b', 'relative.txt', '/', '/a\0b', '']) {
      rejects(() => checkRequest('folder:open', { workspaceId: 'ws-1', path }), /^folder:open\.path: expected (a path inside the mount such as \/folder\/name|a non-empty)/);
    }
    rejects(() => checkRequest('folder:open', { workspaceId: 'ws-1', path: 7 }), /^folder:open\.path: expected a string, got number/);
  });

  it('checks the argument of every channel: a wrong shape is refused with the channel name', () => {
    for (const channel of INVOKE_CHANNELS) {
      for (const bad of [42, 'text', [], { workspaceId: 7, draft: null, patch: 'x', target: 1, name: 3, token: 4, problemId: 5 }]) {
        rejects(() => checkRequest(channel, bad), new RegExp(`^${channel}(\\.[\\w.]+)?: expected `));
      }
    }
  });

  it('lets settings:update reset the cache location with null', () => {
    assert.deepEqual(checkRequest('settings:update', { patch: { cache: { location: null } } }), { patch: { cache: { location: null } } });
  });
});

describe('settings checks', () => {
  it('accepts the defaults and a stored workspace; refuses a token-auth workspace without host', () => {
    assert.deepEqual(checkGeneralSettings(DEFAULT_GENERAL_SETTINGS, 'settings'), DEFAULT_GENERAL_SETTINGS);
    const ws = { id: 'ws-1', name: 'Demo', host: '', auth: { kind: 'demo' }, remotePath: '~', mountPoint: '/home/u/Databricks/Demo', autoMount: false };
    assert.deepEqual(checkWorkspaceSettings(ws, 'w'), ws);
    rejects(() => checkWorkspaceSettings({ ...ws, auth: { kind: 'token' } }, 'w'), /^w: expected a host/);
  });

  it('explains bad hosts and remote paths', () => {
    assert.equal(hostProblem('https://adb-1.2.azuredatabricks.net'), null);
    assert.equal(hostProblem('https://dbc-1234.cloud.databricks.com/'), null);
    assert.equal(hostProblem('HTTPS://DBC-1234.cloud.databricks.com'), null);
    assert.equal(hostProblem('http://127.0.0.1:8080'), null);
    assert.equal(hostProblem('http://localhost:8080/'), null);
    assert.equal(hostProblem('http://[::1]:8080'), null);
    assert.match(hostProblem('dbc-1234') ?? '', /workspace URL such as https:\/\/adb-/);
    assert.match(hostProblem('not a url') ?? '', /workspace URL such as https:\/\/adb-/);
    assert.match(hostProblem('https://') ?? '', /workspace URL such as https:\/\/adb-/);
    assert.match(hostProblem('https://bad_host.example.com') ?? '', /workspace URL such as https:\/\/adb-/);
    // Each message names the problem and what to type instead.
    const cases: Array<[string, string]> = [
      ['dbc-1234.cloud.databricks.com', 'a URL starting with https://, e.g. https://dbc-1234.cloud.databricks.com'],
      ['ftp://x/path', 'an https:// URL (not ftp://), e.g. https://adb-1234567890123456.7.azuredatabricks.net'],
      ['ftp://dbc-1.cloud.databricks.com', 'an https:// URL (not ftp://), e.g. https://adb-1234567890123456.7.azuredatabricks.net'],
      ['file:///etc/passwd', 'an https:// URL (not file://), e.g. https://adb-1234567890123456.7.azuredatabricks.net'],
      ['http://dbc-1.cloud.databricks.com', 'an https:// URL (http:// only for 127.0.0.1), e.g. https://dbc-1.cloud.databricks.com'],
      ['https://x.cloud.databricks.com/browse?o=1', 'only the workspace origin, https://x.cloud.databricks.com (no path, query or #fragment)'],
      ['https://x.cloud.databricks.com/?o=123#workspace', 'only the workspace origin, https://x.cloud.databricks.com (no path, query or #fragment)'],
      ['https://me:secret@x.cloud.databricks.com', 'a workspace URL without a user name or password (the token goes in the token field)'],
      ['https://x.cloud.databricks.com:99999', 'a port from 1 to 65535 (not 99999), or no port'],
      ['http://127.0.0.1:0', 'a port from 1 to 65535 (not 0), or no port'],
    ];
    for (const [host, expected] of cases) assert.equal(hostProblem(host), expected, host);
    assert.equal(remotePathProblem('~/projects'), null);
    assert.match(remotePathProblem('Users/me') ?? '', /starting with \//);
  });

  it('explains bad mount points with the fix, in the form and in main', () => {
    assert.equal(mountPointProblem('/home/u/Databricks/Prod'), null);
    assert.equal(mountPointProblem('/mnt/with space/x'), null);
    assert.equal(mountPointProblem('C:\\Users\\u\\Databricks'), null);
    const cases: Array<[string, string]> = [
      ['', 'the folder to mount on, e.g. /home/you/Databricks/Analytics'],
      ['Databricks/Prod', 'a full path starting with /, e.g. /home/you/Databricks/Prod'],
      ['./Prod', 'a full path starting with /, e.g. /home/you/Prod'],
      ['~/Databricks', 'a full path: ~ is not expanded here, write the home folder out (e.g. /home/you/Databricks)'],
      ['~', 'a full path: ~ is not expanded here, write the home folder out (e.g. /home/you)'],
      ['/home/u/../other', 'a folder path without . or .. segments'],
      ['/home/u/./x', 'a folder path without . or .. segments'],
      ['/home/u\0x', 'a folder path without NUL characters'],
    ];
    for (const [path, expected] of cases) assert.equal(mountPointProblem(path), expected, JSON.stringify(path));
    // The same words reach main's answer, after the field path.
    rejects(
      () => checkRequest('workspace:add', { draft: { name: 'A', host: 'https://x.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '/', mountPoint: '~/db' } }),
      /^workspace:add\.draft\.mountPoint: expected a full path: ~ is not expanded here, write the home folder out \(e\.g\. \/home\/you\/db\)$/,
    );
    rejects(
      () => checkRequest('workspace:add', { draft: { name: 'A', host: 'ftp://x/path', auth: { kind: 'token' }, remotePath: '/' } }),
      /^workspace:add\.draft\.host: expected an https:\/\/ URL \(not ftp:\/\/\)/,
    );
    rejects(() => checkWorkspaceSettings({ id: 'ws-1', name: 'A', host: '', auth: { kind: 'demo' }, remotePath: '~', mountPoint: 'rel', autoMount: false }, 'w'), /^w\.mountPoint: expected a full path starting with \//);
  });

  it('derives a safe mount folder name', () => {
    assert.equal(mountFolderName(' Prod / EU: main '), 'Prod - EU- main');
    assert.equal(mountFolderName('..'), 'workspace');
  });
});
