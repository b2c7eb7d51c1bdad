// The app's settings as main stores them and the renderer edits them: workspaces (never with a
// token: tokens live in the keychain only), the content cache, metadata TTL, upload mode and
// launch at login; plus the run-time checks for settings read from disk or sent by the renderer.
// Pure types and pure functions; the store, its schema file and its migrations live in main/settings.
import type { UploadMode } from './engine-protocol';
import { absolutePath, flag, integer, literal, nonBlank, object, refine, variant, type Check } from './value-checks';

/** Current version of the settings layout (main/settings migrates older files up to it). */
export const SETTINGS_VERSION = 2;

/** How the engine of a workspace authenticates. */
export type WorkspaceAuth =
  /** A personal access token kept in the OS keychain (service `wsfs`, account = workspace id). */
  | { kind: 'token' }
  /** A profile of `~/.databrickscfg`, resolved by the Databricks CLI / SDK inside the engine. */
  | { kind: 'profile'; profile: string }
  /** The built-in demo workspace (an emulator inside the engine process); no credentials. */
  | { kind: 'demo' };

/** One configured workspace. */
export interface WorkspaceSettings {
  /** Stable id chosen by main (`ws-…`); the keychain account of its token. */
  id: string;
  /** Display name. */
  name: string;
  /** Workspace URL, `https://…` (or `http://127.0.0.1:…` for a local emulator); empty for the demo. */
  host: string;
  auth: WorkspaceAuth;
  /** Workspace folder shown at the mount root: `/…`, or `~` / `~/…` for the user's home. */
  remotePath: string;
  /** Absolute local folder to mount on; defaults to `~/Databricks/<name>`. */
  mountPoint: string;
  /** Mount when the app starts. */
  autoMount: boolean;
}

/** Content-cache settings, shared by every workspace (each engine gets its own subfolder). */
export interface CacheSettings {
  enabled: boolean;
  /** Size limit in bytes for each workspace's cache. */
  limitBytes: number;
  /** Cache folder; undefined means the platform default (`~/.cache/wsfs` on Linux). */
  location?: string;
}

/** Everything except the workspace list: what `settings:get` / `settings:update` carry. */
export interface GeneralSettings {
  cache: CacheSettings;
  /** How long listings and attributes are trusted before asking the workspace again. */
  metadataTtlSeconds: number;
  /** `sync`: a close returns after the upload; `background`: at once, uploads continue. */
  uploadMode: UploadMode;
  /** Start the tray app when the user logs in. */
  launchAtLogin: boolean;
}

/** The whole settings file (current version). */
export interface AppSettings extends GeneralSettings {
  version: typeof SETTINGS_VERSION;
  workspaces: WorkspaceSettings[];
}

/** Limits the checks enforce (and the UI shows). */
export const SETTINGS_LIMITS = {
  /** 100 MiB. */
  minCacheBytes: 100 * 1024 * 1024,
  /** 1 TiB. */
  maxCacheBytes: 1024 ** 4,
  maxTtlSeconds: 24 * 3600,
  maxWorkspaces: 50,
  maxNameLength: 80,
} as const;

/** Defaults of a fresh install. */
export const DEFAULT_GENERAL_SETTINGS: GeneralSettings = {
  cache: { enabled: true, limitBytes: 5 * 1024 ** 3 },
  metadataTtlSeconds: 30,
  uploadMode: 'sync',
  launchAtLogin: false,
};

const HOST_PATTERN = /^(https?):\/\/([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[::1\])(:\d{1,5})?\/?$/;

/** `null` when `host` is a usable workspace URL (an origin), else what is expected instead. */
export function hostProblem(host: string): string | null {
  const match = HOST_PATTERN.exec(host.trim());
  if (match === null) {
    if (/^[a-z]+:\/\/[^/]+\/./i.test(host.trim())) return 'only the workspace origin, e.g. https://dbc-1234.cloud.databricks.com (no path)';
    return 'a workspace URL such as https://adb-1234567890123456.7.azuredatabricks.net';
  }
  const [, scheme, name = ''] = match;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(name.toLowerCase());
  if (scheme === 'http' && !loopback) return 'an https:// URL (http:// only for 127.0.0.1)';
  return null;
}

/** The canonical form of a valid host: lower-case, without a trailing slash. */
export function normaliseHost(host: string): string {
  return host.trim().replace(/\/$/, '').toLowerCase();
}

/** `null` when `path` is a valid workspace path for the mount root, else what is expected. */
export function remotePathProblem(path: string): string | null {
  if (!/^(\/|~$|~\/)/.test(path)) return 'a workspace path starting with / (or ~ for your home folder)';
  if (path.includes('\0') || path.split('/').some((part) => part === '..' || part === '.')) return 'a workspace path without . or .. segments';
  return null;
}

/** A mount point folder name derived from a workspace name (`~/Databricks/<this>`). */
export function mountFolderName(name: string): string {
  const cleaned = name.replace(/[/\\:*?"<>|\0]/g, '-').replace(/\s+/g, ' ').trim().replace(/^\.+/, '');
  return cleaned === '' ? 'workspace' : cleaned.slice(0, SETTINGS_LIMITS.maxNameLength);
}

// ---------------------------------------------------------------------------------------------
// Checks (used by main on IPC arguments and on the file read back from disk).

/** A workspace URL. */
export const checkHost: Check<string> = refine(nonBlank(2048), (v) => hostProblem(v) ?? undefined);

/** A workspace path for the mount root. */
export const checkRemotePath: Check<string> = refine(nonBlank(4096), (v) => remotePathProblem(v) ?? undefined);

/** A workspace display name. */
export const checkName: Check<string> = nonBlank(SETTINGS_LIMITS.maxNameLength);

/** A `~/.databrickscfg` profile name. */
export const checkProfile: Check<string> = refine(nonBlank(200), (v) => (/^[\w.@-]+$/.test(v) ? undefined : 'a profile name of letters, digits, . _ - @'));

/** WorkspaceAuth. */
export const checkAuth: Check<WorkspaceAuth> = variant({
  token: object({ kind: literal('token') }),
  profile: object({ kind: literal('profile'), profile: checkProfile }),
  demo: object({ kind: literal('demo') }),
});

/** A cache size limit in bytes. */
export const checkCacheLimit: Check<number> = integer(SETTINGS_LIMITS.minCacheBytes, SETTINGS_LIMITS.maxCacheBytes);

/** A metadata TTL in seconds. */
export const checkTtl: Check<number> = integer(0, SETTINGS_LIMITS.maxTtlSeconds);

/** An upload mode. */
export const checkUploadMode: Check<UploadMode> = literal('sync', 'background');

/** CacheSettings. */
export const checkCacheSettings: Check<CacheSettings> = object({ enabled: flag, limitBytes: checkCacheLimit }, { location: absolutePath });

/** GeneralSettings. */
export const checkGeneralSettings: Check<GeneralSettings> = object({
  cache: checkCacheSettings,
  metadataTtlSeconds: checkTtl,
  uploadMode: checkUploadMode,
  launchAtLogin: flag,
});

/** WorkspaceSettings (as stored; the id is checked for shape only). */
export const checkWorkspaceSettings: Check<WorkspaceSettings> = refine(
  object({
    id: refine(nonBlank(64), (v) => (/^[\w-]+$/.test(v) ? undefined : 'an id of letters, digits, _ and -')),
    name: checkName,
    host: (value, at) => (value === '' ? '' : checkHost(value, at)),
    auth: checkAuth,
    remotePath: checkRemotePath,
    mountPoint: absolutePath,
    autoMount: flag,
  }),
  (w) => (w.auth.kind !== 'demo' && w.host === '' ? 'a host for every workspace except the demo' : undefined),
);
