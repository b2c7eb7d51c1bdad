// The engine's protocol server (ARCHITECTURE.md §1, docs/protocol.md): validates every incoming
// message, answers each command with exactly one `engine:reply`, keeps the token of
// `engine:set-credentials` in memory only, checks the connection before mounting (current user,
// then the remote path) and turns failures into errors that name their fix, and pushes
// `mount:state` / `engine:log` / `engine:problem` / `engine:stats` events. It constructs nothing
// concrete: remote, caches, filesystem and mount session come from an injected EngineFactory.
import {
  ENGINE_PROTOCOL_VERSION,
  parseEngineCommand,
  REDACTED,
  redactText,
  type EngineCommand,
  type EngineEvent,
  type LogLevel,
  type MountCommand,
  type ReplyError,
  type TransferProgressEvent,
  type UploadMode,
} from '../../shared/engine-protocol';
import type { CacheUsage, EngineStats, TransferSummary } from '../../shared/cache-usage';
import type { MountState } from '../../shared/mount-state';
import type { Problem } from '../../shared/problem';
import { Logger, protocolSink, streamSink, type LogRecord } from '../logger';
import { RemoteError } from '../remote/remote-error';
import type { RemoteSettings } from '../remote/remote-config';
import type { RemoteWorkspace } from '../remote/remote-workspace';

/** A connection to a workspace, before anything is mounted. */
export interface EngineConnection {
  /** The workspace origin, e.g. `https://x.cloud.databricks.com` (resolved, normalised). */
  host: string;
  remote: RemoteWorkspace;
}

/** What the factory mounts with. */
export interface MountPlan {
  connection: EngineConnection;
  settings: RemoteSettings;
  mountPoint: string;
  /** Resolved workspace path (never `~`). */
  remotePath: string;
  cacheDir?: string;
  cacheEnabled: boolean;
  cacheLimitBytes?: number;
  cacheMinFreeBytes?: number;
  ttlSeconds: number;
  debug: boolean;
  logger: Logger;
  /** Reports a problem to the front end (e.g. the cache switched itself off). */
  onProblem: (problem: Problem) => void;
  /** `sync`: close returns after the upload; `background`: after the bytes are journaled. */
  uploadMode: UploadMode;
  /** Reports an upload's progress to the front end. */
  onTransfer: (event: TransferProgressEvent) => void;
}

/** A live mount as the host drives it. */
export interface MountedEngine {
  /** Uploads everything pending and waits. */
  flushAll(): Promise<void>;
  /** Unmounts (after flushAll). */
  unmount(): Promise<void>;
  /** Called once when the mount went away without `unmount()` (an external `fusermount -u`). */
  onUnmounted(listener: () => void): void;
  /** Figures of the content cache. */
  cacheUsage(): CacheUsage;
  /** Switches the content cache on or off (no remount). */
  setCacheEnabled(enabled: boolean): Promise<void>;
  /** Drops the clean cached copies; dirty data is never in the cache. */
  clearCache(): Promise<void>;
  /** Uploads waiting in the write journal or running. */
  transfers(): TransferSummary;
  /** A new token from `engine:set-credentials` while mounted: the remote client uses it from now on. */
  setCredentials(token: string): void;
}

/** The composition seam: the engine process supplies real pieces, unit tests fakes. */
export interface EngineFactory {
  /** Resolves the settings into a remote client; rejects RemoteError `invalid` for a malformed host. */
  connect(settings: RemoteSettings, logger: Logger): Promise<EngineConnection>;
  /** Builds metadata cache, filesystem and mount session, and mounts. */
  mount(plan: MountPlan): Promise<MountedEngine>;
}

/** An error with a machine-readable code and the fix a user can apply. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** What the host is built from. */
export interface EngineHostOptions {
  /** Sends one event to the front end; must not throw. */
  send: (event: EngineEvent) => void;
  factory: EngineFactory;
  /**
   * False while no front end listens (a backgrounded engine): log lines then go to `stderr`
   * instead of `engine:log` events. Default: always connected.
   */
  connected?: () => boolean;
  /** Where log lines go while disconnected (default: dropped). */
  stderr?: { write(chunk: string): unknown };
  /** Initial log level (default warn; a mount with `debug` switches to debug). */
  logLevel?: LogLevel;
  pid: number;
  /**
   * A fixed workspace (the embedded demo emulator): used instead of the mount command's host and
   * instead of any credentials.
   */
  fixedWorkspace?: { host: string; token: string };
  /** Called once the engine has nothing left to serve (unmounted, or the mount went away). */
  onIdle?: (reason: 'unmounted' | 'lost') => void;
  /** How often changed stats are pushed while mounted, ms (default 1000; 0 never). */
  statsIntervalMs?: number;
  /** Starts the stats ticker; returns its stop function (default: an unref'd setInterval). Tests tick by hand. */
  everyInterval?: (tick: () => void, ms: number) => () => void;
}

type Phase = 'idle' | 'mounting' | 'mounted' | 'unmounting';

/** The protocol server of one engine process (one mount at most). */
export class EngineHost {
  private readonly options: EngineHostOptions;
  /** The engine's root logger; every record is scrubbed of the token before any sink sees it. */
  readonly logger: Logger;
  private readonly log: Logger;
  /** The token of the last `engine:set-credentials`; memory only, never logged or sent. */
  private token: string | undefined;
  private phase: Phase = 'idle';
  private mounted: MountedEngine | undefined;
  private mountPoint: string | undefined;
  private stopping: Promise<void> | undefined;
  private stopStatsTimer: (() => void) | undefined;
  /** The last `engine:stats` pushed, as JSON (a push happens only when it changed). */
  private lastStats = '';

  constructor(options: EngineHostOptions) {
    this.options = options;
    const toProtocol = protocolSink((event) => this.send(event));
    const toStream = options.stderr === undefined ? undefined : streamSink(options.stderr);
    this.logger = new Logger({
      level: options.logLevel ?? 'warn',
      sink: (record) => {
        const clean = this.scrubRecord(record);
        if (options.connected?.() === false) toStream?.(clean);
        else toProtocol(clean);
      },
    });
    this.log = this.logger.child('host');
  }

  /** Announces the engine (`engine:ready`, then `mount:state idle`). Call once, first. */
  start(): void {
    this.send({ kind: 'engine:ready', protocolVersion: ENGINE_PROTOCOL_VERSION, pid: this.options.pid });
    this.sendState({ kind: 'idle' });
  }

  /** True while a mount exists or is being set up or torn down. */
  get busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Handles one incoming message; resolves after its one reply was sent. Never rejects. */
  async receive(message: unknown): Promise<void> {
    let command: EngineCommand;
    try {
      command = parseEngineCommand(message);
    } catch (error) {
      const id = idOf(message);
      const text = redactText((error as Error).message);
      this.log.warn('rejected an invalid message', { error: text });
      this.send({ kind: 'engine:reply', id, ok: false, error: { code: 'invalid-message', message: text } });
      return;
    }
    try {
      await this.handle(command);
      this.send({ kind: 'engine:reply', id: command.id, ok: true });
    } catch (error) {
      this.send({ kind: 'engine:reply', id: command.id, ok: false, error: replyError(error) });
    }
  }

  /** SIGINT/SIGTERM, or the front end went away: flush, unmount, then `onIdle`. Idempotent. */
  shutdown(): Promise<void> {
    if (this.phase === 'idle') {
      this.options.onIdle?.('unmounted');
      return Promise.resolve();
    }
    return this.unmount();
  }

  private async handle(command: EngineCommand): Promise<void> {
    switch (command.kind) {
      case 'engine:set-credentials':
        this.token = command.token;
        this.log.info('credentials received');
        this.mounted?.setCredentials(command.token);
        return;
      case 'engine:mount':
        return this.mount(command);
      case 'engine:unmount':
        if (this.phase === 'idle') throw new EngineError('not-mounted', 'nothing is mounted by this engine');
        return this.unmount();
      case 'engine:get-stats':
        this.pushStats(true);
        return;
      case 'cache:set-enabled':
        await this.mountedEngine(command.kind).setCacheEnabled(command.enabled);
        this.pushStats(true);
        return;
      case 'cache:clear':
        await this.mountedEngine(command.kind).clearCache();
        this.pushStats(true);
        return;
      default:
        return assertNever(command);
    }
  }

  private async mount(command: MountCommand): Promise<void> {
    if (this.phase !== 'idle') {
      throw new EngineError('busy', `this engine already serves ${this.mountPoint ?? 'a mount'}; one engine mounts one workspace`);
    }
    this.phase = 'mounting';
    this.mountPoint = command.mountPoint;
    if (command.debug) this.logger.setLevel('debug');
    this.sendState({ kind: 'mounting', mountPoint: command.mountPoint });
    try {
      const settings = this.settingsFor(command);
      const connection = await this.connect(settings);
      const remotePath = await this.checkRemote(connection, command.remotePath);
      const plan: MountPlan = {
        connection,
        settings,
        mountPoint: command.mountPoint,
        remotePath,
        cacheEnabled: command.cacheEnabled,
        ttlSeconds: command.ttlSeconds,
        debug: command.debug,
        logger: this.logger,
        onProblem: (problem) => this.send({ kind: 'engine:problem', problem }),
        uploadMode: command.uploadMode,
        onTransfer: (event) => this.send(event),
        ...(command.cacheDir !== undefined && { cacheDir: command.cacheDir }),
        ...(command.cacheLimitBytes !== undefined && { cacheLimitBytes: command.cacheLimitBytes }),
        ...(command.cacheMinFreeBytes !== undefined && { cacheMinFreeBytes: command.cacheMinFreeBytes }),
      };
      const mounted = await this.options.factory.mount(plan).catch((error: unknown) => {
        throw asEngineError(error, 'mount-failed');
      });
      this.mounted = mounted;
      this.phase = 'mounted';
      mounted.onUnmounted(() => this.lost());
      this.log.info('mounted', { mountPoint: command.mountPoint, remotePath, host: connection.host });
      this.sendState({ kind: 'mounted', mountPoint: command.mountPoint, remotePath, host: connection.host });
      this.startStats();
    } catch (error) {
      const failure = asEngineError(error, 'mount-failed');
      this.phase = 'idle';
      this.mountPoint = undefined;
      this.log.info(`mount failed: ${failure.message}`);
      this.sendState({ kind: 'failed', code: failure.code, message: failure.message, ...(failure.fix !== undefined && { fix: failure.fix }) });
      throw failure;
    }
  }

  private settingsFor(command: MountCommand): RemoteSettings {
    const fixed = this.options.fixedWorkspace;
    if (fixed !== undefined) return { host: fixed.host, token: fixed.token, authType: 'pat', env: {} };
    const settings: RemoteSettings = {};
    if (command.host !== undefined) settings.host = command.host;
    if (command.profile !== undefined) settings.profile = command.profile;
    if (command.authType === 'pat') {
      if (this.token === undefined) {
        throw new EngineError(
          'no-credentials',
          'no token: with authType "pat" an engine:set-credentials command must come before engine:mount',
          'send the token first (the wsfs command reads it from DATABRICKS_TOKEN, a profile or stdin)',
        );
      }
      settings.token = this.token;
      settings.authType = 'pat';
      // A token given to us wins over whatever the environment or a config file holds.
      if (command.host !== undefined && command.profile === undefined) settings.env = {};
    } else if (command.authType === 'databricks-cli') {
      settings.authType = 'databricks-cli';
    }
    return settings;
  }

  private async connect(settings: RemoteSettings): Promise<EngineConnection> {
    try {
      return await this.options.factory.connect(settings, this.logger.child('remote'));
    } catch (error) {
      const failure = connectionError(error);
      if (failure.code === 'no-host' && settings.profile !== undefined) {
        throw new EngineError(
          'bad-profile',
          `the profile "${settings.profile}" gives no workspace host (~/.databrickscfg is missing, has no [${settings.profile}] section, or the section has no host)`,
          'check the profile name against the [sections] of ~/.databrickscfg, or pass --host instead',
        );
      }
      throw failure;
    }
  }

  /** Checks the credential (current user) and the remote path; resolves `~` to the user's home. */
  private async checkRemote(connection: EngineConnection, requested: string): Promise<string> {
    let userName: string;
    try {
      userName = (await connection.remote.currentUser()).userName;
    } catch (error) {
      throw connectionError(error, connection.host);
    }
    const home = `/Users/${userName}`;
    const remotePath = requested === '~' ? home : requested.startsWith('~/') ? `${home}${requested.slice(1)}` : requested;
    try {
      const entry = await connection.remote.stat(remotePath);
      if (entry.type !== 'DIRECTORY' && entry.type !== 'REPO') {
        throw new EngineError(
          'remote-path-not-folder',
          `the workspace path ${remotePath} is a ${entry.rawType.toLowerCase()}, not a folder`,
          `pass a folder with --remote-path (your home folder is ${home})`,
        );
      }
    } catch (error) {
      if (error instanceof EngineError) throw error;
      if (error instanceof RemoteError && error.kind === 'not-found') {
        throw new EngineError(
          'remote-path-missing',
          `the workspace path ${remotePath} does not exist on ${connection.host}`,
          `check the spelling, or pass an existing folder with --remote-path (your home folder is ${home})`,
        );
      }
      throw connectionError(error, connection.host);
    }
    return remotePath;
  }

  private unmount(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping;
    this.stopping = this.unmountOnce().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async unmountOnce(): Promise<void> {
    if (this.phase === 'mounting') {
      // Let the mount finish (or fail) first; then unmount what it produced.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (this.phase !== 'mounting') {
            clearInterval(poll);
            resolve();
          }
        }, 20);
      });
    }
    const mounted = this.mounted;
    const mountPoint = this.mountPoint;
    if (mounted === undefined || mountPoint === undefined) {
      this.options.onIdle?.('unmounted');
      return;
    }
    this.phase = 'unmounting';
    this.sendState({ kind: 'unmounting', mountPoint });
    try {
      await mounted.flushAll();
    } catch (error) {
      this.log.error(`flushing before unmount failed: ${(error as Error).message}`);
      this.problem(`some changes could not be uploaded before unmounting (${(error as Error).message}); they stay in the write journal on this computer and the next mount of ${mountPoint} shows them and tries again`);
    }
    try {
      await mounted.unmount();
    } catch (error) {
      const failure = asEngineError(error, 'unmount-failed');
      this.phase = 'mounted';
      this.log.error(`unmount failed: ${failure.message}`);
      this.sendState({ kind: 'failed', code: failure.code, message: failure.message, ...(failure.fix !== undefined && { fix: failure.fix }) });
      throw failure;
    }
    this.stopStats();
    this.mounted = undefined;
    this.mountPoint = undefined;
    this.phase = 'idle';
    this.log.info('unmounted', { mountPoint });
    this.sendState({ kind: 'idle' });
    this.options.onIdle?.('unmounted');
  }

  /** The mount went away underneath us (external `fusermount -u`). */
  private lost(): void {
    if (this.phase !== 'mounted') return;
    this.log.warn('the mount was removed from outside the engine', { mountPoint: this.mountPoint });
    this.stopStats();
    this.mounted = undefined;
    this.mountPoint = undefined;
    this.phase = 'idle';
    this.sendState({ kind: 'idle' });
    this.options.onIdle?.('lost');
  }

  private secrets(): string[] {
    return [this.token, this.options.fixedWorkspace?.token].filter((t): t is string => t !== undefined && t.length >= 4);
  }

  private scrubRecord(record: LogRecord): LogRecord {
    const secrets = this.secrets();
    if (secrets.length === 0) return record;
    const text = JSON.stringify(record);
    if (!secrets.some((secret) => text.includes(JSON.stringify(secret).slice(1, -1)))) return record;
    let out = text;
    for (const secret of secrets) out = out.split(JSON.stringify(secret).slice(1, -1)).join(REDACTED);
    return JSON.parse(out) as LogRecord;
  }

  /** Belt and braces: a token echoed back in some error text never leaves the engine. */
  private withoutToken(event: EngineEvent): EngineEvent {
    const secrets = this.secrets();
    if (secrets.length === 0) return event;
    let text = JSON.stringify(event);
    if (!secrets.some((secret) => text.includes(JSON.stringify(secret).slice(1, -1)))) return event;
    for (const secret of secrets) text = text.split(JSON.stringify(secret).slice(1, -1)).join(REDACTED);
    return JSON.parse(text) as EngineEvent;
  }

  private stats(): EngineStats {
    return {
      cache: this.mounted?.cacheUsage() ?? { enabled: false, bytesUsed: 0, bytesLimit: 0, files: 0, hits: 0, misses: 0, evictions: 0, bytesFetched: 0 },
      transfers: this.mounted?.transfers() ?? { uploadsQueued: 0, uploadsInFlight: 0, bytesToUpload: 0, bytesUploaded: 0 },
    };
  }

  /** The live mount, for a command that needs one. */
  private mountedEngine(command: string): MountedEngine {
    if (this.phase !== 'mounted' || this.mounted === undefined) throw new EngineError('not-mounted', `${command} needs a mounted workspace; nothing is mounted by this engine`);
    return this.mounted;
  }

  /** Pushes `engine:stats` when they changed since the last push (always when `asked`: `engine:get-stats` and `cache:*` commands, docs/protocol.md). */
  private pushStats(asked = false): void {
    const stats = this.stats();
    const text = JSON.stringify(stats);
    if (!asked && text === this.lastStats) return;
    this.lastStats = text;
    this.send({ kind: 'engine:stats', stats });
  }

  private startStats(): void {
    const interval = this.options.statsIntervalMs ?? 1_000;
    if (interval <= 0) return;
    this.stopStatsTimer = (this.options.everyInterval ?? everyInterval)(() => this.pushStats(), interval);
  }

  private stopStats(): void {
    this.stopStatsTimer?.();
    this.stopStatsTimer = undefined;
  }

  private problem(message: string): void {
    this.send({ kind: 'engine:problem', problem: { kind: 'other', message: redactText(message) } });
  }

  private sendState(state: MountState): void {
    this.send({ kind: 'mount:state', state });
  }

  private send(event: EngineEvent): void {
    try {
      this.options.send(this.withoutToken(event));
    } catch {
      // The front end is gone; the engine carries on until it is told to stop.
    }
  }
}

/** Turns a connection or credential failure into an EngineError that names the fix. */
function connectionError(error: unknown, host?: string): EngineError {
  if (error instanceof EngineError) return error;
  const where = host === undefined ? 'the workspace' : host;
  if (error instanceof RemoteError) {
    const message = redactText(error.message);
    switch (error.kind) {
      case 'invalid':
        if (/has no .* profile/.test(message)) {
          return new EngineError('bad-profile', message, 'check the profile name against the [sections] of ~/.databrickscfg, or pass --host instead');
        }
        if (/no workspace host is configured/.test(message)) {
          return new EngineError(
            'no-host',
            'no workspace host is configured',
            'pass --host https://<workspace>.cloud.databricks.com, --profile NAME, or set DATABRICKS_HOST; or try the demo: wsfs mount --demo DIR',
          );
        }
        return new EngineError(
          /malformed workspace host/.test(message) ? 'bad-host' : 'bad-config',
          message,
          'pass the workspace URL with --host, e.g. --host https://<workspace>.cloud.databricks.com, or fix the host of your profile',
        );
      case 'unauthenticated':
        return new EngineError(
          'unauthenticated',
          `${where} refused the credentials (the token is wrong, expired or revoked): ${message}`,
          'create a new personal access token (User settings → Developer → Access tokens) and pass it through DATABRICKS_TOKEN, your profile or --token-stdin',
        );
      case 'permission':
        return new EngineError('permission', `${where} refused access: ${message}`, 'ask a workspace admin for access, or use another --remote-path');
      case 'network':
      case 'unavailable':
      case 'rate-limited':
        return new EngineError(
          'unreachable',
          `cannot reach ${where}: ${message}`,
          'check the host name, your network, VPN or proxy, and that the workspace is running',
        );
      default:
        return new EngineError(`remote-${error.kind}`, message);
    }
  }
  return asEngineError(error, 'connect-failed');
}

function asEngineError(error: unknown, fallbackCode: string): EngineError {
  if (error instanceof EngineError) return error;
  const e = error as { code?: unknown; message?: unknown; fix?: unknown };
  const code = typeof e.code === 'string' && e.code !== '' ? e.code : fallbackCode;
  const message = redactText(typeof e.message === 'string' ? e.message : String(error));
  return new EngineError(code, message, typeof e.fix === 'string' ? e.fix : undefined);
}

function replyError(error: unknown): ReplyError {
  const failure = asEngineError(error, 'internal');
  return { code: failure.code, message: failure.fix === undefined ? failure.message : `${failure.message}\nfix: ${failure.fix}` };
}

function idOf(message: unknown): number {
  const id = (message as { id?: unknown } | null)?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : 0;
}

function assertNever(value: never): never {
  throw new EngineError('invalid-message', `unhandled command ${JSON.stringify(value)}`);
}

/** The real stats ticker: an unref'd setInterval (it never keeps the engine alive by itself). */
function everyInterval(tick: () => void, ms: number): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}
