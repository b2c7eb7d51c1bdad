// A real mount whose engine a test may kill -9 and start again on the same mount point with the
// same state folder (XDG_STATE_HOME under the test's temp folder), as a crash and the next start
// would: the emulator runs in the test process, `wsfs mount --foreground` and its engine in child
// processes. Also the engine's pid and resident memory, and the sha256 of what the emulator stores. No assertions here.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceEmulator, type EmulatorOptions } from '../../src/emulator/workspace-emulator';
import { WSFS_BIN } from './cli-child';
import { run } from './mounted-workspace';

/** A mount point whose engine can be killed and restarted. */
export interface RestartableMount {
  emulator: WorkspaceEmulator;
  mountPoint: string;
  /** The engine's state folder root (XDG_STATE_HOME of the engine). */
  stateHome: string;
  /** The local path of a path relative to the mount root. */
  local(relative: string): string;
  /** Starts `wsfs mount --foreground` (plus `args`) and resolves once mounted and serving. */
  start(args?: string[]): Promise<void>;
  /** The running engine's pid. */
  enginePid(): Promise<number>;
  /** The engine's resident set size in bytes (VmRSS). */
  engineRss(): Promise<number>;
  /** SIGKILL to the engine (the mount is left dead), then waits for the front end to end. */
  killEngine(): Promise<void>;
  /** SIGTERM to the engine itself (it flushes, unmounts and exits), then waits for the front end to end. */
  terminateEngine(): Promise<void>;
  /** Unmounts as `wsfs unmount` would (SIGTERM: flush, unmount, exit), keeping the state folder for the next `start()`. */
  unmount(): Promise<void>;
  /** Everything the mount commands wrote to stderr so far. */
  log(): string;
  /** Unmounts (SIGTERM), stops the emulator and removes the temp folder. */
  stop(): Promise<void>;
}

/** Creates an emulator and a mount point; call `start()` to mount. */
export async function restartableMount(options: { emulator?: EmulatorOptions } = {}): Promise<RestartableMount> {
  const emulator = await WorkspaceEmulator.start({ seed: 'demo', ...options.emulator });
  const dir = await mkdtemp(path.join(tmpdir(), 'wsfs-restart-'));
  const mountPoint = path.join(dir, 'mnt');
  const stateHome = path.join(dir, 'state');
  await run('mkdir', [mountPoint, stateHome]);
  let child: ChildProcess | undefined;
  let stderr = '';
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABRICKS_TOKEN: emulator.token,
    WSFS_RUNTIME_DIR: path.join(dir, 'run'),
    XDG_STATE_HOME: stateHome,
  };
  const exited = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once('exit', () => resolve())));

  const mount: RestartableMount = {
    emulator,
    mountPoint,
    stateHome,
    local: (relative) => path.join(mountPoint, relative),
    log: () => stderr,
    async start(args = []) {
      const argv = [WSFS_BIN, 'mount', '--host', emulator.host, '--remote-path', `/Users/${emulator.userName}`, '--foreground', ...args, mountPoint];
      const started = spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child = started;
      started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const from = stderr.length;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        // A dead mount is listed too: wait until the mount answers, and until the command says it
        // serves (only then does it handle SIGTERM; the mount appears a moment earlier).
        const serving = stderr.slice(from).includes('Serving in the foreground');
        if (serving && (await isMounted(mountPoint)) && (await stat(mountPoint).then(() => true, () => false))) return;
        if (started.exitCode !== null) throw new Error(`wsfs mount exited with ${started.exitCode}: ${stderr}`);
        await sleep(50);
      }
      throw new Error(`not mounted within 30 s: ${stderr}`);
    },
    async enginePid() {
      if (child?.pid === undefined) throw new Error('not started');
      const children = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
      if (children.length !== 1) throw new Error(`expected one engine process under ${child.pid}, found ${children.join(',') || 'none'}`);
      return Number(children[0]);
    },
    async engineRss() {
      const status = await readFile(`/proc/${await mount.enginePid()}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (kb === undefined) throw new Error('no VmRSS');
      return Number(kb) * 1024;
    },
    async killEngine() {
      const pid = await mount.enginePid();
      process.kill(pid, 'SIGKILL');
      if (child !== undefined) await Promise.race([exited(child), sleep(15_000, undefined, { ref: false })]);
    },
    async terminateEngine() {
      const pid = await mount.enginePid();
      process.kill(pid, 'SIGTERM');
      if (child === undefined) return;
      const done = await Promise.race([exited(child).then(() => true), sleep(60_000, false, { ref: false })]);
      if (!done) throw new Error(`the front end did not end within 60 s of the engine's SIGTERM: ${stderr}`);
    },
    async unmount() {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) throw new Error('not running');
      child.kill('SIGTERM');
      const done = await Promise.race([exited(child).then(() => true), sleep(30_000, false, { ref: false })]);
      if (!done) throw new Error(`the engine did not unmount within 30 s: ${stderr}`);
      if (await isMounted(mountPoint)) throw new Error(`${mountPoint} is still mounted after the engine exited: ${stderr}`);
    },
    async stop() {
      if (child !== undefined && child.exitCode === null) {
        child.kill('SIGTERM');
        const done = await Promise.race([exited(child).then(() => true), sleep(30_000, false, { ref: false })]);
        if (!done) child.kill('SIGKILL');
      }
      await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return mount;
}

/** The sha256 of the bytes the emulator stores at `relative` (in the user's home folder), or undefined. */
export function remoteSha(mount: RestartableMount, relative: string): string | undefined {
  const content = mount.emulator.tree.contentOf(`/Users/${mount.emulator.userName}/${relative}`);
  return content === undefined ? undefined : createHash('sha256').update(content).digest('hex');
}

/** Whether `mountPoint` is in /proc/mounts (a dead mount still is). */
export async function isMounted(mountPoint: string): Promise<boolean> {
  const mounts = await readFile('/proc/mounts', 'utf8');
  return mounts.split('\n').some((line) => line.split(' ')[1] === mountPoint);
}
