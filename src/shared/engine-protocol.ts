// The one main <-> engine contract (ARCHITECTURE.md §1): commands from main (or the CLI) to the
// engine process, replies, and events the engine pushes. Includes the runtime validators both
// sides run on every incoming message and `redactSecrets` for anything that will be logged.
// The token travels only in an `engine:set-credentials` command, never on argv, in the
// environment or in a log. Pure types and pure functions: no runtime imports.
import type { CacheUsage, EngineStats, TransferSummary } from './cache-usage';
import type { MountState } from './mount-state';
import type { Problem } from './problem';
import { assertNever } from './assert-never';

/** Version of this protocol; `engine:ready` carries it so main can refuse a mismatched engine. */
export const ENGINE_PROTOCOL_VERSION = 1;

/** Correlates a command with its `engine:reply`. Chosen by the sender, unique per connection. */
export type CommandId = number;

/** How the engine authenticates. `auto` lets the SDK resolve (profile, DATABRICKS_* variables). */
export type AuthType = 'pat' | 'databricks-cli' | 'auto';

/** When a close returns: after the upload committed (`sync`), or at once with the journal uploading. */
export type UploadMode = 'sync' | 'background';

/** Log levels, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Log levels in order of severity (index 0 is the most severe). */
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

// ---------------------------------------------------------------------------------------------
// Commands (main -> engine). Names are `area:verb` (ARCHITECTURE.md §6).

/**
 * Hands the engine the token for `authType: 'pat'` (and replaces it after a needs-sign-in).
 * Kept out of `engine:mount` so a token can be renewed without remounting and so exactly one
 * message kind, with exactly one field, ever carries a secret.
 */
export interface SetCredentialsCommand {
  kind: 'engine:set-credentials';
  id: CommandId;
  token: string;
}

/** Mounts the workspace. With `authType: 'pat'` an `engine:set-credentials` must come first. */
export interface MountCommand {
  kind: 'engine:mount';
  id: CommandId;
  /** Absolute local directory to mount on. */
  mountPoint: string;
  /**
   * Workspace path shown at the mount's root, e.g. `/` or `/Users/me@example.com`; `~` (or `~/sub`)
   * is the credential's home folder `/Users/<current user>`, resolved by the engine.
   */
  remotePath: string;
  /** Workspace URL; absent means "from the profile or the environment". */
  host?: string;
  /** `~/.databrickscfg` profile name. */
  profile?: string;
  authType: AuthType;
  /** Content cache directory; absent means the platform default. */
  cacheDir?: string;
  cacheEnabled: boolean;
  /** Cache size limit in bytes; absent means the default (5 GiB). */
  cacheLimitBytes?: number;
  /** Free space the cache leaves on its disk, in bytes; absent means the default (512 MiB). */
  cacheMinFreeBytes?: number;
  /** Metadata TTL in seconds. */
  ttlSeconds: number;
  uploadMode: UploadMode;
  /** Log each operation, cache hits and misses and remote requests. */
  debug: boolean;
}

/** Flushes pending uploads, then unmounts. */
export interface UnmountCommand {
  kind: 'engine:unmount';
  id: CommandId;
}

/** Asks for an `engine:stats` event now (sent before the reply). */
export interface GetStatsCommand {
  kind: 'engine:get-stats';
  id: CommandId;
}

/** Switches the content cache on or off without remounting. */
export interface SetCacheEnabledCommand {
  kind: 'cache:set-enabled';
  id: CommandId;
  enabled: boolean;
}

/** Drops every clean cache entry; dirty data is kept. */
export interface ClearCacheCommand {
  kind: 'cache:clear';
  id: CommandId;
}

/** A command from main to the engine. */
export type EngineCommand =
  | SetCredentialsCommand
  | MountCommand
  | UnmountCommand
  | GetStatsCommand
  | SetCacheEnabledCommand
  | ClearCacheCommand;

/** Every command kind. */
export const ENGINE_COMMAND_KINDS: readonly EngineCommand['kind'][] = [
  'engine:set-credentials',
  'engine:mount',
  'engine:unmount',
  'engine:get-stats',
  'cache:set-enabled',
  'cache:clear',
];

// ---------------------------------------------------------------------------------------------
// Events (engine -> main). Names are `area:noun`.

/** A command's error: `code` is machine-readable (e.g. an FsError or RemoteError kind). */
export interface ReplyError {
  code: string;
  message: string;
}

/** The answer to the command with the same `id`. */
export type EngineReply =
  | { kind: 'engine:reply'; id: CommandId; ok: true }
  | { kind: 'engine:reply'; id: CommandId; ok: false; error: ReplyError };

/** The engine process is up and accepts commands. */
export interface ReadyEvent {
  kind: 'engine:ready';
  protocolVersion: number;
  pid: number;
}

/** The mount's state changed. */
export interface MountStateEvent {
  kind: 'mount:state';
  state: MountState;
}

/** Cache usage and transfer figures (on request, and periodically at most once a second). */
export interface StatsEvent {
  kind: 'engine:stats';
  stats: EngineStats;
}

/** Progress of one transfer. */
export interface TransferProgressEvent {
  kind: 'transfer:progress';
  /** Stable for the life of the transfer. */
  transferId: string;
  direction: 'upload' | 'download';
  /** Mount-relative path. */
  path: string;
  phase: 'queued' | 'running' | 'done' | 'failed';
  bytesDone: number;
  bytesTotal: number;
}

/** Something the user should know about. */
export interface ProblemEvent {
  kind: 'engine:problem';
  problem: Problem;
}

/** A log line from the engine's logger (already redacted). */
export interface LogEvent {
  kind: 'engine:log';
  level: LogLevel;
  /** Component, e.g. `remote`, `fuse`, `cache`; empty for the root logger. */
  scope: string;
  message: string;
}

/** A message from the engine to main. */
export type EngineEvent =
  | EngineReply
  | ReadyEvent
  | MountStateEvent
  | StatsEvent
  | TransferProgressEvent
  | ProblemEvent
  | LogEvent;

/** Every event kind. */
export const ENGINE_EVENT_KINDS: readonly EngineEvent['kind'][] = [
  'engine:reply',
  'engine:ready',
  'mount:state',
  'engine:stats',
  'transfer:progress',
  'engine:problem',
  'engine:log',
];

// ---------------------------------------------------------------------------------------------
// Validation. Each parser returns a fresh object holding only the known fields, or throws a
// TypeError whose message starts with the path of the bad field (e.g. `engine:mount.ttlSeconds`).

type Fields = Record<string, unknown>;

function fail(field: string, expected: string, value: unknown): never {
  const got = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  throw new TypeError(`${field}: expected ${expected}, got ${got}`);
}

function record(value: unknown, field: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'an object', value);
  return value as Fields;
}

function str(o: Fields, key: string, at: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${at}.${key}`, 'a string', v);
  return v;
}

function nonEmpty(o: Fields, key: string, at: string): string {
  const v = str(o, key, at);
  if (v.trim() === '') throw new TypeError(`${at}.${key}: expected a non-empty string`);
  return v;
}

function optStr(o: Fields, key: string, at: string): string | undefined {
  return o[key] === undefined ? undefined : nonEmpty(o, key, at);
}

function bool(o: Fields, key: string, at: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${at}.${key}`, 'a boolean', v);
  return v;
}

function count(o: Fields, key: string, at: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${at}.${key}`, 'a non-negative integer', v);
  return v;
}

function optCount(o: Fields, key: string, at: string): number | undefined {
  return o[key] === undefined ? undefined : count(o, key, at);
}

function oneOf<T extends string>(o: Fields, key: string, at: string, allowed: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`${at}.${key}`, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

function absolutePath(o: Fields, key: string, at: string): string {
  const v = nonEmpty(o, key, at);
  if (!v.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(v)) throw new TypeError(`${at}.${key}: expected an absolute path`);
  return v;
}

function kindOf(o: Fields, at: string, allowed: readonly string[]): string {
  const v = o['kind'];
  if (typeof v !== 'string') fail(`${at}.kind`, 'a string', v);
  if (!allowed.includes(v)) throw new TypeError(`${at}.kind: unknown kind ${JSON.stringify(v)}`);
  return v;
}

/** Validates a message received by the engine. Throws TypeError naming the bad field. */
export function parseEngineCommand(value: unknown): EngineCommand {
  const o = record(value, 'command');
  const kind = kindOf(o, 'command', ENGINE_COMMAND_KINDS) as EngineCommand['kind'];
  const id = count(o, 'id', kind);
  switch (kind) {
    case 'engine:set-credentials':
      return { kind, id, token: nonEmpty(o, 'token', kind) };
    case 'engine:mount': {
      const command: MountCommand = {
        kind,
        id,
        mountPoint: absolutePath(o, 'mountPoint', kind),
        remotePath: str(o, 'remotePath', kind),
        authType: oneOf(o, 'authType', kind, ['pat', 'databricks-cli', 'auto'] as const),
        cacheEnabled: bool(o, 'cacheEnabled', kind),
        ttlSeconds: count(o, 'ttlSeconds', kind),
        uploadMode: oneOf(o, 'uploadMode', kind, ['sync', 'background'] as const),
        debug: bool(o, 'debug', kind),
      };
      if (!/^(\/|~$|~\/)/.test(command.remotePath)) {
        throw new TypeError(`${kind}.remotePath: expected a workspace path starting with / (or ~ for the user's home)`);
      }
      const host = optStr(o, 'host', kind);
      const profile = optStr(o, 'profile', kind);
      const cacheDir = o['cacheDir'] === undefined ? undefined : absolutePath(o, 'cacheDir', kind);
      const cacheLimitBytes = optCount(o, 'cacheLimitBytes', kind);
      const cacheMinFreeBytes = optCount(o, 'cacheMinFreeBytes', kind);
      if (host !== undefined) command.host = host;
      if (profile !== undefined) command.profile = profile;
      if (cacheDir !== undefined) command.cacheDir = cacheDir;
      if (cacheLimitBytes !== undefined) command.cacheLimitBytes = cacheLimitBytes;
      if (cacheMinFreeBytes !== undefined) command.cacheMinFreeBytes = cacheMinFreeBytes;
      return command;
    }
    case 'engine:unmount':
    case 'engine:get-stats':
    case 'cache:clear':
      return { kind, id };
    case 'cache:set-enabled':
      return { kind, id, enabled: bool(o, 'enabled', kind) };
    default:
      return assertNever(kind, 'message kind');
  }
}

/** Validates a message received from the engine. Throws TypeError naming the bad field. */
export function parseEngineEvent(value: unknown): EngineEvent {
  const o = record(value, 'event');
  const kind = kindOf(o, 'event', ENGINE_EVENT_KINDS) as EngineEvent['kind'];
  switch (kind) {
    case 'engine:reply': {
      const id = count(o, 'id', kind);
      if (bool(o, 'ok', kind)) return { kind, id, ok: true };
      const e = record(o['error'], `${kind}.error`);
      return { kind, id, ok: false, error: { code: nonEmpty(e, 'code', `${kind}.error`), message: str(e, 'message', `${kind}.error`) } };
    }
    case 'engine:ready':
      return { kind, protocolVersion: count(o, 'protocolVersion', kind), pid: count(o, 'pid', kind) };
    case 'mount:state':
      return { kind, state: parseMountState(o['state'], `${kind}.state`) };
    case 'engine:stats': {
      const s = record(o['stats'], `${kind}.stats`);
      return {
        kind,
        stats: {
          cache: parseCacheUsage(s['cache'], `${kind}.stats.cache`),
          transfers: parseTransferSummary(s['transfers'], `${kind}.stats.transfers`),
        },
      };
    }
    case 'transfer:progress': {
      const bytesDone = count(o, 'bytesDone', kind);
      const bytesTotal = count(o, 'bytesTotal', kind);
      if (bytesDone > bytesTotal) throw new TypeError(`${kind}.bytesDone: exceeds bytesTotal`);
      return {
        kind,
        transferId: nonEmpty(o, 'transferId', kind),
        direction: oneOf(o, 'direction', kind, ['upload', 'download'] as const),
        path: nonEmpty(o, 'path', kind),
        phase: oneOf(o, 'phase', kind, ['queued', 'running', 'done', 'failed'] as const),
        bytesDone,
        bytesTotal,
      };
    }
    case 'engine:problem':
      return { kind, problem: parseProblem(o['problem'], `${kind}.problem`) };
    case 'engine:log':
      return { kind, level: oneOf(o, 'level', kind, LOG_LEVELS), scope: str(o, 'scope', kind), message: str(o, 'message', kind) };
    default:
      return assertNever(kind, 'message kind');
  }
}

/** Validates a MountState; `at` names the field in errors. */
export function parseMountState(value: unknown, at = 'state'): MountState {
  const o = record(value, at);
  const kind = kindOf(o, at, ['idle', 'mounting', 'mounted', 'unmounting', 'failed']) as MountState['kind'];
  switch (kind) {
    case 'idle':
      return { kind };
    case 'mounting':
    case 'unmounting':
      return { kind, mountPoint: absolutePath(o, 'mountPoint', at) };
    case 'mounted':
      return { kind, mountPoint: absolutePath(o, 'mountPoint', at), remotePath: nonEmpty(o, 'remotePath', at), host: nonEmpty(o, 'host', at) };
    case 'failed': {
      const state: MountState = { kind, code: nonEmpty(o, 'code', at), message: str(o, 'message', at) };
      const fix = optStr(o, 'fix', at);
      if (fix !== undefined) state.fix = fix;
      return state;
    }
    default:
      return assertNever(kind, 'message kind');
  }
}

/** Validates a Problem; `at` names the field in errors. */
export function parseProblem(value: unknown, at = 'problem'): Problem {
  const o = record(value, at);
  const kind = kindOf(o, at, ['upload-failed', 'conflict-copy', 'needs-sign-in', 'disconnected', 'cache-disabled', 'other']) as Problem['kind'];
  const message = nonEmpty(o, 'message', at);
  const fix = optStr(o, 'fix', at);
  const withFix = <P extends Problem>(p: P): P => (fix === undefined ? p : { ...p, fix });
  switch (kind) {
    case 'upload-failed':
      return withFix({ kind, message, path: nonEmpty(o, 'path', at) });
    case 'conflict-copy':
      return withFix({ kind, message, path: nonEmpty(o, 'path', at), copyPath: nonEmpty(o, 'copyPath', at) });
    case 'needs-sign-in':
    case 'disconnected':
    case 'cache-disabled':
      return withFix({ kind, message });
    case 'other': {
      const path = optStr(o, 'path', at);
      return withFix(path === undefined ? { kind, message } : { kind, message, path });
    }
    default:
      return assertNever(kind, 'message kind');
  }
}

/** Validates a CacheUsage; `at` names the field in errors. */
export function parseCacheUsage(value: unknown, at = 'cache'): CacheUsage {
  const o = record(value, at);
  return {
    enabled: bool(o, 'enabled', at),
    bytesUsed: count(o, 'bytesUsed', at),
    bytesLimit: count(o, 'bytesLimit', at),
    files: count(o, 'files', at),
    hits: count(o, 'hits', at),
    misses: count(o, 'misses', at),
    evictions: count(o, 'evictions', at),
    bytesFetched: count(o, 'bytesFetched', at),
  };
}

/** Validates a TransferSummary; `at` names the field in errors. */
export function parseTransferSummary(value: unknown, at = 'transfers'): TransferSummary {
  const o = record(value, at);
  return {
    uploadsQueued: count(o, 'uploadsQueued', at),
    uploadsInFlight: count(o, 'uploadsInFlight', at),
    bytesToUpload: count(o, 'bytesToUpload', at),
    bytesUploaded: count(o, 'bytesUploaded', at),
    ...(o['connection'] !== undefined && { connection: oneOf(o, 'connection', at, ['online', 'disconnected', 'needs-sign-in'] as const) }),
  };
}


// ---------------------------------------------------------------------------------------------
// Redaction.

/** What replaces a secret. */
export const REDACTED = '***';

/** Keys whose values are secrets wherever they appear (compared lower-case, without `_` and `-`). */
const SECRET_KEYS = new Set([
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorization',
  'proxyauthorization',
  'password',
  'secret',
  'clientsecret',
  'apikey',
  'cookie',
  'setcookie',
]);

/** Patterns of secrets inside free text, with their replacement. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Authorization header values, e.g. "Bearer dapi…", "Basic dXNlcjpwYXNz".
  [/\b(Bearer|Basic)\s+[^\s"',;]+/gi, `$1 ${REDACTED}`],
  // "authorization: <anything up to the end of the value>" in text.
  [/\b(authorization\s*[:=]\s*)(?!(?:Bearer|Basic)\s)[^\s"',;]+/gi, `$1${REDACTED}`],
  // Databricks personal access tokens (optionally with a "-2" style suffix).
  [/\bdapi[0-9a-f]{32}(?:-\d+)?/gi, REDACTED],
  // Databricks OAuth access tokens.
  [/\bdose[0-9A-Za-z_-]{16,}/g, REDACTED],
  // JWTs (header.payload.signature, base64url, header starting "eyJ").
  [/\beyJ[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+\.[0-9A-Za-z_-]*/g, REDACTED],
  // Tokens in query strings.
  [/([?&](?:token|access_token|refresh_token|id_token)=)[^&\s"']+/gi, `$1${REDACTED}`],
];

/** Replaces secret-looking substrings of `text` with `***`. */
export function redactText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** True if `key` names a secret (`token`, `Authorization`, `client_secret`, …). */
function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[_-]/g, ''));
}

/**
 * Returns a copy of `value` safe to log: values of secret keys become `***` (so the token of an
 * `engine:set-credentials` command never survives), secret-looking strings anywhere are masked,
 * Errors become `{ name, message, code? }`, byte arrays a length, cycles `[Circular]`.
 * Never mutates its argument.
 */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, new WeakSet(), 0);
}

const MAX_DEPTH = 16;

function redactValue(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) {
    return typeof value === 'function' || typeof value === 'symbol' ? String(value) : value;
  }
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Fields = { name: value.name, message: redactText(value.message) };
      const code = (value as { code?: unknown }).code;
      if (code !== undefined) out['code'] = redactValue(code, seen, depth + 1);
      return out;
    }
    if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
    const out: Fields = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactValue(item, seen, depth + 1);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
