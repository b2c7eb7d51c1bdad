// The settings file through electron-store v8 (the last CommonJS major; v9+ are ESM-only and this
// project is CommonJS): a JSON schema for the top-level layout, conf's migration runner keyed by
// settings version, then the strict checks of shared/settings.ts. A file that cannot be read is
// set aside (never deleted) and replaced by defaults, with a problem for the UI. The file is read
// once, at open; this store is its only writer, so reads (several per push event: the tray renders
// on every event) come from memory. The only importer of electron-store; it decides nothing about
// workspaces or tokens.
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Store from 'electron-store';
import {
  checkGeneralSettings,
  checkWorkspaceSettings,
  DEFAULT_GENERAL_SETTINGS,
  SETTINGS_LIMITS,
  SETTINGS_VERSION,
  type AppSettings,
} from '../../shared/settings';
import { list } from '../../shared/value-checks';
import { SETTINGS_MIGRATIONS } from './settings-migrations';
import type { SettingsStore } from './settings-store';

/** JSON schema of the top-level keys, loose enough for every older layout (migrations run after it). */
const SCHEMA = {
  version: { type: 'integer', minimum: 1 },
  workspaces: {
    type: 'array',
    maxItems: SETTINGS_LIMITS.maxWorkspaces,
    items: { type: 'object', required: ['id', 'mountPoint'], properties: { id: { type: 'string' }, mountPoint: { type: 'string' } } },
  },
  cache: { type: 'object', properties: { enabled: { type: 'boolean' }, limitBytes: { type: 'integer', minimum: 0 }, location: { type: 'string' } } },
  metadataTtlSeconds: { type: 'integer', minimum: 0 },
  uploadMode: { enum: ['sync', 'background'] },
  launchAtLogin: { type: 'boolean' },
} as const;

type Json = Record<string, unknown>;

/** Where and how to open the settings file. */
export interface ElectronSettingsStoreOptions {
  /** Folder of the file (the app passes Electron's `userData` folder). */
  cwd: string;
  /** File name without `.json` (default `settings`). */
  name?: string;
  /** Epoch ms for the name of a set-aside file (default now). */
  now?: () => number;
}

/** AppSettings in a JSON file managed by electron-store. */
export class ElectronSettingsStore implements SettingsStore {
  readonly path: string;
  readonly openingProblem: string | undefined;
  private readonly store: Store<Json>;
  /** The checked settings: set at open, replaced only by `write` after the file took them. */
  private current: AppSettings;

  constructor(options: ElectronSettingsStoreOptions) {
    let problem: string | undefined;
    let store: Store<Json>;
    let current: AppSettings;
    ElectronSettingsStore.refuseNewer(ElectronSettingsStore.pathOf(options));
    try {
      store = ElectronSettingsStore.open(options);
      current = ElectronSettingsStore.checked(store.store);
    } catch (error) {
      const path = ElectronSettingsStore.pathOf(options);
      const aside = `${path}.unreadable-${(options.now ?? Date.now)()}`;
      try {
        renameSync(path, aside);
      } catch {
        // Nothing to set aside (the error was not about the file's content).
      }
      problem = `The settings file could not be read (${(error as Error).message}); it was kept as ${aside} and wsfs started with default settings. Add your workspaces again, or fix the file and restart wsfs.`;
      store = ElectronSettingsStore.open(options);
      current = ElectronSettingsStore.checked(store.store);
    }
    this.store = store;
    this.current = current;
    this.path = store.path;
    this.openingProblem = problem;
  }

  read(): AppSettings {
    return structuredClone(this.current);
  }

  write(settings: AppSettings): void {
    const checked = ElectronSettingsStore.checked(settings as unknown as Json);
    this.store.set(checked as unknown as Json);
    this.current = checked;
  }

  private static open(options: ElectronSettingsStoreOptions): Store<Json> {
    const defaults: Json = { version: SETTINGS_VERSION, workspaces: [], ...structuredClone(DEFAULT_GENERAL_SETTINGS) };
    const migrations: Record<string, (store: { store: Json }) => void> = {};
    for (const [version, migrate] of Object.entries(SETTINGS_MIGRATIONS)) {
      migrations[version] = (store) => {
        const { __internal__: internal, ...rest } = store.store;
        store.store = { ...migrate(rest), ...(internal !== undefined && { __internal__: internal }) };
      };
    }
    // electron-store's typings hide conf's `projectVersion` (it defaults to the app's version); its code
    // passes it on. Keying migrations by the settings version keeps them independent of app releases.
    const storeOptions = {
      name: options.name ?? 'settings',
      cwd: options.cwd,
      projectVersion: `${SETTINGS_VERSION}.0.0`,
      schema: SCHEMA,
      defaults,
      migrations,
      clearInvalidConfig: false,
    };
    return new Store<Json>(storeOptions as unknown as Store.Options<Json>);
  }

  /** Throws NewerSettingsError before electron-store writes anything into a newer layout. */
  private static refuseNewer(path: string): void {
    let version: unknown;
    try {
      version = (JSON.parse(readFileSync(path, 'utf8')) as Json)['version'];
    } catch {
      return; // Missing or unreadable: handled by the normal path.
    }
    if (typeof version === 'number' && version > SETTINGS_VERSION) throw new NewerSettingsError(version);
  }

  private static pathOf(options: ElectronSettingsStoreOptions): string {
    return join(options.cwd, `${options.name ?? 'settings'}.json`);
  }

  /** The strict view of the file's content; throws TypeError naming the bad field. */
  private static checked(raw: Json): AppSettings {
    const general = checkGeneralSettings(raw, 'settings');
    const workspaces = list(checkWorkspaceSettings, SETTINGS_LIMITS.maxWorkspaces)(raw['workspaces'], 'settings.workspaces');
    const ids = new Set(workspaces.map((w) => w.id));
    if (ids.size !== workspaces.length) throw new TypeError('settings.workspaces: expected unique ids');
    return { version: SETTINGS_VERSION, workspaces, ...general };
  }
}

/** The file was written by a newer wsfs; it is left alone. */
export class NewerSettingsError extends Error {
  constructor(version: number) {
    super(`the settings file has layout version ${version}, newer than this wsfs understands (${SETTINGS_VERSION}); update wsfs, or move the file away to start afresh`);
    this.name = 'NewerSettingsError';
  }
}
