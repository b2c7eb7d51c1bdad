// A real wsfs mount for tests: an emulator in the test process and the real `wsfs mount
// --foreground` command (and its engine process) mounting it on a temp folder, plus a runner for
// real programs with deadlines, and a wait for background uploads (the engine's write journal
// empties). The test process never mounts, so it may touch the mount freely.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceEmulator, type EmulatorOptions } from '../../src/emulator/workspace-emulator';
import { WSFS_BIN } from './cli-child';

/** A mounted emulator. */
export interface MountedWorkspace {
  emulator: WorkspaceEmulator;
  /** Local mount point. */
  mountPoint: string;
  /** Remote folder mounted at `mountPoint`. */
  remotePath: string;
  /** The local path of a path relative to the mount root. */
  local(relative: string): string;
  /** The engine's `XDG_STATE_HOME` (its state folder, with the write journal, is `<stateHome>/wsfs/<id>`). */
  stateHome: string;
  /** What the engine wrote to stderr so far (warnings, e.g. the staging path of a failed upload). */
  engineLog(): string;
  /** Unmounts (SIGTERM: flush, then unmount), stops the emulator and removes the temp folder. */
  stop(): Promise<void>;
}

/** Options of `mountWorkspace`. */
export interface MountOptions {
  emulator?: EmulatorOptions;
  /** A running emulator to mount instead of a new one (then `stop()` leaves it running). */
  emulatorInstance?: WorkspaceEmulator;
  /** Remote folder to mount; default the emulator user's home. */
  remotePath?: string;
  /** Metadata TTL in seconds (`--ttl`). */
  ttlSeconds?: number;
  /** Extra `wsfs mount` arguments. */
  args?: string[];
}

/** Starts an emulator and mounts it with `wsfs mount --foreground`; resolves once mounted. */
export async function mountWorkspace(options: MountOptions = {}): Promise<MountedWorkspace> {
  const emulator = options.emulatorInstance ?? (await WorkspaceEmulator.start({ seed: 'demo', ...options.emulator }));
  const stopEmulator = (): Promise<void> => (options.emulatorInstance === undefined ? emulator.stop() : Promise.resolve());
  const dir = await mkdtemp(path.join(tmpdir(), 'wsfs-mounted-'));
  const mountPoint = path.join(dir, 'mnt');
  await run('mkdir', [mountPoint]);
  const remotePath = options.remotePath ?? `/Users/${emulator.userName}`;
  const args = [WSFS_BIN, 'mount', '--host', emulator.host, '--remote-path', remotePath, '--foreground'];
  if (options.ttlSeconds !== undefined) args.push('--ttl', String(options.ttlSeconds));
  args.push(...(options.args ?? []), mountPoint);
  // State and content cache default to folders inside `dir` (not the user's home).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABRICKS_TOKEN: emulator.token,
    WSFS_RUNTIME_DIR: path.join(dir, 'run'),
    XDG_STATE_HOME: path.join(dir, 'state'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
  };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForMount(mountPoint, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await stopEmulator();
    await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    emulator,
    mountPoint,
    remotePath,
    local: (relative) => path.join(mountPoint, relative),
    stateHome: path.join(dir, 'state'),
    engineLog: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      const exited = await Promise.race([new Promise((resolve) => child.once('exit', () => resolve(true))), sleep(30_000, false, { ref: false })]);
      if (!exited) child.kill('SIGKILL');
      await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
      await stopEmulator();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForMount(mountPoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    const mounts = await readFile('/proc/mounts', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === mountPoint)) return;
    if (exited !== null) throw new Error(`wsfs mount exited with ${String(exited)}: ${stderr()}`);
    await sleep(50);
  }
  throw new Error(`wsfs mount did not mount ${mountPoint} within 30 s: ${stderr()}`);
}

/** What a program did. */
export interface ProgramResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a real program (no shell) with a deadline; never rejects on a non-zero exit.
 *
 * Spawning is synchronous in the test process, which also serves the emulator: a `cwd` on the
 * mount would make the kernel ask the engine, the engine ask the (blocked) emulator, and the spawn
 * hang until the engine gives up. So the child changes into `cwd` itself (`sh -c 'cd … && exec …'`).
 * The program runs in its own process group, all of which is killed at the deadline (so a
 * grandchild holding the output pipes cannot outlive it).
 */
export function program(cmd: string, args: string[], options: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const [file, argv] = options.cwd === undefined ? [cmd, args] : ['/bin/sh', ['-c', 'cd -- "$0" && exec "$@"', options.cwd, cmd, ...args]];
    const child = spawn(file, argv, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    let spawnError = '';
    child.on('error', (error) => (spawnError = `${error.message}\n`));
    child.on('close', (code) => {
      clearTimeout(timer);
      const prefix = (timedOut ? `timed out after ${String(timeoutMs)} ms\n` : '') + spawnError;
      resolve({ code: spawnError === '' ? (code ?? 1) : 127, stdout: Buffer.concat(stdout).toString(), stderr: prefix + Buffer.concat(stderr).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** Like `program`, but rejects with the program's stderr on a non-zero exit. */
export async function run(cmd: string, args: string[], options: { cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<string> {
  const result = await program(cmd, args, options);
  if (result.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Resolves once no state folder under `stateHome` has a `closed` journal record; polls for at most 10 s. */
export async function journalSettled(stateHome: string): Promise<void> {
  let owed: string[] = [];
  for (let attempt = 0; attempt < 500; attempt++) {
    owed = await closedRecords(stateHome);
    if (owed.length === 0) return;
    await sleep(20);
  }
  throw new Error(`uploads did not settle within 10 s; still journaled: ${owed.join(', ')}`);
}

async function closedRecords(stateHome: string): Promise<string[]> {
  const root = path.join(stateHome, 'wsfs');
  const owed: string[] = [];
  for (const mount of await readdir(root).catch(() => [])) {
    const journal = path.join(root, mount, 'journal');
    for (const name of await readdir(journal).catch(() => [])) {
      if (!name.endsWith('.json')) continue;
      // A record removed between the listing and the read is settled.
      const text = await readFile(path.join(journal, name), 'utf8').catch(() => '{}');
      const record = JSON.parse(text) as { state?: string; path?: string };
      if (record.state === 'closed') owed.push(record.path ?? name);
    }
  }
  return owed;
}
