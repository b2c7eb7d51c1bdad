// `npm run bench`: named workloads against a real wsfs mount of the emulator (20 ms latency per
// request), each beside the same workload on a bindfs passthrough measured in the same run, so the
// ratios hold on a noisy machine; the read workloads also run on a second mount with the content
// cache off (`--no-cache`), shown side by side. Prints a table and JSON (also written to
// test-results/bench.json): wall time, requests per endpoint, bytes, engine RSS. A benchmark, not
// a test: it reports targets met or missed and never fails the build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkspaceEmulator } from '../src/emulator/workspace-emulator';
import { mountBindfs, mountWsfs, type BenchMount } from './bench-mounts';
import { WORKLOADS, type BenchContext, type WorkloadResult } from './bench-workloads';

const USER = 'bench@example.com';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.filter((arg) => !arg.startsWith('--'));
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
    await Promise.all([mkdir(local), mkdir(bindfsPoint), mkdir(wsfsPoint), mkdir(wsfsOffPoint)]);
    const context: BenchContext = { emulator, home: `/Users/${USER}`, local, scratch, quick, latencyMs, wsfsPoint, wsfsOffPoint, bindfsPoint };
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
    for (const workload of selected) {
      process.stderr.write(`bench: ${workload.name}…\n`);
      results.push(await workload.run({ ...context, wsfs, wsfsOff, bindfs }));
    }
  } finally {
    for (const mount of mounts.reverse()) await mount.unmount().catch(() => undefined);
    await emulator.stop();
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
  printTable(results);
  const json = JSON.stringify({ latencyMs: Number(process.env.WSFS_BENCH_LATENCY_MS ?? 20), quick, results }, null, 2);
  process.stdout.write(`\n${json}\n`);
  await mkdir('test-results', { recursive: true });
  await writeFile(path.join('test-results', 'bench.json'), json);
}

function printTable(results: WorkloadResult[]): void {
  const rows = results.map((r) => [
    r.name,
    `${r.wallMs.toFixed(0)} ms`,
    r.baselineMs === undefined ? '' : `${r.baselineMs.toFixed(0)} ms`,
    r.throughputMiBs === undefined ? '' : `${r.throughputMiBs.toFixed(0)} MiB/s`,
    r.baselineThroughputMiBs === undefined ? '' : `${r.baselineThroughputMiBs.toFixed(0)} MiB/s`,
    String(r.totalRequests),
    r.rssGrowthMiB === undefined ? '' : `${r.rssGrowthMiB.toFixed(1)} MiB`,
    r.cacheOff === undefined ? '' : `${r.cacheOff.wallMs.toFixed(0)} ms, ${r.cacheOff.totalRequests} req`,
    r.targets.map((t) => `${t.met ? 'ok' : 'MISSED'}: ${t.description}`).join('; '),
  ]);
  const header = ['workload', 'wsfs', 'bindfs', 'wsfs tput', 'bindfs tput', 'requests', 'engine RSS +', 'cache off', 'targets'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
