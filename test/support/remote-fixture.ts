// Helpers for testing DatabricksRemote against the emulator: a hermetic remote (explicit host and
// token, no environment, fast back-off), temp folders, large random files written and hashed
// without holding them in memory, an emulator in a child process (so that its memory does not
// count against the engine's), and request counters.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabricksRemote, type DatabricksRemoteOptions } from '../../src/fs/remote/databricks-remote';
import { createRemoteConfig, type RemoteSettings } from '../../src/fs/remote/remote-config';
import { RetryPolicy } from '../../src/fs/remote/retry-policy';

export const MiB = 1024 * 1024;

/** Where a test remote connects. */
export interface Endpoint {
  host: string;
  token: string;
}

/** A DatabricksRemote for `endpoint` that ignores the environment and backs off in milliseconds. */
export function testRemote(
  endpoint: Endpoint,
  tempDir: string,
  overrides: Partial<DatabricksRemoteOptions> & { settings?: RemoteSettings } = {},
): DatabricksRemote {
  const { settings, ...options } = overrides;
  return new DatabricksRemote({
    config: createRemoteConfig(settings ?? { host: endpoint.host, token: endpoint.token, authType: 'pat', env: {} }),
    tempDir,
    retry: new RetryPolicy({ baseDelayMs: 10, maxDelayMs: 100 }),
    ...options,
  });
}

/** A fresh temp folder; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempFolder(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `wsfs-${prefix}-`));
}

/** Writes `size` random bytes to `file` in 1 MiB pieces and returns their sha256. */
export async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'w');
  try {
    for (let written = 0; written < size; ) {
      const piece = randomBytes(Math.min(MiB, size - written));
      hash.update(piece);
      await handle.write(piece);
      written += piece.length;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** The sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

/** An emulator running as `wsfs emulator` in a child process. */
export interface EmulatorProcess extends Endpoint {
  /** Requests per endpoint key, from `GET /__emulator/stats`. */
  stats(): Promise<{ requests: Record<string, number>; bytesIn: number; bytesOut: number }>;
  stop(): Promise<void>;
}

/** Starts `wsfs emulator` with `args` in a child process and waits for its two stdout lines. */
export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  const bin = resolve(__dirname, '../../../bin/wsfs.js');
  const token = `dapi${randomBytes(8).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, [bin, 'emulator', '--token', token, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const host = await new Promise<string>((resolveHost, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start in 10 s: ${err}`)), 10_000);
    child.stderr!.on('data', (data: Buffer) => (err += data.toString()));
    child.stdout!.on('data', (data: Buffer) => {
      out += data.toString();
      const match = /DATABRICKS_HOST=(\S+)/.exec(out);
      if (match !== null && out.includes('DATABRICKS_TOKEN=')) {
        clearTimeout(timer);
        resolveHost(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code}: ${err}`));
    });
  });
  return {
    host,
    token,
    stats: async () => (await (await fetch(`${host}/__emulator/stats`)).json()) as Awaited<ReturnType<EmulatorProcess['stats']>>,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Removes a temp folder. Retried a few times on ENOTEMPTY: a background save of a WorkspaceFs
 * under it (the content cache's index, set file times) may add a file while it is being removed.
 */
export function removeFolder(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
