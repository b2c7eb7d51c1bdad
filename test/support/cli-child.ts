// Test helper: runs the `wsfs` command (`bin/wsfs.js`) as a child process with the running Node
// binary, collects its output and waits for lines or its exit, always with a deadline. Every child
// is tracked so `killAllCli()` in an `after` hook leaves nothing running. No assertions here.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository's `bin/wsfs.js` (tests run from dist/test/<tier>/). */
export const WSFS_BIN = resolve(__dirname, '../../../bin/wsfs.js');

/** How a child ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<CliProcess>();

/** A running `wsfs` child process. */
export class CliProcess {
  stdout = '';
  stderr = '';
  /** Settles when the process has exited and its output is drained. */
  readonly closed: Promise<CliExit>;
  private ended: CliExit | undefined;

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8').on('data', (text: string) => (this.stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.closed = new Promise((done) => {
      child.on('close', (code, signal) => {
        this.ended = { code, signal };
        live.delete(this);
        done(this.ended);
      });
    });
  }

  /** Starts `node bin/wsfs.js ...args` (in `env` when given, else this process's environment). */
  static spawn(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): CliProcess {
    const child = spawn(process.execPath, [WSFS_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(options.env !== undefined && { env: options.env }) });
    const cli = new CliProcess(child);
    live.add(cli);
    return cli;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.ended === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first `count` complete stdout lines; rejects if the process ends first or on timeout. */
  lines(count: number, timeoutMs = 10_000): Promise<string[]> {
    return new Promise((resolveLines, reject) => {
      const complete = (): string[] | undefined => {
        const parts = this.stdout.split('\n');
        return parts.length > count ? parts.slice(0, count) : undefined;
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child.stdout.off('data', onData);
      };
      const onData = (): void => {
        const found = complete();
        if (found !== undefined) {
          cleanup();
          resolveLines(found);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${count} stdout lines within ${timeoutMs} ms; stdout: ${this.stdout}; stderr: ${this.stderr}`));
      }, timeoutMs);
      this.child.stdout.on('data', onData);
      void this.closed.then(() => {
        const found = complete();
        cleanup();
        if (found !== undefined) resolveLines(found);
        else reject(new Error(`exited (${JSON.stringify(this.ended)}) before printing ${count} lines; stderr: ${this.stderr}`));
      });
      onData();
    });
  }

  /** Host and token from the emulator's two start-up lines. */
  async endpoint(timeoutMs = 10_000): Promise<{ host: string; token: string }> {
    const [hostLine = '', tokenLine = ''] = await this.lines(2, timeoutMs);
    const host = /^DATABRICKS_HOST=(.+)$/.exec(hostLine)?.[1];
    const token = /^DATABRICKS_TOKEN=(.+)$/.exec(tokenLine)?.[1];
    if (host === undefined || token === undefined) throw new Error(`unexpected start-up output: ${this.stdout}`);
    return { host, token };
  }

  /** Waits for the exit; rejects after `timeoutMs`. */
  exit(timeoutMs = 10_000): Promise<CliExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  /** Sends a signal if the process still runs. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

/** Kills every child still running (SIGKILL) and waits for them; for `after` hooks. */
export async function killAllCli(): Promise<void> {
  const running = [...live];
  for (const cli of running) cli.kill('SIGKILL');
  await Promise.all(running.map((cli) => cli.exit(5_000).catch(() => undefined)));
}
