// A SecretStore in process memory, for tests and for the UI tests' Node controller (where a
// desktop keychain may be absent). Never used by the app itself.
import type { SecretStore } from './secret-store';

/** Tokens in a Map; gone when the process ends. */
export class MemorySecretStore implements SecretStore {
  private readonly tokens = new Map<string, string>();

  async get(workspaceId: string): Promise<string | undefined> {
    return this.tokens.get(workspaceId);
  }

  async set(workspaceId: string, token: string): Promise<void> {
    this.tokens.set(workspaceId, token);
  }

  async delete(workspaceId: string): Promise<boolean> {
    return this.tokens.delete(workspaceId);
  }
}
