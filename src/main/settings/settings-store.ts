// The role "keeps the settings file": read the whole current-version settings, write them back.
// The one implementation is ElectronSettingsStore (electron-store, schema and migrations); the app
// controller owns every decision about what changes. Tokens are never part of settings.
import type { AppSettings } from '../../shared/settings';

/** Reads and writes AppSettings. */
export interface SettingsStore {
  /** Absolute path of the settings file. */
  readonly path: string;
  /** The current settings (a fresh copy). */
  read(): AppSettings;
  /** Replaces the settings; throws if they do not pass the checks (nothing is written then). */
  write(settings: AppSettings): void;
  /** A problem met while opening the file (e.g. a corrupt file set aside), for the UI; undefined if none. */
  readonly openingProblem: string | undefined;
}
