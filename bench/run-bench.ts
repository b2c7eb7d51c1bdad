// `npm run bench [--quick] [--rounds N] [workload…]`: named workloads against a real wsfs mount of
// the emulator (20 ms latency per request), each beside the same workload on a bindfs passthrough
// measured in the same run; the throughput workloads run N interleaved rounds (default 5) and
// report medians and ranges, so the ratios hold on a noisy machine; the read workloads also run on
// a second mount with the content cache off (`--no-cache`), shown side by side; the write workload
// runs on the usual mount (sync uploads) and on a third one with `--background-uploads`. Prints a table and
// JSON (also written to test-results/bench.json). A benchmark, not a test: it never fails the build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { WorkspaceEmulator } from '../src/emulator/workspace-emulator';
import { formatByteSize } from '../src/shared/cache-usage';
import { mountBindfs, mountWsfs, type BenchMount } from './bench-mounts';
import { WORKLOADS, type BenchContext, type WorkloadResult } from './bench-workloads';
import { formatSpread } from './paired-rounds';

const USER = 'bench@example.com';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 2 : 5;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a whole number >= 1, e.g. --rounds 5');
  const only = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--rounds');
  const loadBefore = loadavg();
  const latencyMs = Number(process.env.WSFS_BENCH_LATENCY_MS ?? 20);
  const scratch = await mkdtemp(path.join(tmpdir(), 'wsfs-bench-'));
  const emulator = await WorkspaceEmulator.start({ seed: 'empty', userName: USER, faults: { latencyMs } });
  const mounts: BenchMount[] = [];
  const results: WorkloadResult[] = [];
  try {
    const local = path.join(scratch, 'local');
    const bindfsPoint = path.join(scratch, 'bindfs');
    const wsfsPoint = path.join(scratch, 'wsfs');
    const wsfsOffPoint = path.join(scratch, 'wsfs-no-cache');
    const wsfsBackgroundPoint = path.join(scratch, 'wsfs-background');
    await Promise.all([mkdir(local), mkdir(bindfsPoint), mkdir(wsfsPoint), mkdir(wsfsOffPoint), mkdir(wsfsBackgroundPoint)]);
    const context: BenchContext = { emulator, home: `/Users/${USER}`, local, scratch, quick, rounds, latencyMs, wsfsPoint, wsfsOffPoint, wsfsBackgroundPoint, bindfsPoint };
    const selected = WORKLOADS.filter((workload) => only.length === 0 || only.includes(workload.name));
    for (const workload of selected) await workload.prepare(context);
    const bindfs = await mountBindfs(local, bindfsPoint);
    mounts.push(bindfs);
    const mount = (mountPoint: string, args: string[]): Promise<BenchMount> =>
      mountWsfs({ host: emulator.host, token: emulator.token, remotePath: context.home, mountPoint, ttlSeconds: 60, args });
    const wsfs = await mount(wsfsPoint, ['--cache-dir', path.join(scratch, 'cache')]);
    mounts.push(wsfs);
    const wsfsOff = await mount(wsfsOffPoint, ['--no-cache', '--cache-dir', path.join(scratch, 'cache-off')]);
    mounts.push(wsfsOff);
    const wsfsBackground = await mount(wsfsBackgroundPoint, ['--background-uploads', '--cache-dir', path.join(scratch, 'cache-background')]);
    mounts.push(wsfsBackground);
    for (const workload of selected) {
      process.stderr.write(`bench: ${workload.name}…\n`);
      const before = loadavg()[0]!;
      const result = await workload.run({ ...context, wsfs, wsfsOff, wsfsBackground, bindfs });
      results.push({ ...result, loadAverage: { before, after: loadavg()[0]! } });
    }
  } finally {
    for (const mount of mounts.reverse()) await mount.unmount().catch(() => undefined);
    await emulator.stop();
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  printTable(results);
  const machine = { cpus: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() };
  process.stdout.write(`\n${machine.cpus} CPUs; load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(1)).join('/')} before, ${machine.loadAverageAfter.map((l) => l.toFixed(1)).join('/')} after\n`);
  const json = JSON.stringify({ latencyMs, quick, rounds, machine, results }, null, 2);
  process.stdout.write(`\n${json}\n`);
  await mkdir('test-results', { recursive: true });
  await writeFile(path.join('test-results', 'bench.json'), json);
}

/**
 * The table (one row per workload: wall times, throughputs, requests, bytes up/down, the engine's
 * peak RSS and its growth), then per workload its requests per endpoint and any notes.
 */
function printTable(results: WorkloadResult[]): void {
  const rows = results.map((r) => [
    r.name,
    `${r.wallMs.toFixed(0)} ms`,
    r.baselineMs === undefined ? '' : `${r.baselineMs.toFixed(0)} ms`,
    r.throughputMiBs === undefined ? '' : `${r.throughputMiBs.toFixed(0)} MiB/s`,
    r.baselineThroughputMiBs === undefined ? '' : `${r.baselineThroughputMiBs.toFixed(0)} MiB/s`,
    r.ratio === undefined ? '' : `${formatSpread(r.ratio)}x`,
    String(r.totalRequests),
    `${formatByteSize(r.bytesIn)} / ${formatByteSize(r.bytesOut)}`,
    r.peakRssMiB === undefined ? '' : `${r.peakRssMiB.toFixed(0)} MiB (+${(r.rssGrowthMiB ?? 0).toFixed(1)})`,
    r.loadAverage === undefined ? '' : `${r.loadAverage.before.toFixed(1)}→${r.loadAverage.after.toFixed(1)}`,
    r.cacheOff === undefined ? '' : `${r.cacheOff.wallMs.toFixed(0)} ms, ${r.cacheOff.totalRequests} req`,
    r.targets.map((t) => `${t.met ? 'ok' : 'MISSED'}: ${t.description}`).join('; '),
  ]);
  const header = ['workload', 'wsfs', 'bindfs', 'wsfs tput', 'bindfs tput', 'ratio: median (range)', 'requests', 'bytes up / down', 'engine peak RSS (+growth)', 'load', 'cache off', 'targets'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write('\nrequests per endpoint (wsfs mount; bytes up = request bodies to the workspace, down = response bodies from it):\n');
  for (const r of results) process.stdout.write(`${r.name}: ${formatRequests(r.requests)}\n`);
  for (const r of results) if (r.notes !== undefined) process.stdout.write(`${r.name}: ${r.notes.join('; ')}\n`);
}

/** `GET /api/2.0/workspace/list 21, POST … 3`, most requested first; `none` for an empty count. */
function formatRequests(requests: Record<string, number>): string {
  const entries = Object.entries(requests).filter(([, count]) => count > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([endpoint, count]) => `${endpoint} ${count}`)
    .join(', ');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
