// KeytarSecretStore against a real Secret Service: the test starts a private D-Bus session with
// `dbus-run-session`, unlocks a fresh GNOME Keyring in it (a temp HOME, so the user's keyring is
// never touched) and runs a probe process that stores, reads, replaces and deletes a token.
// Also checks that a failing keychain (no Secret Service) gives an error that says what to do.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const PROBE = resolve(__dirname, '../support/keytar-probe.js');
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Runs `command args` with a deadline; resolves with its stdout, stderr and exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('KeytarSecretStore (real Secret Service)', () => {
  it('stores, reads, replaces and deletes a token under service wsfs', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wsfs-keyring-'));
    dirs.push(home);
    const token = `dapi${'0123456789abcdef'.repeat(2)}`;
    const script = `echo wsfs-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" "$1" "$2"`;
    const env = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: home, XDG_CONFIG_HOME: join(home, 'config') };
    const result = await run('dbus-run-session', ['--', 'sh', '-c', script, process.execPath, PROBE, token], env);
    assert.equal(result.code, 0, `probe failed: ${result.stdout} ${result.stderr}`);
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'the token appeared in the output');
    assert.deepEqual(JSON.parse(result.stdout.trim()), {
      before: true,
      roundTrip: true,
      otherService: true,
      replaced: true,
      deleted: true,
      deletedAgain: false,
      after: true,
    });
  });

  it('explains a missing Secret Service', async () => {
    const home = await mkdtemp(join(tmpdir(), 'wsfs-nokeyring-'));
    dirs.push(home);
    // A D-Bus session without a keyring daemon: keytar's calls fail.
    const env = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home };
    const result = await run('dbus-run-session', ['--', process.execPath, PROBE, 'dapi-not-stored-anywhere'], env);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /cannot (read|store) the token in the system keychain .*start and unlock a Secret Service keyring/);
    assert.ok(!result.stdout.includes('dapi-not-stored-anywhere'));
  });
});
