// The front end's side of the engine protocol: `spawnEngine()` forks engine-main with an IPC
// channel (the one seam the CLI uses now and Electron main's supervisor later), validates every
// event, correlates replies with commands under a deadline, and surfaces the other events.
// The child's environment never holds a token: DATABRICKS_TOKEN and other secret-looking
// DATABRICKS_* variables are removed; the token goes in an `engine:set-credentials` message.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  ENGINE_PROTOCOL_VERSION,
  parseEngineEvent,
  type EngineCommand,
  type EngineEvent,
  type ReadyEvent,
  type ReplyError,
} from '../../shared/engine-protocol';

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

/** A command as sent by callers (the client picks the id). */
export type CommandInput = EngineCommand extends infer C ? (C extends EngineCommand ? Omit<C, 'id'> : never) : never;

/** A command's failure, with the engine's machine-readable code. */
export class EngineCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineCommandError';
  }
}

/** How the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Environment variables that must never reach an engine (the token travels in a message). */
export function scrubEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^DATABRICKS_/i.test(key) && /TOKEN|SECRET|PASSWORD/i.test(key)) continue;
    out[key] = value;
  }
  return out;
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

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One engine process, seen through the protocol. */
export class EngineClient {
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<EngineExit>;
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private nextId = 1;
  private ready: ReadyEvent | undefined;
  private exit: EngineExit | undefined;

  constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid ?? 0;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const [id, pending] of this.pending) {
          clearTimeout(pending.timer);
          pending.reject(new EngineCommandError('engine-exited', `the engine exited (${describeExit(this.exit)}) before answering command ${id}`));
        }
        this.pending.clear();
        resolve(this.exit);
      });
    });
    child.on('error', () => undefined);
    child.on('message', (message) => this.receive(message));
  }

  /** The last exit, once the process has ended. */
  get exitStatus(): EngineExit | undefined {
    return this.exit;
  }

  /** Listens to every event except replies; returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `engine:ready` arrived; rejects if the engine exits first or on timeout. */
  waitReady(timeoutMs: number): Promise<ReadyEvent> {
    if (this.ready !== undefined) return Promise.resolve(this.ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new EngineCommandError('engine-timeout', `the engine did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((event) => {
        if (event.kind !== 'engine:ready') return;
        clearTimeout(timer);
        off();
        if (event.protocolVersion !== ENGINE_PROTOCOL_VERSION) {
          reject(new EngineCommandError('protocol-mismatch', `the engine speaks protocol ${event.protocolVersion}, expected ${ENGINE_PROTOCOL_VERSION}`));
        } else resolve(event);
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        off();
        reject(new EngineCommandError('engine-exited', `the engine exited (${describeExit(exit)}) before it was ready`));
      });
    });
  }

  /** Sends a command and resolves on its `ok` reply; rejects EngineCommandError otherwise. */
  request(command: CommandInput, timeoutMs = 30_000): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exit !== undefined || !this.child.connected) {
        reject(new EngineCommandError('engine-exited', 'the engine is not running'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EngineCommandError('engine-timeout', `the engine did not answer ${command.kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.child.send({ ...command, id }, (error) => {
        if (error === null || error === undefined) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new EngineCommandError('engine-exited', `cannot reach the engine: ${error.message}`));
      });
    });
  }

  /** Drops the IPC channel and lets this process exit while the engine keeps running. */
  detach(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.unref();
  }

  /** Sends a signal to the engine (SIGTERM: flush, unmount, exit). */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.exit === undefined) this.child.kill(signal);
  }

  private receive(message: unknown): void {
    let event: EngineEvent;
    try {
      event = parseEngineEvent(message);
    } catch {
      return; // A malformed event is ignored; the engine is ours, so this is a bug, not an attack.
    }
    if (event.kind === 'engine:ready') this.ready = event;
    if (event.kind === 'engine:reply') {
      const pending = this.pending.get(event.id);
      if (pending === undefined) return;
      this.pending.delete(event.id);
      clearTimeout(pending.timer);
      if (event.ok) pending.resolve();
      else pending.reject(toError(event.error));
      return;
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}

function toError(error: ReplyError): EngineCommandError {
  return new EngineCommandError(error.code, error.message);
}

function describeExit(exit: EngineExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? '?'}`;
}
