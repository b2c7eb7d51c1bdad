// `wsfs mount | unmount | status` as a user runs them (bin/wsfs.js in child processes): each
// mistake fails with a clear message, its fix and a documented non-zero exit code. Every child
// runs with a private runtime folder and HOME, and without DATABRICKS_* variables of the machine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { startEmulator } from '../support/emulator-fixture';
import { WSFS_BIN } from '../support/cli-child';

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

/** Runs `wsfs ...args` with stdin `input` (closed at once when absent); bounded. */
function wsfs(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WSFS_BIN, ...args], { env: cleanEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.stdin.end(options.input ?? '');
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

  it('refuses a remote path that does not exist', async () => {
    const run = await wsfs(['mount', '--host', emulator.host, '--remote-path', '/Users/nobody/nothing', await emptyDir('missing-remote')], {
      env: { DATABRICKS_TOKEN: emulator.token },
    });
    failsWith(run, 6, /\/Users\/nobody\/nothing does not exist/, /--remote-path/);
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
