// The CLI's side of the engine protocol: `spawnEngine()` forks engine-main with an IPC channel and
// wraps it in the shared EngineConnection (validation, ready, replies under a deadline), plus the
// process-level parts: detach and signals. Electron main has its own spawner over the same
// EngineConnection. The child's environment never holds a token: DATABRICKS_TOKEN and other
// secret-looking DATABRICKS_* variables are removed; the token goes in an `engine:set-credentials` message.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EngineCommandError, EngineConnection, scrubEnvironment, type CommandInput, type EngineExit } from '../../shared/engine-connection';
import type { EngineEvent, ReadyEvent } from '../../shared/engine-protocol';

export { EngineCommandError, scrubEnvironment };

/** How to start an engine. */
export interface SpawnEngineOptions {
  /** Serve the embedded demo emulator instead of a real workspace. */
  demo?: boolean;
  /** Keep the engine running after this process disconnects (a backgrounded mount). */
  detach?: boolean;
  /** Where the engine's stderr goes: inherited, or an open file descriptor (a log file). */
  stderr?: 'inherit' | number;
  /** Base environment (default process.env); secrets are removed from it. */
  env?: NodeJS.ProcessEnv;
  /** Deadline for `engine:ready` (default 15 s). */
  readyTimeoutMs?: number;
}

/** The engine entry module (dist/src/fs/host/engine-main.js). */
const ENGINE_MAIN = join(__dirname, 'engine-main.js');

/** Starts an engine process and resolves once it announced `engine:ready`. */
export async function spawnEngine(options: SpawnEngineOptions = {}): Promise<EngineClient> {
  const args: string[] = [];
  if (options.demo === true) args.push('--demo');
  if (options.detach === true) args.push('--detach');
  const child = fork(ENGINE_MAIN, args, {
    env: scrubEnvironment(options.env ?? process.env),
    stdio: ['ignore', 'ignore', options.stderr ?? 'inherit', 'ipc'],
    detached: options.detach === true,
    serialization: 'json',
  });
  const client = new EngineClient(child);
  await client.waitReady(options.readyTimeoutMs ?? 15_000);
  return client;
}

/** One engine process, seen through the protocol. */
export class EngineClient {
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<EngineExit>;
  private readonly child: ChildProcess;
  private readonly connection: EngineConnection;

  constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid ?? 0;
    this.connection = new EngineConnection(
      {
        send: (message, failed) => child.send(message, (error) => error && failed(error)),
        connected: () => child.connected,
      },
      { set: (callback, ms) => setTimeout(callback, ms), clear: (handle) => clearTimeout(handle as NodeJS.Timeout) },
    );
    this.exited = this.connection.exited;
    child.on('exit', (code, signal) => this.connection.close({ code, signal }));
    child.on('error', () => undefined);
    child.on('message', (message) => this.connection.receive(message));
  }

  /** The last exit, once the process has ended. */
  get exitStatus(): EngineExit | undefined {
    return this.connection.exitStatus;
  }

  /** Listens to every event except replies; returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    return this.connection.onEvent(listener);
  }

  /** Resolves once `engine:ready` arrived; rejects if the engine exits first or on timeout. */
  waitReady(timeoutMs: number): Promise<ReadyEvent> {
    return this.connection.waitReady(timeoutMs);
  }

  /** Sends a command and resolves on its `ok` reply; rejects EngineCommandError otherwise. */
  request(command: CommandInput, timeoutMs = 30_000): Promise<void> {
    return this.connection.request(command, timeoutMs);
  }

  /** Drops the IPC channel and lets this process exit while the engine keeps running. */
  detach(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.unref();
  }

  /** Sends a signal to the engine (SIGTERM: flush, unmount, exit). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.connection.exitStatus === undefined) this.child.kill(signal);
  }
}
