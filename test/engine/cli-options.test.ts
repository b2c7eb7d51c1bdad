// `wsfs mount` options proven end to end with real mounts (bin/wsfs.js and its engine in child
// processes, the mount read by this process with async calls only): `--debug` and the quiet
// default, `--cache-dir` (and `wsfs status` naming it), `--host` with `--profile` refused,
// `--profile` with `auth_type = databricks-cli` (a fake Databricks CLI on PATH) and the same through
// DATABRICKS_AUTH_TYPE with stdin held open, and SIGTERM to the
// engine with `--background-uploads` (the pending upload lands before the unmount). Every child runs
// with a private HOME and runtime folder and without the machine's DATABRICKS_* variables; every
// wait is bounded and `after` removes every mount and child this file made.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { pidAlive } from '../../src/fs/pid-alive';
import { CliProcess, killAllCli } from '../support/cli-child';
import { startEmulator } from '../support/emulator-fixture';
import { writeFakeDatabricksCli } from '../support/fake-databricks-cli';
import { program } from '../support/mounted-workspace';
import { isMounted, remoteSha, restartableMount, type RestartableMount } from '../support/restartable-mount';

const IMPORT_FILE = 'POST /api/2.0/workspace-files/import-file/{path}';
/** What an operation, cache or request line of `--debug` looks like (logger.ts formatLogRecord). */
const DEBUG_LINE = /^\S+ DEBUG \[/m;
/** A workspace token as the emulator (and Databricks) issue them. */
const TOKEN_SHAPE = /dapi[0-9a-f]{16,}/;

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Polls `check` every 100 ms for at most `ms`; throws naming `what` when it never held. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  for (let i = 0; i < Math.ceil(ms / 100); i++) {
    if (await check()) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  if (!(await check())) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

describe('wsfs mount options, end to end', () => {
  let base = '';
  let home = '';
  let emulator: WorkspaceEmulator;
  const mountPoints: string[] = [];
  const pids: number[] = [];
  const restartable: RestartableMount[] = [];

  /** The environment of every child: private HOME and runtime/state folders, no DATABRICKS_*, no XDG_CACHE_HOME. */
  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const clean: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('DATABRICKS_') && key !== 'XDG_CACHE_HOME') clean[key] = value;
    return { ...clean, HOME: home, WSFS_RUNTIME_DIR: join(base, 'run'), XDG_STATE_HOME: join(base, 'state'), ...extra };
  }

  /** Runs `wsfs ...args` to its end (stdin closed at once); bounded. */
  async function wsfs(args: string[], extra: Record<string, string> = {}): Promise<CliProcess & { code: number | null }> {
    const cli = CliProcess.spawn(args, { env: env(extra) });
    cli.child.stdin.end();
    const { code } = await cli.exit(90_000);
    return Object.assign(cli, { code });
  }

  async function emptyDir(name: string): Promise<string> {
    const dir = join(base, name);
    await mkdir(dir, { recursive: true });
    mountPoints.push(dir);
    return dir;
  }

  /** The engine pid `wsfs status` lists for `mountPoint`. */
  async function statusPid(mountPoint: string): Promise<number> {
    const status = await wsfs(['status']);
    const line = status.stdout.split('\n').find((l) => l.startsWith(`${mountPoint}\t`));
    const pid = Number(/pid (\d+)/.exec(line ?? '')?.[1]);
    assert.ok(pid > 0, `status lists ${mountPoint}: ${status.stdout}`);
    pids.push(pid);
    return pid;
  }

  /** `wsfs mount --foreground ...args DIR`, resolved once it serves. */
  async function foreground(args: string[], mountPoint: string): Promise<CliProcess> {
    const cli = CliProcess.spawn(['mount', '--foreground', ...args, mountPoint], { env: env() });
    cli.child.stdin.end();
    await until('the foreground mount to serve', () => cli.stderr.includes('Serving in the foreground') || !cli.running);
    assert.ok(cli.running, `wsfs mount --foreground ended: ${cli.stderr}`);
    return cli;
  }

  /** Lists the mount, reads one notebook twice (the first open after the listing, then again). */
  async function browse(mountPoint: string): Promise<void> {
    assert.ok((await readdir(mountPoint)).includes('Getting Started.py'));
    for (let i = 0; i < 2; i++) assert.match(await readFile(join(mountPoint, 'Getting Started.py'), 'utf8'), /^# Databricks notebook source\n/);
  }

  /** Ctrl+C to a foreground mount; it unmounts and exits 0. */
  async function interrupt(cli: CliProcess, mountPoint: string): Promise<void> {
    cli.kill('SIGINT');
    const ended = await cli.exit(60_000);
    assert.equal(ended.code, 0, cli.stderr);
    assert.equal(await isMounted(mountPoint), false);
  }

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'wsfs-cli-options-'));
    home = join(base, 'home');
    await mkdir(home);
    emulator = await startEmulator({ seed: 'demo' });
  });

  after(async () => {
    await killAllCli();
    for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGTERM');
    await until('engines to exit', () => pids.every((pid) => !pidAlive(pid)), 15_000).catch(() => {
      for (const pid of pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    for (const mount of restartable) await mount.stop();
    for (const dir of mountPoints) if (await isMounted(dir)) await program('fusermount', ['-uz', dir], { timeoutMs: 10_000 });
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('--debug: stderr shows each FUSE operation, content and listing cache misses and hits, and remote requests, but no token', async () => {
    const mountPoint = await emptyDir('debug');
    const cli = await foreground(['--demo', '--debug'], mountPoint);
    await browse(mountPoint);
    await interrupt(cli, mountPoint);
    const log = cli.stderr;
    assert.match(log, /^\S+ DEBUG \[fuse\.op\] readdir \/ -> \d+ entries \([\d.]+ ms\)$/m, log);
    assert.match(log, /^\S+ DEBUG \[fuse\.op\] open \/Getting Started\.py flags=0x[0-9a-f]+ -> fh=\d+ /m);
    assert.match(log, /^\S+ DEBUG \[fuse\.op\] release \/Getting Started\.py fh=\d+ -> ok /m);
    assert.match(log, /^\S+ DEBUG \[cache\] cache miss \{"key":"[^"]+"\}$/m);
    assert.match(log, /^\S+ DEBUG \[cache\] cache hit \{"key":"[^"]+"\}$/m);
    assert.match(log, /^\S+ DEBUG \[meta\] listing miss \{"path":"\/"\}$/m);
    assert.match(log, /^\S+ DEBUG \[meta\] listing hit \{"path":"\/"\}$/m);
    assert.match(log, /^\S+ DEBUG \[remote\] request \{"method":"GET","target":"\/api\/2\.0\/workspace-files\/list-files\?path=[^"]+","status":200,/m);
    assert.match(log, /^\S+ DEBUG \[remote\] request \{"method":"GET","target":"\/api\/2\.0\/workspace\/export\?[^"]*Getting\+Started[^"]*","status":200,/m);
    assert.doesNotMatch(log, TOKEN_SHAPE, 'no token in the debug log');
    assert.doesNotMatch(log, /authorization|bearer/i);
  });

  it('without --debug the same session is quiet: no operation, cache or request lines', async () => {
    const mountPoint = await emptyDir('quiet');
    const cli = await foreground(['--demo'], mountPoint);
    await browse(mountPoint);
    await interrupt(cli, mountPoint);
    assert.doesNotMatch(cli.stderr, DEBUG_LINE, cli.stderr);
    assert.doesNotMatch(cli.stderr, /\[fuse\.op\]|(cache|listing) (hit|miss)|\[remote\] request/);
    assert.equal(cli.stderr.trim(), 'Serving in the foreground; press Ctrl+C to unmount.');
  });

  it('--cache-dir DIR: the content cache and its index live there, and wsfs status names it', async () => {
    const mountPoint = await emptyDir('cache-dir');
    const cacheDir = join(base, 'chosen cache');
    const defaultCaches = (): Promise<string[]> => readdir(join(home, '.cache', 'wsfs')).catch(() => []);
    const before = await defaultCaches();
    const mounted = await wsfs(['mount', '--demo', '--cache-dir', cacheDir, mountPoint]);
    assert.equal(mounted.code, 0, mounted.stderr);
    await statusPid(mountPoint);
    await browse(mountPoint);
    const statusLine = async (): Promise<string> => (await wsfs(['status'])).stdout.split('\n').find((l) => l.startsWith('\tcache: ')) ?? '';
    // The index is written within about a second of a change.
    await until('the cache index to list the read notebook', async () => /^\tcache: [1-9]\d* files?, /.test(await statusLine()));
    const line = await statusLine();
    assert.ok(line.endsWith(` in ${cacheDir}`), line);
    const index = JSON.parse(await readFile(join(cacheDir, 'index.json'), 'utf8')) as { records: unknown[] };
    assert.ok(index.records.length >= 1);
    assert.deepEqual(await defaultCaches(), before, 'no cache of this mount in the default folder');
    const unmounted = await wsfs(['unmount', mountPoint]);
    assert.equal(unmounted.code, 0, unmounted.stderr);
  });

  it('--host together with --profile is refused (exit 2), naming the fix', async () => {
    const mountPoint = await emptyDir('host-and-profile');
    const run = await wsfs(['mount', '--host', emulator.host, '--profile', 'emu', mountPoint]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /pass either --host or --profile, not both/);
    assert.match(run.stderr, /^fix: a profile already names its host/m);
    assert.equal(await isMounted(mountPoint), false);
  });

  it('--profile with auth_type = databricks-cli gets its token from the Databricks CLI (a fake one on PATH)', async () => {
    const bin = join(base, 'bin');
    await mkdir(bin);
    const calls = join(base, 'databricks-cli.log');
    await writeFakeDatabricksCli(join(bin, 'databricks'), emulator.token, calls);
    await writeFile(join(home, '.databrickscfg'), `[via-cli]\nhost = ${emulator.host}\nauth_type = databricks-cli\n`, { mode: 0o600 });
    const mountPoint = await emptyDir('databricks-cli');
    try {
      const mounted = await wsfs(['mount', '--profile', 'via-cli', mountPoint], { PATH: `${bin}:${process.env.PATH ?? ''}` });
      assert.equal(mounted.code, 0, mounted.stderr);
      assert.ok(mounted.stdout.includes(`Mounted ${emulator.host}/Users/${emulator.userName} at ${mountPoint}`), mounted.stdout);
      const pid = await statusPid(mountPoint);
      assert.ok((await readdir(mountPoint)).includes('Sales Report.sql'));
      const ran = (await readFile(calls, 'utf8')).trim().split('\n');
      // The SDK names the profile (newer CLIs) or the host.
      assert.ok(ran.some((line) => line === 'auth token --profile via-cli' || line === `auth token --host ${emulator.host}`), ran.join(' | '));
      assert.ok(ran.every((line) => !line.includes(emulator.token)), 'the token is never on the CLI argv');
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      assert.ok(!environ.includes(emulator.token), 'no token in the engine environment');
      const unmounted = await wsfs(['unmount', mountPoint]);
      assert.equal(unmounted.code, 0, unmounted.stderr);
    } finally {
      await rm(join(home, '.databrickscfg'), { force: true });
    }
  });

  it('DATABRICKS_AUTH_TYPE=databricks-cli in the environment: no wait for a token on a stdin held open, no config file needed', async () => {
    const bin = join(base, 'bin-env');
    await mkdir(bin, { recursive: true });
    await writeFakeDatabricksCli(join(bin, 'databricks'), emulator.token, join(base, 'databricks-cli-env.log'));
    const mountPoint = await emptyDir('databricks-cli-env');
    const cli = CliProcess.spawn(['mount', mountPoint], {
      env: env({ PATH: `${bin}:${process.env.PATH ?? ''}`, DATABRICKS_HOST: emulator.host, DATABRICKS_AUTH_TYPE: 'databricks-cli', WSFS_STDIN_TOKEN_WAIT_MS: '60000' }),
    });
    // stdin stays open (a CI runner's): before, the command waited on it for a token, then gave up.
    const { code } = await cli.exit(90_000);
    assert.equal(code, 0, cli.stderr);
    assert.doesNotMatch(cli.stderr, /reading the token from stdin/);
    await statusPid(mountPoint);
    assert.ok((await readdir(mountPoint)).includes('Sales Report.sql'));
    const unmounted = await wsfs(['unmount', mountPoint]);
    assert.equal(unmounted.code, 0, unmounted.stderr);
  });

  it('SIGTERM to the engine with --background-uploads: the pending upload lands, then the mount is removed', async () => {
    // Uploads wait 1.5 s in the emulator, so the save is still pending when the signal arrives.
    const mount = await restartableMount({ emulator: { faults: { rules: [{ endpoint: IMPORT_FILE, fault: { kind: 'latency', ms: 1500 } }] } } });
    restartable.push(mount);
    await mount.start(['--background-uploads', '--debug']);
    const data = randomBytes(300 * 1024);
    await writeFile(mount.local('sigterm.bin'), data);
    assert.notEqual(remoteSha(mount, 'sigterm.bin'), sha(data), 'the close returned before the upload (background uploads)');
    const pid = await mount.enginePid();
    await mount.terminateEngine();
    assert.equal(remoteSha(mount, 'sigterm.bin'), sha(data), 'the bytes are in the workspace');
    assert.equal(await isMounted(mount.mountPoint), false, 'the mount is gone');
    assert.equal(pidAlive(pid), false, 'the engine exited');
    const log = mount.log();
    const uploaded = log.search(/\[remote\] request \{"method":"POST","target":"\/api\/2\.0\/workspace-files\/import-file\/[^"]*sigterm\.bin[^"]*","status":200/);
    const unmounted = log.indexOf('[fuse] unmounted');
    assert.ok(uploaded >= 0 && unmounted > uploaded, `uploaded (at ${uploaded}) before the unmount (at ${unmounted}):\n${log}`);
    assert.ok(!log.includes(mount.emulator.token), 'no token in the debug log');
  });
});
