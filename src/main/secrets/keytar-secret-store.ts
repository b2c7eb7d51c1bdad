// The SecretStore of the app: the OS keychain through keytar (macOS Keychain, the Secret Service —
// GNOME Keyring, KWallet — on Linux, Windows Credential Vault), service `wsfs`, account = workspace
// id. The only importer of keytar. Turns keychain failures into errors that say what to do; never
// puts a token in an error message or a log.
import keytar from 'keytar';
import { SECRET_SERVICE, type SecretStore } from './secret-store';

/** Tokens in the OS keychain. */
export class KeytarSecretStore implements SecretStore {
  constructor(private readonly service = SECRET_SERVICE) {}

  async get(workspaceId: string): Promise<string | undefined> {
    const token = await this.call('read', () => keytar.getPassword(this.service, workspaceId));
    return token ?? undefined;
  }

  async set(workspaceId: string, token: string): Promise<void> {
    await this.call('store', () => keytar.setPassword(this.service, workspaceId, token));
  }

  async delete(workspaceId: string): Promise<boolean> {
    return this.call('delete', () => keytar.deletePassword(this.service, workspaceId));
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot ${what} the token in the system keychain (${reason}); ` +
          (process.platform === 'linux'
            ? 'start and unlock a Secret Service keyring (GNOME Keyring or KWallet) and try again'
            : 'unlock the keychain and try again'),
      );
    }
  }
}
