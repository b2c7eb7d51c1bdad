// Unit tests of the renderer <-> main contract: every channel has a check, good requests pass
// (trimmed, unknown fields dropped), bad ones fail with a message naming the field, and the
// settings checks refuse what the settings file must never hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_EVENTS, API_METHODS, INVOKE_CHANNELS, PUSH_EVENTS, REQUEST_CHECKS, checkRequest, isInvokeChannel } from '../../src/shared/ipc-contract';
import { checkGeneralSettings, checkWorkspaceSettings, DEFAULT_GENERAL_SETTINGS, hostProblem, mountFolderName, remotePathProblem } from '../../src/shared/settings';

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
      /^workspace:update\.patch\.mountPoint: expected an absolute path/,
    );
    rejects(() => checkRequest('workspace:update', { workspaceId: 'ws-1', patch: { remotePath: '/a/../b' } }), /remotePath: expected a workspace path without \. or \.\./);
    rejects(() => checkRequest('token:set', { workspaceId: 'ws-1', token: 'short' }), /^token:set\.token: expected a token of at least 8/);
    rejects(() => checkRequest('token:set', { workspaceId: 'ws-1', token: 'x'.repeat(5000) }), /^token:set\.token: expected at most 4096 characters/);
    rejects(() => checkRequest('settings:update', { patch: { cache: { limitBytes: 10 } } }), /^settings:update\.patch\.cache\.limitBytes: expected an integer from/);
    rejects(() => checkRequest('settings:update', { patch: { uploadMode: 'later' } }), /uploadMode: expected one of sync, background/);
    rejects(() => checkRequest('workspace:test-connection', { target: { kind: 'draft', host: 'https://x.cloud.databricks.com', auth: { kind: 'token' }, token: 'has space in it' } }), /token: expected a token/);
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
    assert.equal(hostProblem('http://127.0.0.1:8080'), null);
    assert.match(hostProblem('https://x.cloud.databricks.com/browse') ?? '', /no path/);
    assert.match(hostProblem('dbc-1234') ?? '', /workspace URL such as/);
    assert.equal(remotePathProblem('~/projects'), null);
    assert.match(remotePathProblem('Users/me') ?? '', /starting with \//);
  });

  it('derives a safe mount folder name', () => {
    assert.equal(mountFolderName(' Prod / EU: main '), 'Prod - EU- main');
    assert.equal(mountFolderName('..'), 'workspace');
  });
});
