// The role "keeps workspace tokens": main's only way to store, read and delete a token. Tokens are
// keyed by workspace id; implementations: KeytarSecretStore (the OS keychain, the app) and
// MemorySecretStore (tests and the UI tests' controller). No caching, no logging of values.

/** The keychain service name every token is stored under. */
export const SECRET_SERVICE = 'wsfs';

/** Stores workspace tokens. Errors carry a message naming the keychain problem and its fix. */
export interface SecretStore {
  /** The token of a workspace, or undefined when none is stored. */
  get(workspaceId: string): Promise<string | undefined>;
  /** Stores (or replaces) the token of a workspace. */
  set(workspaceId: string, token: string): Promise<void>;
  /** Deletes the token of a workspace; true if one was stored. */
  delete(workspaceId: string): Promise<boolean>;
}
