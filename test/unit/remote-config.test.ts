// Host validation and SDK Config construction for the engine's connection settings. No request is
// sent: resolution errors for hosts from the environment are checked through resolveRemoteConfig.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRemoteConfig, normalizeHost, resolveRemoteConfig } from '../../src/fs/remote/remote-config';
import { RemoteError } from '../../src/fs/remote/remote-error';

function assertMalformed(fn: () => unknown, host: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.kind, 'invalid');
    assert.ok(error.message.includes(`"${host}"`), `names the host: ${error.message}`);
    assert.match(error.message, /expected https:\/\/<workspace>\.cloud\.databricks\.com/);
    return true;
  });
}

describe('normalizeHost', () => {
  it('keeps scheme, host and port; adds https; drops a pasted path or query', () => {
    assert.equal(normalizeHost('https://adb-1.azuredatabricks.net'), 'https://adb-1.azuredatabricks.net');
    assert.equal(normalizeHost('dbc-1.cloud.databricks.com'), 'https://dbc-1.cloud.databricks.com');
    assert.equal(normalizeHost('  https://dbc-1.cloud.databricks.com/?o=123#folder/1 '), 'https://dbc-1.cloud.databricks.com');
    assert.equal(normalizeHost('https://dbc-1.cloud.databricks.com:8443/'), 'https://dbc-1.cloud.databricks.com:8443');
    assert.equal(normalizeHost('http://127.0.0.1:4040'), 'http://127.0.0.1:4040');
    assert.equal(normalizeHost('http://localhost:4040'), 'http://localhost:4040');
  });

  for (const bad of ['https://exa mple.com', 'ftp://dbc-1.cloud.databricks.com', 'https://', 'https:/dbc-1.cloud.databricks.com', 'https://user:pw@dbc-1.cloud.databricks.com', 'https://dbc_1!.com', 'http://dbc-1.cloud.databricks.com']) {
    it(`refuses ${JSON.stringify(bad)} with a message naming it and the fix`, () => assertMalformed(() => normalizeHost(bad), bad));
  }
});

describe('createRemoteConfig / resolveRemoteConfig', () => {
  it('refuses a malformed explicit host at once', () => {
    assertMalformed(() => createRemoteConfig({ host: 'https://my workspace', token: 't', env: {} }), 'https://my workspace');
  });

  it('passes explicit settings to the SDK and keeps the token off the environment', async () => {
    const env: Record<string, string | undefined> = {};
    const config = createRemoteConfig({ host: 'https://dbc-1.cloud.databricks.com/some/page', token: 'dapi-secret', authType: 'pat', env });
    const origin = await resolveRemoteConfig(config);
    assert.equal(origin.origin, 'https://dbc-1.cloud.databricks.com');
    assert.equal(config.authType, 'pat');
    assert.deepEqual(env, {}, 'the settings env is copied, never written');
    assert.equal(process.env.DATABRICKS_TOKEN === 'dapi-secret', false);
    const headers = new Headers();
    await config.authenticate(headers);
    assert.equal(headers.get('authorization'), 'Bearer dapi-secret');
  });

  it('a host from the environment is checked on resolution', async () => {
    const config = createRemoteConfig({ env: { DATABRICKS_HOST: 'https://bad host', DATABRICKS_TOKEN: 't' }, configFile: '/nonexistent/cfg' });
    await assert.rejects(resolveRemoteConfig(config), (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.kind, 'invalid');
      assert.match(error.message, /"https:\/\/bad host"/);
      return true;
    });
  });

  it('no host anywhere is a clear invalid error', async () => {
    const config = createRemoteConfig({ token: 't', authType: 'pat', env: {}, configFile: '/nonexistent/cfg' });
    await assert.rejects(resolveRemoteConfig(config), (error: unknown) => error instanceof RemoteError && error.kind === 'invalid' && /no workspace host/.test(error.message));
  });
});
