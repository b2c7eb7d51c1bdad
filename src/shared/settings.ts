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

const HOST_PATTERN = /^(https?):\/\/([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[::1\])(:\d{1,5})?\/?$/i;

/** An example workspace URL, for messages. */
const EXAMPLE_HOST = 'https://adb-1234567890123456.7.azuredatabricks.net';

/**
 * `null` when `host` is a usable workspace URL (an origin), else what is expected instead, worded
 * to follow "expected " or "Enter " and naming the fix (the URL to type, where one can be guessed).
 */
export function hostProblem(host: string): string | null {
  const text = host.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // No scheme: "dbc-1234.cloud.databricks.com" is a host name without https:// in front.
    const bare = /^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}(:\d{1,5})?\/?$/.test(text);
    return bare ? `a URL starting with https://, e.g. https://${text.replace(/\/$/, '')}` : `a workspace URL such as ${EXAMPLE_HOST}`;
  }
  if (scheme !== 'https' && scheme !== 'http') return `an https:// URL (not ${scheme}://), e.g. ${EXAMPLE_HOST}`;
  const match = HOST_PATTERN.exec(text);
  if (match === null) {
    const origin = /^https?:\/\/[^/?#@]+/i.exec(text)?.[0];
    if (origin !== undefined && HOST_PATTERN.test(origin)) return `only the workspace origin, ${origin} (no path, query or #fragment)`;
    if (/^https?:\/\/[^/]*@/i.test(text)) return 'a workspace URL without a user name or password (the token goes in the token field)';
    return `a workspace URL such as ${EXAMPLE_HOST}`;
  }
  const [, matchedScheme, name = '', port] = match;
  if (port !== undefined) {
    const number = Number(port.slice(1));
    if (number < 1 || number > 65535) return `a port from 1 to 65535 (not ${number}), or no port`;
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(name.toLowerCase());
  if (matchedScheme?.toLowerCase() === 'http' && !loopback) return `an https:// URL (http:// only for 127.0.0.1), e.g. https://${text.slice(7).replace(/\/$/, '')}`;
  return null;
}

/**
 * `null` when `path` can be a mount point as far as its text goes (main also checks overlaps and
 * the home folder), else what is expected instead, worded like hostProblem.
 */
export function mountPointProblem(path: string): string | null {
  const text = path.trim();
  if (text === '') return 'the folder to mount on, e.g. /home/you/Databricks/Analytics';
  if (text.includes('\0')) return 'a folder path without NUL characters';
  if (text === '~' || text.startsWith('~/')) return `a full path: ~ is not expanded here, write the home folder out (e.g. /home/you${text.slice(1)})`;
  if (!text.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(text)) return `a full path starting with /, e.g. /home/you/${text.replace(/^\.\//, '')}`;
  if (text.split(/[\\/]/).some((part) => part === '..' || part === '.')) return 'a folder path without . or .. segments';
  return null;
}

/** `null` when `name` can name a `~/.databrickscfg` profile, else what is expected. */
export function profileProblem(name: string): string | null {
  return /^[\w.@-]+$/.test(name) ? null : 'the name of a profile in ~/.databrickscfg (letters, digits, . _ - @)';
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

/** A local folder to mount on. */
export const checkMountPoint: Check<string> = refine(nonBlank(4096), (v) => mountPointProblem(v) ?? undefined);

/** A workspace path for the mount root. */
export const checkRemotePath: Check<string> = refine(nonBlank(4096), (v) => remotePathProblem(v) ?? undefined);

/** A workspace display name. */
export const checkName: Check<string> = nonBlank(SETTINGS_LIMITS.maxNameLength);

/** A `~/.databrickscfg` profile name. */
export const checkProfile: Check<string> = refine(nonBlank(200), (v) => profileProblem(v) ?? undefined);

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
    mountPoint: checkMountPoint,
    autoMount: flag,
  }),
  (w) => (w.auth.kind !== 'demo' && w.host === '' ? 'a host for every workspace except the demo' : undefined),
);
