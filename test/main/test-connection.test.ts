// `workspace:test-connection` for targets that need no network: the demo (as a draft and saved)
// answers as the built-in demo user, and a token workspace without a token says how to give one.
// Real controller and settings file, secrets in memory; no engine, no HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAppController, type AppFixture } from '../support/app-controller-fixture';

describe('workspace:test-connection without network', () => {
  let app: AppFixture;
  before(async () => {
    app = await startAppController({ start: false });
  });
  after(async () => {
    await app.stop();
  });

  it('answers for the demo, as a draft and saved, with the same demo user', async () => {
    const demo = { ok: true, userName: 'demo user', displayName: 'Built-in demo workspace', host: 'demo' };
    assert.deepEqual(await app.invoke('workspace:test-connection', { target: { kind: 'draft', host: 'https://example.cloud.databricks.com', auth: { kind: 'demo' } } }), demo);
    const saved = await app.invoke('demo:add');
    assert.deepEqual(await app.invoke('workspace:test-connection', { target: { kind: 'saved', workspaceId: saved.settings.id } }), demo);
  });

  it('says how to give a token when there is none', async () => {
    const draft = await app.invoke('workspace:test-connection', { target: { kind: 'draft', host: 'https://example.cloud.databricks.com', auth: { kind: 'token' } } });
    assert.deepEqual(draft, { ok: false, code: 'no-token', message: 'Enter a personal access token to test the connection.' });
    const added = await app.invoke('workspace:add', { draft: { name: 'No token', host: 'https://example.cloud.databricks.com', auth: { kind: 'token' }, remotePath: '/' } });
    const saved = await app.invoke('workspace:test-connection', { target: { kind: 'saved', workspaceId: added.settings.id } });
    assert.deepEqual(saved, { ok: false, code: 'no-token', message: 'No token for "No token" in the keychain.', fix: 'enter a token in Settings' });
  });
});
