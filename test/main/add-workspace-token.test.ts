// `workspace:add` with a token when the settings cannot take the workspace (here: the limit of
// workspaces is reached): the add fails with a message naming the limit, and the token it came with
// is not left behind in the keychain under the id of a workspace that does not exist.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemorySecretStore } from '../../src/main/secrets/memory-secret-store';
import { SETTINGS_LIMITS } from '../../src/shared/settings';
import { startAppController, type AppFixture } from '../support/app-controller-fixture';

/** A MemorySecretStore that tells which workspace ids hold a token. */
class ListingSecretStore extends MemorySecretStore {
  readonly ids = new Set<string>();
  override async set(workspaceId: string, token: string): Promise<void> {
    this.ids.add(workspaceId);
    await super.set(workspaceId, token);
  }
  override async delete(workspaceId: string): Promise<boolean> {
    this.ids.delete(workspaceId);
    return super.delete(workspaceId);
  }
}

describe('workspace:add with a token that cannot be saved', () => {
  const secrets = new ListingSecretStore();
  let app: AppFixture;
  before(async () => {
    app = await startAppController({ secrets, start: false });
  });
  after(async () => {
    await app.stop();
  });

  it('leaves no token in the keychain when the settings refuse the workspace', async () => {
    const auth = { kind: 'token' as const };
    for (let i = 0; i < SETTINGS_LIMITS.maxWorkspaces; i++) {
      await app.invoke('workspace:add', { draft: { name: `ws ${i}`, host: 'https://example.cloud.databricks.com', auth, remotePath: '/' } });
    }
    await assert.rejects(
      app.invoke('workspace:add', { draft: { name: 'one too many', host: 'https://example.cloud.databricks.com', auth, remotePath: '/' }, token: 'dapi-a-token-that-must-not-linger' }),
      /workspaces/,
    );
    assert.equal(app.controller.state().workspaces.length, SETTINGS_LIMITS.maxWorkspaces);
    assert.deepEqual([...secrets.ids], []);
  });
});
