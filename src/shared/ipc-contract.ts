// The one renderer <-> main contract (ARCHITECTURE.md §2, §6): invoke channels `area:verb` with
// their request and response types and a run-time check for every request, push events
// `area:noun`, the per-workspace supervisor state, and the type of `window.api` the preload builds
// from the two name tables below. Tokens go renderer -> main only (`token:set`, `workspace:add`);
// no response or event ever carries one. Pure types and pure functions: no runtime imports.
import type { CacheUsage, TransferSummary } from './cache-usage';
import type { TransferProgressEvent } from './engine-protocol';
import type { Problem } from './problem';
import {
  checkAuth,
  checkCacheLimit,
  checkHost,
  checkMountPoint,
  checkName,
  checkRemotePath,
  checkTtl,
  checkUploadMode,
  type GeneralSettings,
  type WorkspaceAuth,
  type WorkspaceSettings,
} from './settings';
import { absolutePath, flag, literal, nonBlank, nothing, object, refine, text, variant, type Check } from './value-checks';

// ---------------------------------------------------------------------------------------------
// State the renderer sees.

/**
 * The supervisor's state of one workspace (a discriminated union on `kind`). Transitions:
 * stopped -> starting -> mounted -> stopping -> stopped; starting|mounted -> failed (engine crash or
 * mount error; `retryAt` set while an automatic restart is pending); starting|mounted ->
 * needs-sign-in (token missing, wrong or expired: no automatic retry until `token:set`; a mounted
 * workspace whose token is refused stays mounted — files read before stay readable, saves wait —
 * and its needs-sign-in carries the `mountPoint` it still serves).
 */
export type WorkspaceState =
  | { kind: 'stopped' }
  /** An engine is being started or is mounting; `attempt` counts restarts after crashes (1 = first). */
  | { kind: 'starting'; attempt: number }
  /** Mounted and serving; `since` is epoch ms. */
  | { kind: 'mounted'; mountPoint: string; since: number }
  /** Flushing uploads and unmounting; `quitting` when the app is quitting. */
  | { kind: 'stopping'; quitting: boolean }
  /** The mount failed or the engine died; `code` is machine-readable (docs/protocol.md codes, or `engine-crashed`). */
  | { kind: 'failed'; code: string; message: string; fix?: string; retryAt?: number; attempts: number }
  /** The workspace refused the credentials, or there is no token yet; `mountPoint` while the engine still serves the mount. */
  | { kind: 'needs-sign-in'; message: string; mountPoint?: string };

/** Every WorkspaceState kind. */
export const WORKSPACE_STATE_KINDS: readonly WorkspaceState['kind'][] = ['stopped', 'starting', 'mounted', 'stopping', 'failed', 'needs-sign-in'];

/** Where the workspace is mounted right now (mounted, or signed out while still serving the mount); otherwise undefined. */
export function liveMountPoint(state: WorkspaceState): string | undefined {
  if (state.kind === 'mounted') return state.mountPoint;
  if (state.kind === 'needs-sign-in') return state.mountPoint;
  return undefined;
}

/** One workspace as the renderer shows it. */
export interface WorkspaceView {
  settings: WorkspaceSettings;
  state: WorkspaceState;
  /** A token for this workspace is in the keychain (the token itself never leaves main). */
  hasToken: boolean;
}

/** Cache usage and transfer totals of one running workspace at one moment. */
export interface UsageSample {
  workspaceId: string;
  /** Epoch ms. */
  at: number;
  cache: CacheUsage;
  transfers: TransferSummary;
}

/** Progress of one transfer of one workspace (the engine's `transfer:progress`, tagged with its workspace). */
export type TransferView = Omit<TransferProgressEvent, 'kind'> & { workspaceId: string };

/** A problem the user has not dismissed yet. */
export interface AppProblem {
  /** Unique for the app's run (`p-…`). */
  id: string;
  /** The workspace concerned, if any. */
  workspaceId?: string;
  /** Epoch ms. */
  at: number;
  problem: Problem;
}

/** Everything the renderer needs to draw its first frame. */
export interface AppState {
  workspaces: WorkspaceView[];
  settings: GeneralSettings;
  problems: AppProblem[];
  /** No workspace configured yet: show the first-run screen. */
  firstRun: boolean;
  /** The app is quitting (engines are finishing uploads). */
  quitting: boolean;
  /** `process.platform` of main (`darwin`, `linux`, `win32`), for wording like Finder vs Files. */
  platform: string;
  /** The app's version. */
  version: string;
}

/** Result of `workspace:test-connection`. */
export type ConnectionTest =
  /** The workspace accepted the credentials; who you are there. */
  | { ok: true; userName: string; displayName?: string; host: string }
  /** `code`: `bad-host`, `no-token`, `unauthenticated`, `permission`, `unreachable`, `bad-profile`, `unexpected`. */
  | { ok: false; code: string; message: string; fix?: string };

/** Where the app is while quitting. */
export interface QuitProgress {
  phase: 'finishing-uploads' | 'done';
  /** Workspaces still flushing and unmounting. */
  workspacesRemaining: number;
}

// ---------------------------------------------------------------------------------------------
// Invoke channels (renderer -> main, one response each).

/** A workspace as entered in the add / edit form; `mountPoint` defaults to `~/Databricks/<name>`. */
export interface WorkspaceDraft {
  name: string;
  host: string;
  auth: WorkspaceAuth;
  remotePath: string;
  mountPoint?: string;
  autoMount?: boolean;
}

/** What `workspace:test-connection` checks: a saved workspace, or a draft (with the token typed so far). */
export type ConnectionTarget = { kind: 'saved'; workspaceId: string } | { kind: 'draft'; host: string; auth: WorkspaceAuth; token?: string };

/** Every invoke channel with its request and response. A `void` request means "call without an argument". */
export interface InvokeChannels {
  /** Snapshot of everything (first frame, or after the window reopens). */
  'app:get-state': { request: void; response: AppState };
  /** Mounts; resolves once the state settled (mounted, failed or needs-sign-in). */
  'mount:start': { request: { workspaceId: string }; response: WorkspaceView };
  /** Flushes uploads and unmounts; resolves once stopped. */
  'mount:stop': { request: { workspaceId: string }; response: WorkspaceView };
  /**
   * Opens the mount point in Finder / the file manager (only while mounted) — or, with `path` (a
   * mount-relative file such as a conflict copy, `/dir/name`), the folder holding that file.
   */
  'folder:open': { request: { workspaceId: string; path?: string }; response: void };
  /** Copies the mount point path to the clipboard. */
  'folder:copy-path': { request: { workspaceId: string }; response: void };
  /** Adds a workspace; a `token` goes straight to the keychain. */
  'workspace:add': { request: { draft: WorkspaceDraft; token?: string }; response: WorkspaceView };
  /** Changes a workspace (only the given fields). A mounted workspace applies them at the next mount. */
  'workspace:update': { request: { workspaceId: string; patch: Partial<WorkspaceDraft> }; response: WorkspaceView };
  /** Unmounts if needed, removes the workspace and its token from the keychain. */
  'workspace:remove': { request: { workspaceId: string }; response: void };
  /** Calls the workspace's current-user endpoint with the given credentials. */
  'workspace:test-connection': { request: { target: ConnectionTarget }; response: ConnectionTest };
  /** The default mount point for a workspace name (`~/Databricks/<name>`, made unique). */
  'workspace:suggest-mount-point': { request: { name: string }; response: string };
  /** Stores a token in the keychain (and hands it to a running engine that needs sign-in). */
  'token:set': { request: { workspaceId: string; token: string }; response: WorkspaceView };
  /** Current general settings. */
  'settings:get': { request: void; response: GeneralSettings };
  /** Changes general settings (only the given fields); cache on/off reaches running engines at once. */
  'settings:update': { request: { patch: SettingsPatch }; response: GeneralSettings };
  /** Drops clean cache entries of one workspace, or of every running one. */
  'cache:clear': { request: { workspaceId?: string }; response: void };
  /** Usage samples of the last minutes (oldest first), for the chart's first frame. */
  'cache:get-history': { request: void; response: UsageSample[] };
  /** Adds the built-in demo workspace (or returns the existing one). */
  'demo:add': { request: void; response: WorkspaceView };
  /** Dismisses a problem. */
  'problem:dismiss': { request: { problemId: string }; response: void };
  /** Opens the folder with the engine logs. */
  'log:open': { request: void; response: void };
}

/** `settings:update` patch: any subset; `cache` fields merge; `cache.location: null` restores the default. */
export interface SettingsPatch {
  cache?: { enabled?: boolean; limitBytes?: number; location?: string | null };
  metadataTtlSeconds?: number;
  uploadMode?: GeneralSettings['uploadMode'];
  launchAtLogin?: boolean;
}

/** An invoke channel name. */
export type InvokeChannel = keyof InvokeChannels;
/** The request of channel C. */
export type RequestOf<C extends InvokeChannel> = InvokeChannels[C]['request'];
/** The response of channel C. */
export type ResponseOf<C extends InvokeChannel> = InvokeChannels[C]['response'];

/** What main sends back for every invoke (the preload turns `ok: false` into a rejected promise). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** An invoke's failure. `code`: `invalid-argument`, `not-found`, `forbidden`, `busy`, `failed`. */
export interface IpcError {
  code: 'invalid-argument' | 'not-found' | 'forbidden' | 'busy' | 'failed';
  /** For the user: names the problem and the fix (an `invalid-argument` starts with the field path). */
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Push events (main -> renderer).

/** Every push event with its payload. */
export interface PushEvents {
  /** A workspace's supervisor state changed. */
  'mount:state': { workspaceId: string; state: WorkspaceState };
  /** The workspace list changed (added, edited, removed, token stored). */
  'workspace:list': { workspaces: WorkspaceView[] };
  /** General settings changed. */
  'settings:value': { settings: GeneralSettings };
  /** Cache usage of a running workspace, at most once a second per workspace. */
  'cache:usage': UsageSample;
  /** Progress of one transfer. */
  'transfer:progress': TransferView;
  /** A new problem. */
  'problem:raised': AppProblem;
  /** A problem went away (dismissed, or its workspace recovered). */
  'problem:cleared': { problemId: string };
  /** Quit progress ("finishing uploads"). */
  'quit:progress': QuitProgress;
  /** The tray asked to show a view (Settings…); also in the page hash (`index.html#settings`) when the window opens. */
  'window:view': { view: AppView };
}

/** The window's top-level views. */
export type AppView = 'status' | 'cache' | 'settings';

/** A push event name. */
export type PushEvent = keyof PushEvents;

// ---------------------------------------------------------------------------------------------
// window.api: the name tables the preload builds it from, and its type.

/** `window.api` method name -> invoke channel. */
export const API_METHODS = {
  getState: 'app:get-state',
  startMount: 'mount:start',
  stopMount: 'mount:stop',
  openFolder: 'folder:open',
  copyMountPath: 'folder:copy-path',
  addWorkspace: 'workspace:add',
  updateWorkspace: 'workspace:update',
  removeWorkspace: 'workspace:remove',
  testConnection: 'workspace:test-connection',
  suggestMountPoint: 'workspace:suggest-mount-point',
  setToken: 'token:set',
  getSettings: 'settings:get',
  updateSettings: 'settings:update',
  clearCache: 'cache:clear',
  getCacheHistory: 'cache:get-history',
  addDemo: 'demo:add',
  dismissProblem: 'problem:dismiss',
  openLog: 'log:open',
} as const satisfies Record<string, InvokeChannel>;

/** `window.api` listener name -> push event. */
export const API_EVENTS = {
  onMountState: 'mount:state',
  onWorkspaceList: 'workspace:list',
  onSettings: 'settings:value',
  onCacheUsage: 'cache:usage',
  onTransferProgress: 'transfer:progress',
  onProblemRaised: 'problem:raised',
  onProblemCleared: 'problem:cleared',
  onQuitProgress: 'quit:progress',
  onShowView: 'window:view',
} as const satisfies Record<string, PushEvent>;

type Methods = typeof API_METHODS;
type Events = typeof API_EVENTS;

/** The renderer's `window.api`: functions only. Invokes reject with an Error whose message is for the user. */
export type WsfsApi = {
  readonly [M in keyof Methods]: RequestOf<Methods[M]> extends void
    ? () => Promise<ResponseOf<Methods[M]>>
    : (request: RequestOf<Methods[M]>) => Promise<ResponseOf<Methods[M]>>;
} & {
  /** Subscribes; returns the unsubscribe function. */
  readonly [E in keyof Events]: (listener: (payload: PushEvents[Events[E]]) => void) => () => void;
};

/** Every invoke channel (the keys of InvokeChannels). */
export const INVOKE_CHANNELS: readonly InvokeChannel[] = Object.values(API_METHODS);
/** Every push event. */
export const PUSH_EVENTS: readonly PushEvent[] = Object.values(API_EVENTS);

// ---------------------------------------------------------------------------------------------
// Run-time checks of every request (main runs them before any handler sees the argument).

const workspaceId: Check<string> = refine(nonBlank(64), (v) => (/^[\w-]+$/.test(v) ? undefined : 'a workspace id'));
/** A token as typed: trimmed, no whitespace inside, 8..4096 characters. */
const checkToken: Check<string> = refine(nonBlank(4096), (v) => (/^\S{8,}$/.test(v) ? undefined : 'a token of at least 8 characters without spaces'));
const byWorkspace = object({ workspaceId });
/** A path inside a mount as the engine names it (`/dir/name`): no `.` or `..` segment, no NUL. */
const mountRelativePath: Check<string> = refine(text(4096), (v) =>
  v.startsWith('/') && v !== '/' && !v.includes('\0') && !v.split('/').some((s) => s === '.' || s === '..') ? undefined : 'a path inside the mount such as /folder/name (no . or .. segments)',
);
const draftFields = {
  name: checkName,
  host: (value: unknown, at: string) => (value === '' ? '' : checkHost(value, at)),
  auth: checkAuth,
  remotePath: checkRemotePath,
};
const draftOptional = { mountPoint: checkMountPoint, autoMount: flag };
const checkDraft: Check<WorkspaceDraft> = refine(object(draftFields, draftOptional), (d) =>
  d.auth.kind !== 'demo' && d.host === '' ? 'a host (the workspace URL) unless it is the demo workspace' : undefined,
);
const checkPatch: Check<Partial<WorkspaceDraft>> = object({}, { ...draftFields, ...draftOptional });
const checkSettingsPatch: Check<SettingsPatch> = object(
  {},
  {
    cache: object({}, { enabled: flag, limitBytes: checkCacheLimit, location: (v: unknown, at: string) => (v === null ? null : absolutePath(v, at)) }),
    metadataTtlSeconds: checkTtl,
    uploadMode: checkUploadMode,
    launchAtLogin: flag,
  },
);
const checkTarget: Check<ConnectionTarget> = variant({
  saved: object({ kind: literal('saved'), workspaceId }),
  draft: object({ kind: literal('draft'), host: checkHost, auth: checkAuth }, { token: checkToken }),
});

/** The check of each channel's request. */
export const REQUEST_CHECKS: { readonly [C in InvokeChannel]: Check<RequestOf<C>> } = {
  'app:get-state': nothing,
  'mount:start': byWorkspace,
  'mount:stop': byWorkspace,
  'folder:open': object({ workspaceId }, { path: mountRelativePath }),
  'folder:copy-path': byWorkspace,
  'workspace:add': object({ draft: checkDraft }, { token: checkToken }),
  'workspace:update': object({ workspaceId, patch: checkPatch }),
  'workspace:remove': byWorkspace,
  'workspace:test-connection': object({ target: checkTarget }),
  'workspace:suggest-mount-point': object({ name: checkName }),
  'token:set': object({ workspaceId, token: checkToken }),
  'settings:get': nothing,
  'settings:update': object({ patch: checkSettingsPatch }),
  'cache:clear': object({}, { workspaceId }),
  'cache:get-history': nothing,
  'demo:add': nothing,
  'problem:dismiss': object({ problemId: nonBlank(64) }),
  'log:open': nothing,
};

/** True if `channel` is one of ours. */
export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(REQUEST_CHECKS, channel);
}

/** Checks a request for `channel`; throws TypeError naming the bad field (`workspace:add.draft.host: …`). */
export function checkRequest<C extends InvokeChannel>(channel: C, value: unknown): RequestOf<C> {
  return (REQUEST_CHECKS[channel] as Check<RequestOf<C>>)(value, channel);
}
