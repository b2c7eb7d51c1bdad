// The `wsfs mount | unmount | status` commands: checks before an engine starts, where the token
// comes from (a profile, DATABRICKS_TOKEN, or stdin — never argv), starting the engine through
// spawnEngine(), the backgrounded-mount records, and the one table of exit codes.
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatByteSize } from '../../shared/cache-usage';
import type { MountCommand } from '../../shared/engine-protocol';
import type { FailedMountState, MountedMountState } from '../../shared/mount-state';
import { readCacheIndex } from '../cache/cache-index';
import { DEFAULT_CACHE_LIMIT_BYTES } from '../cache/content-cache';
import { formatLogRecord } from '../logger';
import { normalizeHost } from '../remote/remote-config';
import { RemoteError } from '../remote/remote-error';
import { EngineCommandError, spawnEngine, type EngineClient } from './engine-client';
import { defaultCacheDirOf } from './engine-factory';
import { EngineError } from './engine-host';
import { checkFuseInstalled, checkMountPoint, fuseUnmount, isMountPoint } from './mount-preflight';
import { pidAlive } from '../pid-alive';
import { listRecords, readRecord, recordPaths, removeRecord, runtimeDir, writeRecord } from './mount-records';

/** Exit codes of `wsfs mount|unmount|status` (also in `wsfs mount --help` and docs/cli.md). */
export const EXIT = {
  ok: 0,
  /** Anything unexpected: the engine crashed or did not answer. */
  failure: 1,
  /** Bad flags, a token on the command line, a malformed host, no credentials. */
  usage: 2,
  /** The mount point is missing, not a folder, not empty or already mounted; nothing mounted there (unmount). */
  mountPoint: 3,
  /** FUSE is not installed. */
  fuse: 4,
  /** The workspace refused the credentials or could not be reached. */
  connection: 5,
  /** The remote path does not exist or is not a folder. */
  remotePath: 6,
} as const;

/** The exit code help text. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  unexpected failure (the engine crashed or did not answer)
  2  usage: bad flags, a token on the command line, a malformed host, an unknown profile, no host
  3  mount point missing, not a folder, not empty or already mounted (unmount: nothing mounted there)
  4  FUSE is not installed
  5  the workspace refused the token or could not be reached
  6  the remote path does not exist or is not a folder`;

/** Why `--token` is refused. */
export const TOKEN_ON_ARGV_MESSAGE =
  'wsfs does not take a token on the command line: arguments are visible to every user in `ps` and stay in your shell history.\n' +
  'fix: set DATABRICKS_TOKEN, use a profile of ~/.databrickscfg (--profile NAME), or pipe it in: `printf %s "$TOKEN" | wsfs mount --token-stdin --host URL DIR`';

/**
 * How long `wsfs mount` waits for a token on stdin it was not asked to read (stdin is not a
 * terminal, no DATABRICKS_TOKEN, no --profile): a CI runner or `ssh host cmd` may hold stdin open
 * without ever writing to it. `WSFS_STDIN_TOKEN_WAIT_MS` overrides it (tests).
 */
export const STDIN_TOKEN_WAIT_MS = 10_000;

/** The fix for a mount that found no token. */
const NO_TOKEN_FIX =
  'set DATABRICKS_TOKEN, pass --profile NAME (a profile of ~/.databrickscfg), pipe the token in (printf %s "$TOKEN" | wsfs mount --token-stdin ...), or try the demo: wsfs mount --demo DIR';

/** Options of `wsfs mount`. */
export interface MountCliOptions {
  host?: string;
  profile?: string;
  remotePath?: string;
  cacheDir?: string;
  cache: boolean;
  cacheSize?: number;
  cacheMinFree?: number;
  ttl: number;
  foreground?: boolean;
  debug?: boolean;
  demo?: boolean;
  tokenStdin?: boolean;
  backgroundUploads?: boolean;
}

class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** Maps an engine error code onto an exit code. */
function exitCodeFor(code: string): number {
  if (code.startsWith('mount-point')) return EXIT.mountPoint;
  if (code === 'fuse-missing') return EXIT.fuse;
  if (['bad-host', 'bad-config', 'bad-profile', 'no-host', 'no-credentials'].includes(code)) return EXIT.usage;
  if (code === 'unauthenticated' || code === 'unreachable' || code === 'permission') return EXIT.connection;
  if (code.startsWith('remote-path')) return EXIT.remotePath;
  return EXIT.failure;
}

function report(command: string, error: unknown): number {
  if (error instanceof CliFailure) {
    process.stderr.write(`wsfs ${command}: ${error.message}\n${error.fix === undefined ? '' : `fix: ${error.fix}\n`}`);
    return error.exitCode;
  }
  if (error instanceof EngineError) {
    process.stderr.write(`wsfs ${command}: ${error.message}\n${error.fix === undefined ? '' : `fix: ${error.fix}\n`}`);
    return exitCodeFor(error.code);
  }
  process.stderr.write(`wsfs ${command}: ${(error as Error).message}\n`);
  return EXIT.failure;
}

/** `wsfs mount`. */
export async function runMount(mountPointArg: string, options: MountCliOptions): Promise<void> {
  let engine: EngineClient | undefined;
  try {
    process.exitCode = await mount(mountPointArg, options, (client) => (engine = client));
  } catch (error) {
    engine?.kill('SIGTERM');
    process.exitCode = report('mount', error);
  }
}

async function mount(mountPointArg: string, options: MountCliOptions, started: (engine: EngineClient) => void): Promise<number> {
  const mountPoint = resolve(mountPointArg);
  const demo = options.demo === true;
  if (demo && (options.host !== undefined || options.profile !== undefined || options.tokenStdin === true)) {
    throw new CliFailure(EXIT.usage, '--demo serves its own workspace; it takes no --host, --profile or --token-stdin');
  }
  if (options.host !== undefined && options.profile !== undefined) {
    throw new CliFailure(EXIT.usage, 'pass either --host or --profile, not both', 'a profile already names its host');
  }
  await checkMountPoint(mountPoint);
  await checkFuseInstalled();

  // Credentials: never argv. A token from DATABRICKS_TOKEN or stdin goes in a message.
  let token: string | undefined;
  let host = options.host;
  let authType: MountCommand['authType'] = 'auto';
  if (!demo) {
    host = checkHost(host);
    const envToken = process.env['DATABRICKS_TOKEN'];
    const useStdin =
      options.tokenStdin === true || (options.profile === undefined && !envToken && !otherSignInInEnvironment(process.env) && process.stdin.isTTY !== true);
    if (useStdin) token = options.tokenStdin === true ? await readToken() : await readImplicitToken(envMs('WSFS_STDIN_TOKEN_WAIT_MS', STDIN_TOKEN_WAIT_MS), existsSync(configFile()));
    else if (options.profile === undefined && envToken) token = envToken;
    // An empty stdin leaves the engine's default resolution only a config file to try; without one
    // (and with a host: else the missing host is the first thing to fix) there is no credential.
    if (useStdin && token === undefined && (host ?? process.env['DATABRICKS_HOST'] ?? '') !== '' && !existsSync(configFile())) {
      throw new CliFailure(EXIT.usage, 'no credentials: stdin was empty, DATABRICKS_TOKEN is not set and no --profile was given', NO_TOKEN_FIX);
    }
    if (token !== undefined) {
      authType = 'pat';
      host ??= options.profile === undefined ? checkHost(process.env['DATABRICKS_HOST']) : undefined;
      if (host === undefined && options.profile === undefined) {
        throw new CliFailure(EXIT.usage, 'a token was given but no workspace host', 'pass --host https://<workspace>.cloud.databricks.com or set DATABRICKS_HOST');
      }
    }
  }

  const foreground = options.foreground === true;
  let logFd: number | undefined;
  const paths = recordPaths(mountPoint);
  if (!foreground) {
    await mkdir(runtimeDir(), { recursive: true, mode: 0o700 });
    logFd = openSync(paths.log, 'a', 0o600);
  }
  let engine: EngineClient;
  try {
    engine = await spawnEngine({ demo, detach: !foreground, stderr: logFd ?? 'inherit' });
  } finally {
    if (logFd !== undefined) closeSync(logFd);
  }
  started(engine);

  let failed: FailedMountState | undefined;
  let mounted: MountedMountState | undefined;
  engine.onEvent((event) => {
    if (event.kind === 'engine:log') {
      process.stderr.write(`${formatLogRecord({ level: event.level, scope: event.scope, message: event.message, time: Date.now() })}\n`);
    } else if (event.kind === 'engine:problem') {
      process.stderr.write(`wsfs: ${event.problem.message}${event.problem.fix === undefined ? '' : ` (fix: ${event.problem.fix})`}\n`);
    } else if (event.kind === 'mount:state') {
      if (event.state.kind === 'failed') failed = event.state;
      if (event.state.kind === 'mounted') mounted = event.state;
    }
  });

  try {
    if (token !== undefined) await engine.request({ kind: 'engine:set-credentials', token }, 10_000);
    const command: Omit<MountCommand, 'id'> = {
      kind: 'engine:mount',
      mountPoint,
      remotePath: options.remotePath ?? '~',
      authType: demo ? 'pat' : authType,
      cacheEnabled: options.cache,
      ttlSeconds: options.ttl,
      uploadMode: options.backgroundUploads === true ? 'background' : 'sync',
      debug: options.debug === true,
      ...(host !== undefined && { host }),
      ...(options.profile !== undefined && { profile: options.profile }),
      ...(options.cacheDir !== undefined && { cacheDir: resolve(options.cacheDir) }),
      ...(options.cacheSize !== undefined && { cacheLimitBytes: options.cacheSize }),
      ...(options.cacheMinFree !== undefined && { cacheMinFreeBytes: options.cacheMinFree }),
    };
    await engine.request(command, 120_000);
  } catch (error) {
    engine.kill('SIGTERM');
    if (error instanceof EngineCommandError && failed !== undefined) {
      throw new EngineError(failed.code, failed.message, failed.fix);
    }
    if (error instanceof EngineCommandError) throw new EngineError(error.code, error.message);
    throw error;
  }

  const state = mounted ?? { kind: 'mounted', mountPoint, remotePath: options.remotePath ?? '~', host: host ?? '?' };
  await writeRecord({
    mountPoint,
    pid: engine.pid,
    host: state.host,
    remotePath: state.remotePath,
    demo,
    startedAt: new Date().toISOString(),
    ...(!foreground && { logFile: paths.log }),
    cacheDir: options.cacheDir !== undefined ? resolve(options.cacheDir) : defaultCacheDirOf(mountPoint),
    cacheLimitBytes: options.cacheSize ?? DEFAULT_CACHE_LIMIT_BYTES,
  });
  process.stdout.write(`Mounted ${state.host}${state.remotePath} at ${mountPoint}${demo ? ' (demo workspace)' : ''}\n`);
  if (!foreground) {
    process.stdout.write(`The engine runs in the background (pid ${engine.pid}); stop it with: wsfs unmount ${mountPoint}\n`);
    engine.detach();
    return EXIT.ok;
  }

  process.stderr.write('Serving in the foreground; press Ctrl+C to unmount.\n');
  // Unmount (the engine flushes first), then let the idle engine go: it stays up after an
  // `engine:unmount` for front ends that mount again, so the foreground command ends it.
  const stop = (): void => {
    void engine
      .request({ kind: 'engine:unmount' }, 120_000)
      .catch(() => undefined)
      .finally(() => engine.kill('SIGTERM'));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const exit = await engine.exited;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  await removeRecord(mountPoint);
  return exit.code === 0 ? EXIT.ok : EXIT.failure;
}

function checkHost(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  try {
    return normalizeHost(host);
  } catch (error) {
    throw new CliFailure(EXIT.usage, (error as RemoteError).message, 'pass the workspace URL, e.g. --host https://<workspace>.cloud.databricks.com');
  }
}

/** `--token-stdin`: the token piped on stdin, read to its end (the user asked for it: no time limit). */
async function readToken(): Promise<string> {
  if (process.stdin.isTTY === true) {
    throw new CliFailure(EXIT.usage, '--token-stdin needs the token piped in', 'printf %s "$TOKEN" | wsfs mount --token-stdin ...');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks).toString('utf8').trim();
  if (token === '') throw new CliFailure(EXIT.usage, '--token-stdin was given but stdin was empty', NO_TOKEN_FIX);
  return token;
}

/**
 * The token on a stdin that was not asked for: says so on stderr, then takes the first line (or
 * everything up to the end of stdin), waiting at most `waitMs`; undefined when stdin was empty. A
 * stdin that stays silent fails after `waitMs`, unless a config file is there to sign in with
 * (`configFallback`): then it is undefined too. Never echoes what it read.
 */
async function readImplicitToken(waitMs: number, configFallback: boolean): Promise<string | undefined> {
  process.stderr.write(
    `wsfs mount: no DATABRICKS_TOKEN and no --profile: reading the token from stdin (waiting up to ${formatSeconds(waitMs)}); ` +
      'set DATABRICKS_TOKEN or use --profile NAME to mount without it\n',
  );
  const read = await firstLine(process.stdin, waitMs);
  if (read.kind === 'timeout') {
    if (configFallback) {
      process.stderr.write(`wsfs mount: no token on stdin within ${formatSeconds(waitMs)}; signing in with ${configFile()}\n`);
      return undefined;
    }
    throw new CliFailure(
      EXIT.usage,
      `no token arrived on stdin within ${formatSeconds(waitMs)} (stdin is not a terminal and is still open)`,
      'set DATABRICKS_TOKEN, pass --profile NAME, or pipe the token in and close stdin after it: printf %s "$TOKEN" | wsfs mount --token-stdin --host URL DIR',
    );
  }
  return read.text === '' ? undefined : read.text;
}

/**
 * Variables that give the engine's SDK a way to sign in other than a token (a profile, an
 * auth_type such as databricks-cli, a service principal, Azure or Google credentials): with one of
 * them set, stdin is not read for a token unless --token-stdin asks for it.
 */
const OTHER_SIGN_IN_VARIABLES = ['DATABRICKS_CONFIG_PROFILE', 'DATABRICKS_AUTH_TYPE', 'DATABRICKS_CLIENT_ID', 'DATABRICKS_AZURE_RESOURCE_ID', 'ARM_CLIENT_ID', 'ARM_USE_MSI', 'GOOGLE_CREDENTIALS', 'DATABRICKS_GOOGLE_SERVICE_ACCOUNT'];

function otherSignInInEnvironment(env: NodeJS.ProcessEnv): boolean {
  return OTHER_SIGN_IN_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

/** The Databricks config file the engine would read (`DATABRICKS_CONFIG_FILE`, else `~/.databrickscfg`). */
function configFile(): string {
  return process.env['DATABRICKS_CONFIG_FILE'] ?? join(homedir(), '.databrickscfg');
}

/** What `firstLine` got: the trimmed text of the first line or of the whole stream, or nothing in time. */
type StdinRead = { kind: 'text'; text: string } | { kind: 'timeout' };

/**
 * Reads `stream` until its first non-blank line ends, it ends, or `waitMs` pass; then stops
 * reading it (so a stdin held open does not keep the command alive).
 */
function firstLine(stream: NodeJS.ReadStream, waitMs: number): Promise<StdinRead> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    const finish = (read: StdinRead): void => {
      clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', onEnd);
      stream.destroy();
      done(read);
    };
    const text = (): string => Buffer.concat(chunks).toString('utf8');
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      const line = /^\s*(\S[^\n]*)\n/.exec(text()); // the first line that is not blank
      if (line !== null) finish({ kind: 'text', text: line[1]!.trim() });
    };
    const onEnd = (): void => finish({ kind: 'text', text: text().trim() });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), waitMs);
    stream.on('data', onData).once('end', onEnd).once('error', onEnd);
  });
}

/** A wait in ms from the environment variable `name` when it is a positive integer (tests shorten waits), else `fallback`. */
function envMs(name: string, fallback: number): number {
  const override = Number(process.env[name]);
  return Number.isSafeInteger(override) && override > 0 ? override : fallback;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** `wsfs unmount`. */
export async function runUnmount(mountPointArg: string): Promise<void> {
  try {
    process.exitCode = await unmount(resolve(mountPointArg));
  } catch (error) {
    process.exitCode = report('unmount', error);
  }
}

async function unmount(mountPoint: string): Promise<number> {
  const record = await readRecord(mountPoint);
  const alive = record !== undefined && pidAlive(record.pid);
  if (alive) {
    process.kill(record.pid, 'SIGTERM'); // the engine flushes, unmounts and exits
    const waitMs = envMs('WSFS_UNMOUNT_WAIT_MS', 60_000);
    const deadline = Date.now() + waitMs;
    while (pidAlive(record.pid) && Date.now() < deadline) await sleep(100);
    if (pidAlive(record.pid)) {
      // Still uploading (a large save on a slow link): it unmounts by itself once the saves are in.
      throw new CliFailure(
        EXIT.failure,
        `${mountPoint} is still mounted: after ${formatSeconds(waitMs)} its engine (pid ${record.pid}) is still saving files to the workspace; it unmounts by itself once they are saved`,
        `wait, then check with \`wsfs status\` (nothing is lost: the saves wait in the write journal); to stop it at once anyway: kill -9 ${record.pid} (its saves are finished at the next mount, which also clears the mount it leaves)`,
      );
    }
  }
  if (await isMountPoint(mountPoint)) {
    let result = await fuseUnmount(mountPoint, false);
    if (!result.ok) result = await fuseUnmount(mountPoint, true);
    if (!result.ok) {
      throw new CliFailure(EXIT.failure, `cannot unmount ${mountPoint}: ${result.message}`, `close programs using it (lsof ${mountPoint}), then try again`);
    }
  } else if (!alive) {
    await removeRecord(mountPoint);
    throw new CliFailure(EXIT.mountPoint, `nothing is mounted at ${mountPoint}`, '`wsfs status` lists the current mounts');
  }
  await removeRecord(mountPoint);
  process.stdout.write(`Unmounted ${mountPoint}\n`);
  return EXIT.ok;
}

/** `wsfs status`. */
export async function runStatus(): Promise<void> {
  const records = await listRecords();
  if (records.length === 0) {
    process.stdout.write('No wsfs mounts.\n');
    return;
  }
  for (const record of records) {
    const alive = pidAlive(record.pid);
    const where = `${record.host}${record.remotePath}${record.demo ? ' (demo)' : ''}`;
    process.stdout.write(`${record.mountPoint}\t${where}\tpid ${record.pid} ${alive ? 'running' : 'dead (record removed)'}\n`);
    if (!alive) await removeRecord(record.mountPoint);
    else if (record.cacheDir !== undefined) process.stdout.write(`${await cacheLine(record.cacheDir, record.cacheLimitBytes)}\n`);
  }
}

/** `  cache: N files, X of LIMIT in DIR`, from the cache's index as last written (at most a second old). */
async function cacheLine(dir: string, limit: number | undefined): Promise<string> {
  const index = await readCacheIndex(dir).catch(() => undefined);
  const files = index?.records.length ?? 0;
  const bytes = index?.records.reduce((sum, record) => sum + record.bytes, 0) ?? 0;
  return `\tcache: ${files} file${files === 1 ? '' : 's'}, ${formatByteSize(bytes)}${limit === undefined ? '' : ` of ${formatByteSize(limit)}`} in ${dir}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
