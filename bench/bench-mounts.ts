// Mounts the benchmark compares: a wsfs mount of an emulator (through the real `wsfs mount`
// command and engine process) and a bindfs passthrough of a local folder, the baseline measured in
// the same run. Also finds the engine process and samples its memory. No workloads here.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './bench-process';

const root = path.resolve(__dirname, '../..');

/** A mounted filesystem under test. */
export interface BenchMount {
  mountPoint: string;
  /** The process serving the mount (the wsfs engine, or bindfs). */
  pid: number;
  unmount(): Promise<void>;
}

/** Mounts the emulator at `remotePath` with `wsfs mount --foreground` (plus `args`). */
export async function mountWsfs(options: {
  host: string;
  token: string;
  remotePath: string;
  mountPoint: string;
  ttlSeconds?: number;
  /** Extra `wsfs mount` arguments (e.g. `--no-cache`, `--cache-dir DIR`). */
  args?: string[];
}): Promise<BenchMount> {
  const args = [path.join(root, 'bin/wsfs.js'), 'mount', '--host', options.host, '--remote-path', options.remotePath, '--foreground'];
  if (options.ttlSeconds !== undefined) args.push('--ttl', String(options.ttlSeconds));
  args.push(...(options.args ?? []));
  args.push(options.mountPoint);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, DATABRICKS_TOKEN: options.token },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForMount(options.mountPoint, child);
  const pid = (await fuseServerPid(child.pid!)) ?? child.pid!;
  return {
    mountPoint: options.mountPoint,
    pid,
    unmount: async () => {
      child.kill('SIGTERM');
      const exited = await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(30_000, undefined, { ref: false })]);
      if (exited === undefined) child.kill('SIGKILL');
      await run('fusermount', ['-uz', options.mountPoint]).catch(() => undefined);
    },
  };
}

/** Mounts `source` at `mountPoint` with bindfs (`--multithreaded -o big_writes`), the baseline. */
export async function mountBindfs(source: string, mountPoint: string): Promise<BenchMount> {
  const child = spawn('bindfs', ['-f', '--multithreaded', '-o', 'big_writes', source, mountPoint], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForMount(mountPoint, child);
  return {
    mountPoint,
    pid: child.pid!,
    unmount: async () => {
      await run('fusermount', ['-u', mountPoint]).catch(() => run('fusermount', ['-uz', mountPoint]));
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(10_000, undefined, { ref: false })]);
    },
  };
}

async function waitForMount(mountPoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  while (Date.now() < deadline) {
    const mounts = await readFile('/proc/mounts', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === mountPoint)) return;
    if (exitCode !== null) throw new Error(`mounting ${mountPoint} failed: the process exited with ${String(exitCode)}`);
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`mounting ${mountPoint} did not finish within 60 s`);
}

/** The process among `ancestor` and its descendants that holds /dev/fuse open: the FUSE server. */
async function fuseServerPid(ancestor: number): Promise<number | undefined> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(Number(name), ppid);
  }
  const isDescendant = (pid: number): boolean => {
    for (let current = pid, hops = 0; current > 1 && hops < 64; current = parents.get(current) ?? 0, hops++) {
      if (current === ancestor) return true;
    }
    return false;
  };
  for (const pid of parents.keys()) {
    if (!isDescendant(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === '/dev/fuse') return pid;
    }
  }
  return undefined;
}

/** Resident memory of a process in bytes (VmRSS). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Runs `work` while sampling `pid`'s RSS every 50 ms; resolves with the result and the peak growth. */
export async function withRssSampling<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; baseRss: number; peakRss: number }> {
  const baseRss = await rssOf(pid);
  let peakRss = baseRss;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peakRss = Math.max(peakRss, await rssOf(pid).catch(() => 0));
      await sleep(50);
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    done = true;
    await sampler;
  }
  peakRss = Math.max(peakRss, await rssOf(pid).catch(() => 0));
  return { result, baseRss, peakRss };
}
