// Every renderer request passes the router: foreign senders are refused, unknown channels and
// bad arguments are rejected with a message naming the field — before any handler runs (the
// settings file and keychain are untouched) — and tokens never come back in a response or event.
// Runs the real controller (real settings file, in-memory secrets); no engine is started.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { samePage } from '../../src/main/ipc-router';
import { startAppController, type AppFixture } from '../support/app-controller-fixture';

describe('IPC router', () => {
  let app: AppFixture;
  const events: unknown[] = [];
  before(async () => {
    app = await startAppController();
    app.controller.onEvent((event, payload) => events.push({ event, payload }));
  });
  after(async () => {
    await app.stop();
  });

  it('accepts only our own page as sender', () => {
    const trusted = samePage('file:///opt/wsfs/resources/app.asar/dist/renderer/index.html');
    assert.ok(trusted('file:///opt/wsfs/resources/app.asar/dist/renderer/index.html'));
    assert.ok(trusted('file:///opt/wsfs/resources/app.asar/dist/renderer/index.html#/settings'));
    assert.ok(!trusted('file:///tmp/evil.html'));
    assert.ok(!trusted('https://example.com/dist/renderer/index.html'));
    assert.ok(!trusted('not a url'));
    assert.throws(() => samePage('http://127.0.0.1/index.html'), /app:\/\/ or file:\/\/ URL/);
    const app = samePage('app://wsfs/index.html');
    assert.ok(app('app://wsfs/index.html#settings'));
    assert.ok(!app('app://other/index.html'));
    assert.ok(!app('file:///index.html'));
  });

  it('refuses a foreign sender before looking at the request', async () => {
    const result = await app.router.invoke('workspace:remove', { workspaceId: 'ws-1' }, 'https://evil.example.com/');
    assert.deepEqual(result, { ok: false, error: { code: 'forbidden', message: 'requests are only accepted from the wsfs window, not from "https://evil.example.com/"' } });
  });

  it('rejects unknown channels and bad arguments, naming the field, and changes nothing', async () => {
    const settingsFile = join(app.dir, 'config', 'settings.json');
    const before = await readFile(settingsFile, 'utf8');
    const cases: Array<[unknown, unknown, RegExp]> = [
      ['workspace:explode', {}, /^unknown channel "workspace:explode"$/],
      [42, {}, /^unknown channel 42$/],
      ['__proto__', {}, /^unknown channel/],
      ['mount:start', { workspaceId: '' }, /^mount:start\.workspaceId: expected a non-empty string$/],
      ['workspace:add', { draft: { name: 'X', host: 'ftp://x', auth: { kind: 'token' }, remotePath: '/' } }, /^workspace:add\.draft\.host: expected a workspace URL/],
      ['workspace:add', { draft: { name: 'X', host: 'https://x.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '/', mountPoint: '~/db' } }, /mountPoint: expected an absolute path/],
      ['token:set', { workspaceId: 'ws-1' }, /^token:set\.token: expected a string, got undefined$/],
      ['settings:update', { patch: { metadataTtlSeconds: 1.5 } }, /metadataTtlSeconds: expected an integer, got number/],
      ['settings:update', { patch: { cache: { limitBytes: '5GB' } } }, /limitBytes: expected an integer, got string/],
      ['settings:get', 'please', /^settings:get: expected no argument, got string$/],
    ];
    for (const [channel, request, message] of cases) {
      const result = await app.router.invoke(channel, request, app.pageUrl);
      assert.equal(result.ok, false, `${String(channel)} accepted ${JSON.stringify(request)}`);
      assert.equal(!result.ok && result.error.code, 'invalid-argument');
      assert.match(!result.ok ? result.error.message : '', message);
    }
    assert.equal(await readFile(settingsFile, 'utf8'), before);
  });

  it('reports unknown workspaces and overlapping mount points with the fix', async () => {
    const missing = await app.router.invoke('mount:start', { workspaceId: 'ws-nothere' }, app.pageUrl);
    assert.deepEqual(missing, { ok: false, error: { code: 'not-found', message: 'There is no workspace ws-nothere; it may have been removed.' } });
    const first = await app.invoke('workspace:add', { draft: { name: 'One', host: 'https://one.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '~' } });
    const inside = await app.router.invoke(
      'workspace:add',
      { draft: { name: 'Two', host: 'https://two.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '~', mountPoint: `${first.settings.mountPoint}/sub` } },
      app.pageUrl,
    );
    assert.match(!inside.ok ? inside.error.message : '', /overlaps the mount point of "One"/);
    const home = await app.router.invoke('workspace:update', { workspaceId: first.settings.id, patch: { mountPoint: app.home } }, app.pageUrl);
    assert.match(!home.ok ? home.error.message : '', /cannot be a mount point \(it would hide your files\)/);
    const notMounted = await app.router.invoke('folder:open', { workspaceId: first.settings.id }, app.pageUrl);
    assert.deepEqual(notMounted, { ok: false, error: { code: 'busy', message: '"One" is not mounted; mount it first.' } });
    await app.invoke('workspace:remove', { workspaceId: first.settings.id });
  });

  it('keeps the token out of settings, responses and events', async () => {
    const token = 'dapi0123456789abcdef0123456789abcdef';
    const added = await app.invoke('workspace:add', { draft: { name: 'Secret', host: 'https://s.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '~' }, token });
    assert.equal(added.hasToken, true);
    assert.equal(await app.secrets.get(added.settings.id), token);
    const state = await app.invoke('app:get-state');
    const settingsText = await readFile(join(app.dir, 'config', 'settings.json'), 'utf8');
    for (const text of [JSON.stringify(added), JSON.stringify(state), JSON.stringify(events), settingsText]) assert.ok(!text.includes(token));
    assert.equal(state.workspaces.find((w) => w.settings.id === added.settings.id)?.hasToken, true);
    await app.invoke('workspace:remove', { workspaceId: added.settings.id });
    assert.equal(await app.secrets.get(added.settings.id), undefined);
  });

  it('applies settings patches and pushes the new value', async () => {
    const pushed = app.next('settings:value');
    const next = await app.invoke('settings:update', { patch: { cache: { enabled: false, location: '/var/tmp/wsfs' }, uploadMode: 'background' } });
    assert.deepEqual(next.cache, { enabled: false, limitBytes: 5 * 1024 ** 3, location: '/var/tmp/wsfs' });
    assert.deepEqual((await pushed).settings, next);
    const reset = await app.invoke('settings:update', { patch: { cache: { enabled: true, location: null } } });
    assert.deepEqual(reset.cache, { enabled: true, limitBytes: 5 * 1024 ** 3 });
    assert.equal(reset.uploadMode, 'background');
  });
});
