// Running real programs for the benchmark: a child process with a deadline, its output, its exit
// code and how long it took. Nothing benchmark-specific.
import { execFile } from 'node:child_process';

/** What a finished program did. */
export interface RunResult {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `cmd args` (no shell), rejecting on a non-zero exit or after `timeoutMs`. */
export function run(cmd: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: options.cwd, timeout: options.timeoutMs ?? 300_000, killSignal: 'SIGKILL', maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        const ms = performance.now() - started;
        if (error) reject(new Error(`${cmd} ${args.join(' ')} failed after ${Math.round(ms)} ms: ${stderr || error.message}`));
        else resolve({ stdout, stderr, ms });
      },
    );
  });
}
