// `wsfs mount | unmount | status` as a user runs them (bin/wsfs.js in child processes): real
// mounts of the demo and of an emulator (ls/cat through the mount, status, unmount, foreground
// Ctrl+C, external unmount), and each mistake failing with a clear message, its fix and a
// documented non-zero exit code. Every child
// runs with a private runtime folder and HOME, and without DATABRICKS_* variables of the machine.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { startEmulator } from '../support/emulator-fixture';
import { pidAlive } from '../../src/fs/pid-alive';
import { WSFS_BIN } from '../support/cli-child';
import { isMounted } from '../support/restartable-mount';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let base = '';
const children = new Set<ReturnType<typeof spawn>>();

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('DATABRICKS_')) env[key] = value;
  return { ...env, HOME: join(base, 'home'), WSFS_RUNTIME_DIR: join(base, 'run'), XDG_STATE_HOME: join(base, 'state'), ...extra };
}

/** Runs `wsfs ...args` with stdin `input`, then stdin closed (kept open with `holdStdin`); bounded. */
function wsfs(args: string[], options: { env?: Record<string, string>; input?: string; holdStdin?: boolean; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WSFS_BIN, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin.on('error', () => undefined);
    if (options.holdStdin === true) child.stdin.write(options.input ?? '');
    else child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wsfs ${args.join(' ')} still running after ${options.timeoutMs ?? 30_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

async function emptyDir(name: string): Promise<string> {
  const dir = join(base, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

function failsWith(run: Run, exitCode: number, message: RegExp, fix: RegExp): void {
  assert.equal(run.code, exitCode, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.match(run.stderr, /^fix: /m, `a fix is named: ${run.stderr}`);
  assert.match(run.stderr, fix);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

describe('wsfs mount: clear errors', () => {
  let emulator: WorkspaceEmulator;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'wsfs-cli-mount-'));
    await mkdir(join(base, 'home'));
    emulator = await startEmulator({ seed: 'demo' });
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('refuses a token on the command line and says why', async () => {
    const mountPoint = await emptyDir('token-argv');
    for (const flag of [['--token', 'dapi123'], ['--token=dapi123']]) {
      const run = await wsfs(['mount', ...flag, '--host', emulator.host, mountPoint]);
      failsWith(run, 2, /does not take a token on the command line/, /DATABRICKS_TOKEN|--token-stdin/);
      assert.doesNotMatch(run.stderr + run.stdout, /dapi123/);
    }
  });

  it('refuses a malformed --cache-size or --cache-min-free, naming the accepted forms', async () => {
    const mountPoint = await emptyDir('cache-size');
    for (const [flag, value] of [['--cache-size', '5X'], ['--cache-size', 'lots'], ['--cache-min-free', '-1G']]) {
      const run = await wsfs(['mount', '--demo', flag!, value!, mountPoint]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`${flag} takes a size such as 500M, 5G or 1\\.5T`));
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  it('refuses a missing mount point', async () => {
    const run = await wsfs(['mount', '--demo', join(base, 'does-not-exist')]);
    failsWith(run, 3, /does not exist/, /mkdir -p/);
  });

  it('refuses a mount point that is a file', async () => {
    const file = join(base, 'a-file');
    await writeFile(file, 'x');
    const run = await wsfs(['mount', '--demo', file]);
    failsWith(run, 3, /is not a folder/, /empty folder/);
  });

  it('refuses a non-empty mount point', async () => {
    const dir = await emptyDir('full');
    await writeFile(join(dir, 'keep.txt'), 'x');
    const run = await wsfs(['mount', '--demo', dir]);
    failsWith(run, 3, /is not empty/, /empty folder/);
  });

  it('refuses a malformed host', async () => {
    const run = await wsfs(['mount', '--host', 'htp:/my workspace', await emptyDir('bad-host')], { env: { DATABRICKS_TOKEN: emulator.token } });
    failsWith(run, 2, /malformed workspace host/, /--host https:\/\//);
  });

  it('refuses a wrong token, naming the host and how to get a new token', async () => {
    const wrong = `dapi${'f'.repeat(32)}`;
    const run = await wsfs(['mount', '--host', emulator.host, await emptyDir('wrong-token')], { env: { DATABRICKS_TOKEN: wrong } });
    failsWith(run, 5, /refused the credentials \(the token is wrong, expired or revoked\)/, /access token/);
    assert.ok(run.stderr.includes(emulator.host));
    assert.ok(!run.stderr.includes(wrong), 'the token is never printed');
  });

  it('reads a piped token from stdin, and reports an unreachable host', async () => {
    const run = await wsfs(['mount', '--host', 'http://127.0.0.1:9', await emptyDir('unreachable')], { input: `${emulator.token}\n` });
    failsWith(run, 5, /cannot reach http:\/\/127\.0\.0\.1:9/, /network/);
    assert.ok(!run.stderr.includes(emulator.token));
  });

  it('stdin held open without a token: says it reads stdin, then gives up within the bound with exit 2 and the fix', async () => {
    const run = await wsfs(['mount', '--host', emulator.host, await emptyDir('silent-stdin')], { env: { WSFS_STDIN_TOKEN_WAIT_MS: '500' }, holdStdin: true, timeoutMs: 8_000 });
    failsWith(run, 2, /no token arrived on stdin within 0\.5 s/, /set DATABRICKS_TOKEN, pass --profile NAME, or pipe the token in and close stdin/);
    assert.match(run.stderr, /^wsfs mount: no DATABRICKS_TOKEN and no --profile: reading the token from stdin \(waiting up to 0\.5 s\)/m);
  });

  it('an empty stdin and no other credential: exit 2 naming the fix', async () => {
    const run = await wsfs(['mount', '--host', emulator.host, await emptyDir('empty-stdin')]);
    failsWith(run, 2, /no credentials: stdin was empty, DATABRICKS_TOKEN is not set and no --profile was given/, /DATABRICKS_TOKEN.*--profile.*--token-stdin/);
  });

  it('refuses a remote path that does not exist', async () => {
    const run = await wsfs(['mount', '--host', emulator.host, '--remote-path', '/Users/nobody/nothing', await emptyDir('missing-remote')], {
      env: { DATABRICKS_TOKEN: emulator.token },
    });
    failsWith(run, 6, /\/Users\/nobody\/nothing does not exist/, /--remote-path/);
  });

  it('says when FUSE is not installed, with the install command', async () => {
    const run = await wsfs(['mount', '--demo', await emptyDir('no-fuse')], { env: { PATH: join(base, 'no-such-bin') } });
    failsWith(run, 4, /FUSE is not available \(fusermount is not on PATH\)/, /apt install fuse/);
  });

  it('refuses an unknown profile, and says when no host is configured at all', async () => {
    const unknown = await wsfs(['mount', '--profile', 'nosuch', await emptyDir('no-profile')]);
    failsWith(unknown, 2, /profile "nosuch" gives no workspace host/, /~\/\.databrickscfg/);
    await writeFile(join(base, 'home', '.databrickscfg'), '[other]\nhost = https://x.cloud.databricks.com\n');
    try {
      const missing = await wsfs(['mount', '--profile', 'nosuch', await emptyDir('no-profile-2')]);
      failsWith(missing, 2, /has no nosuch profile/, /~\/\.databrickscfg/);
    } finally {
      await rm(join(base, 'home', '.databrickscfg'), { force: true });
    }
    const nothing = await wsfs(['mount', await emptyDir('no-host')]);
    failsWith(nothing, 2, /no workspace host is configured/, /--host .*--demo/);
  });

  it('unmount says when nothing is mounted there', async () => {
    const run = await wsfs(['unmount', await emptyDir('not-mounted')]);
    failsWith(run, 3, /nothing is mounted at/, /wsfs status/);
  });

  it('status with no mounts says so', async () => {
    const run = await wsfs(['status']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /No wsfs mounts/);
  });
});

/** Runs a real program (ls, cat, fusermount) without blocking this process's event loop. */
function program(command: string, args: string[], timeoutMs = 15_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

async function mounted(dir: string): Promise<boolean> {
  const table = await readFile('/proc/self/mountinfo', 'utf8');
  return table.split('\n').some((line) => (line.split(' ')[4] ?? '').replace(/\\040/g, ' ') === dir);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function recordPid(mountPoint: string): Promise<number> {
  const status = await wsfs(['status']);
  const line = status.stdout.split('\n').find((l) => l.startsWith(`${mountPoint}\t`));
  const pid = Number(/pid (\d+)/.exec(line ?? '')?.[1]);
  assert.ok(pid > 0, `status lists ${mountPoint}: ${status.stdout}`);
  return pid;
}

describe('wsfs mount: real mounts', () => {
  let emulator: WorkspaceEmulator;
  const mountPoints: string[] = [];
  const pids: number[] = [];

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'wsfs-cli-real-'));
    await mkdir(join(base, 'home'));
    emulator = await startEmulator({ seed: 'demo' });
  });

  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
    await until('engines to exit', () => pids.every((pid) => !alive(pid)), 10_000).catch(() => {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
    for (const dir of mountPoints) if (await mounted(dir)) await program('fusermount', ['-uz', dir]);
    await emulator?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it('mount --demo returns once ready; ls, cat, status and unmount work', async () => {
    const mountPoint = await emptyDir('demo');
    mountPoints.push(mountPoint);
    const run = await wsfs(['mount', '--demo', mountPoint]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Mounted http:\/\/127\.0\.0\.1:\d+\/Users\/\S+ at /);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    assert.ok(await mounted(mountPoint), 'mounted as soon as the command returned');

    const ls = await program('ls', ['-la', mountPoint]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /Getting Started\.py/);
    assert.match(ls.stdout, /Sales Report\.sql/);
    const cat = await program('cat', [join(mountPoint, 'Getting Started.py')]);
    assert.equal(cat.code, 0, cat.stderr);
    assert.match(cat.stdout, /^# Databricks notebook source\n/);

    const status = await wsfs(['status']);
    assert.match(status.stdout, new RegExp(`^${mountPoint}\\thttp://127\\.0\\.0\\.1:\\d+/Users/\\S+ \\(demo\\)\\tpid ${pid} running$`, 'm'));
    assert.match(status.stdout, new RegExp(`^\\tcache: \\d+ files?, [\\d.]+ (B|KiB|MiB) of 5\\.0 GiB in ${base}/home/\\.cache/wsfs/[0-9a-f]{16}$`, 'm'), status.stdout);

    const again = await wsfs(['mount', '--demo', mountPoint]);
    failsWith(again, 3, /already a mount point/, /wsfs unmount/);

    const unmount = await wsfs(['unmount', mountPoint]);
    assert.equal(unmount.code, 0, unmount.stderr);
    assert.match(unmount.stdout, /Unmounted /);
    assert.equal(await mounted(mountPoint), false);
    await until('the engine to exit', () => !alive(pid));
    assert.match((await wsfs(['status'])).stdout, /No wsfs mounts/);
  });

  it('mounts a workspace with DATABRICKS_TOKEN at /Users/<me>; the token is on neither argv nor env of the engine', async () => {
    const mountPoint = await emptyDir('token');
    mountPoints.push(mountPoint);
    const run = await wsfs(['mount', '--host', emulator.host, mountPoint], { env: { DATABRICKS_TOKEN: emulator.token } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes(`${emulator.host}/Users/${emulator.userName} at ${mountPoint}`), run.stdout);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    assert.ok(!environ.includes(emulator.token) && !environ.includes('DATABRICKS_TOKEN'), 'no token in the engine environment');
    assert.ok(!cmdline.includes(emulator.token), 'no token on the engine command line');
    const ls = await program('ls', [mountPoint]);
    assert.match(ls.stdout, /Getting Started\.py/);
    const records = await readFile(join(base, 'run', (await readdir(join(base, 'run'))).find((n) => n.endsWith('.json'))!), 'utf8');
    assert.ok(!records.includes(emulator.token), 'no token in the mount record');
    assert.equal((await wsfs(['unmount', mountPoint])).code, 0);
    await until('the engine to exit', () => !alive(pid));
  });

  it('mounts with a token piped on stdin, also when stdin stays open after its line; the token is never printed', async () => {
    const mountPoint = await emptyDir('stdin-token');
    mountPoints.push(mountPoint);
    const run = await wsfs(['mount', '--host', emulator.host, mountPoint], { input: `${emulator.token}\n`, holdStdin: true });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(!run.stdout.includes(emulator.token) && !run.stderr.includes(emulator.token), 'the token is never printed');
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    assert.match((await program('ls', [mountPoint])).stdout, /Getting Started\.py/);
    assert.equal((await wsfs(['unmount', mountPoint])).code, 0);
    await until('the engine to exit', () => !alive(pid));
  });

  it('stdin held open without a token, but a config file: after the wait it signs in with the file', async () => {
    const mountPoint = await emptyDir('silent-stdin-config');
    mountPoints.push(mountPoint);
    await writeFile(join(base, 'home', '.databrickscfg'), `[DEFAULT]\nhost = ${emulator.host}\ntoken = ${emulator.token}\n`, { mode: 0o600 });
    try {
      const run = await wsfs(['mount', mountPoint], { env: { WSFS_STDIN_TOKEN_WAIT_MS: '500' }, holdStdin: true, timeoutMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /no token on stdin within 0\.5 s; signing in with .*\.databrickscfg/);
      pids.push(await recordPid(mountPoint));
      assert.match((await program('ls', [mountPoint])).stdout, /Sales Report\.sql/);
      assert.equal((await wsfs(['unmount', mountPoint])).code, 0);
    } finally {
      await rm(join(base, 'home', '.databrickscfg'), { force: true });
    }
  });

  it('mounts with a profile of ~/.databrickscfg (host and token from the file)', async () => {
    const mountPoint = await emptyDir('profile');
    mountPoints.push(mountPoint);
    await writeFile(join(base, 'home', '.databrickscfg'), `[emu]\nhost = ${emulator.host}\ntoken = ${emulator.token}\n`, { mode: 0o600 });
    try {
      const run = await wsfs(['mount', '--profile', 'emu', mountPoint]);
      assert.equal(run.code, 0, run.stderr);
      pids.push(await recordPid(mountPoint));
      assert.match((await program('ls', [mountPoint])).stdout, /Sales Report\.sql/);
      assert.equal((await wsfs(['unmount', mountPoint])).code, 0);
    } finally {
      await rm(join(base, 'home', '.databrickscfg'), { force: true });
    }
  });

  it('unmount while a background save is still uploading: says so (exit 1) instead of claiming it unmounted; the engine saves, then unmounts', async () => {
    const mountPoint = await emptyDir('still-saving');
    mountPoints.push(mountPoint);
    const run = await wsfs(['mount', '--host', emulator.host, '--background-uploads', mountPoint], { env: { DATABRICKS_TOKEN: emulator.token } });
    assert.equal(run.code, 0, run.stderr);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    emulator.faults.set({ rules: [{ endpoint: 'POST /api/2.0/workspace-files/import-file/{path}', fault: { kind: 'latency', ms: 3000 } }] });
    try {
      await writeFile(join(mountPoint, 'slow-save.txt'), 'saved while unmounting\n');
      const unmounted = await wsfs(['unmount', mountPoint], { env: { WSFS_UNMOUNT_WAIT_MS: '300' } });
      assert.equal(unmounted.code, 1, unmounted.stdout + unmounted.stderr);
      assert.doesNotMatch(unmounted.stdout, /Unmounted/);
      assert.match(unmounted.stderr, /is still mounted: after 0\.3 s its engine \(pid \d+\) is still saving files to the workspace/);
      assert.match(unmounted.stderr, /fix: wait, then check with `wsfs status`/);
      await until('the engine to save and exit', () => !pidAlive(pid), 30_000);
    } finally {
      emulator.faults.clear();
    }
    assert.equal(emulator.tree.contentOf(`/Users/${emulator.userName}/slow-save.txt`)?.toString(), 'saved while unmounting\n');
    assert.equal(await isMounted(mountPoint), false, 'the engine unmounted by itself');
  });

  it('--foreground serves until Ctrl+C (SIGINT to the group), then flushes, unmounts and exits 0', async () => {
    const mountPoint = await emptyDir('foreground');
    mountPoints.push(mountPoint);
    // Its own process group, so that SIGINT reaches the CLI and its engine at once, like Ctrl+C in a terminal.
    const child = spawn(process.execPath, [WSFS_BIN, 'mount', '--demo', '--foreground', mountPoint], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    await until('the foreground mount to be ready', () => stdout.includes('Mounted '), 20_000);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    await writeFile(join(mountPoint, 'written.txt'), 'saved through the mount\n');
    assert.match((await program('ls', [mountPoint])).stdout, /written\.txt/);
    process.kill(-child.pid!, 'SIGINT');
    const code = await Promise.race([exited, new Promise<string>((done) => setTimeout(() => done('timeout'), 20_000))]);
    assert.equal(code, 0, stderr);
    assert.equal(await mounted(mountPoint), false);
    assert.equal(alive(pid), false);
    assert.match((await wsfs(['status'])).stdout, /No wsfs mounts/);
  });

  it('after an engine is killed: status shows it dead, unmount clears the dead mount, a new mount works', async () => {
    const mountPoint = await emptyDir('killed');
    mountPoints.push(mountPoint);
    assert.equal((await wsfs(['mount', '--demo', mountPoint])).code, 0);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    process.kill(pid, 'SIGKILL');
    await until('the engine to die', () => !alive(pid));
    assert.match((await wsfs(['status'])).stdout, new RegExp(`pid ${pid} dead`));
    const unmount = await wsfs(['unmount', mountPoint]);
    assert.equal(unmount.code, 0, unmount.stderr);
    assert.equal(await mounted(mountPoint), false);

    // A dead mount left in place is cleared by the next mount's session.
    assert.equal((await wsfs(['mount', '--demo', mountPoint])).code, 0);
    const second = await recordPid(mountPoint);
    pids.push(second);
    process.kill(second, 'SIGKILL');
    await until('the second engine to die', () => !alive(second));
    const again = await wsfs(['mount', '--demo', mountPoint]);
    assert.equal(again.code, 0, again.stderr);
    pids.push(await recordPid(mountPoint));
    assert.match((await program('ls', [mountPoint])).stdout, /Getting Started\.py/);
    assert.equal((await wsfs(['unmount', mountPoint])).code, 0);
  });

  it('an external fusermount -u ends the engine; status then drops the dead record', async () => {
    const mountPoint = await emptyDir('external');
    mountPoints.push(mountPoint);
    assert.equal((await wsfs(['mount', '--demo', mountPoint])).code, 0);
    const pid = await recordPid(mountPoint);
    pids.push(pid);
    const unmounted = await program('fusermount', ['-u', mountPoint]);
    assert.equal(unmounted.code, 0, unmounted.stderr);
    await until('the engine to exit after an external unmount', () => !alive(pid));
    const status = await wsfs(['status']);
    assert.match(status.stdout, /dead \(record removed\)/);
    assert.match((await wsfs(['status'])).stdout, /No wsfs mounts/);
  });
});
