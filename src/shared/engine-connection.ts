// The front end's side of one conversation with an engine process, independent of how the process
// was started (`child_process.fork` in the CLI and tests, Electron's `utilityProcess.fork` in the
// app): validates every incoming event, waits for `engine:ready`, correlates replies with commands
// under a deadline, and fails pending commands when the process ends. It does not start, signal or
// scrub the process; the caller's transport does. Pure: timers are injected, no runtime imports.
import {
  ENGINE_PROTOCOL_VERSION,
  parseEngineEvent,
  type EngineCommand,
  type EngineEvent,
  type ReadyEvent,
} from './engine-protocol';

/** A command as sent by callers (the connection picks the id). */
export type CommandInput = EngineCommand extends infer C ? (C extends EngineCommand ? Omit<C, 'id'> : never) : never;

/** How the engine process ended. */
export interface EngineExit {
  code: number | null;
  signal: string | null;
}

/** A command's failure, with the engine's machine-readable code (or `engine-exited`, `engine-timeout`, `protocol-mismatch`). */
export class EngineCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineCommandError';
  }
}

/** What the connection needs from the process's channel. */
export interface EngineChannel {
  /** Sends a message; calls `failed` if it cannot be delivered. */
  send(message: EngineCommand, failed: (error: Error) => void): void;
  /** False once the channel is closed. */
  connected(): boolean;
}

/** Timers, injected so the shared layer needs no host globals (and tests can control time). */
export interface EngineTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  timer: unknown;
}

/** One engine conversation. Feed it `receive(message)` and `close(exit)`; it does the rest. */
export class EngineConnection {
  /** Settles when the process has ended (after `close`). */
  readonly exited: Promise<EngineExit>;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: EngineEvent) => void>();
  private nextId = 1;
  private ready: ReadyEvent | undefined;
  private exit: EngineExit | undefined;
  private markExited!: (exit: EngineExit) => void;

  constructor(
    private readonly channel: EngineChannel,
    private readonly timers: EngineTimers,
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
  }

  /** The exit, once the process has ended. */
  get exitStatus(): EngineExit | undefined {
    return this.exit;
  }

  /** Listens to every event except replies; returns the unsubscribe function. */
  onEvent(listener: (event: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `engine:ready` arrived; rejects if the engine exits first, on timeout, or on a protocol mismatch. */
  waitReady(timeoutMs: number): Promise<ReadyEvent> {
    if (this.ready !== undefined) return accepted(this.ready);
    return new Promise((resolve, reject) => {
      const timer = this.timers.set(() => {
        off();
        reject(new EngineCommandError('engine-timeout', `the engine did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onEvent((event) => {
        if (event.kind !== 'engine:ready') return;
        this.timers.clear(timer);
        off();
        accepted(event).then(resolve, reject);
      });
      void this.exited.then((exit) => {
        this.timers.clear(timer);
        off();
        reject(new EngineCommandError('engine-exited', `the engine exited (${describeExit(exit)}) before it was ready`));
      });
    });
  }

  /** Sends a command and resolves on its `ok` reply; rejects EngineCommandError otherwise. */
  request(command: CommandInput, timeoutMs = 30_000): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.exit !== undefined || !this.channel.connected()) {
        reject(new EngineCommandError('engine-exited', 'the engine is not running'));
        return;
      }
      const timer = this.timers.set(() => {
        this.pending.delete(id);
        reject(new EngineCommandError('engine-timeout', `the engine did not answer ${command.kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.channel.send({ ...command, id } as EngineCommand, (error) => {
        this.timers.clear(timer);
        this.pending.delete(id);
        reject(new EngineCommandError('engine-exited', `cannot reach the engine: ${error.message}`));
      });
    });
  }

  /** Handles one message from the process. A malformed one is dropped (the engine is ours: a bug, not an attack). */
  receive(message: unknown): void {
    let event: EngineEvent;
    try {
      event = parseEngineEvent(message);
    } catch {
      return;
    }
    if (event.kind === 'engine:ready') this.ready = event;
    if (event.kind === 'engine:reply') {
      const pending = this.pending.get(event.id);
      if (pending === undefined) return;
      this.pending.delete(event.id);
      this.timers.clear(pending.timer);
      if (event.ok) pending.resolve();
      else pending.reject(new EngineCommandError(event.error.code, event.error.message));
      return;
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  /** Records the process's end: pending commands fail with `engine-exited`. Idempotent. */
  close(exit: EngineExit): void {
    if (this.exit !== undefined) return;
    this.exit = exit;
    for (const [id, pending] of this.pending) {
      this.timers.clear(pending.timer);
      pending.reject(new EngineCommandError('engine-exited', `the engine exited (${describeExit(exit)}) before answering command ${id}`));
    }
    this.pending.clear();
    this.markExited(exit);
  }
}

/** A copy of an environment without the variables that must never reach an engine (the token travels in a message). */
export function scrubEnvironment<E extends Record<string, string | undefined>>(env: E): E {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (/^DATABRICKS_/i.test(key) && /TOKEN|SECRET|PASSWORD/i.test(key)) continue;
    out[key] = value;
  }
  return out as E;
}

/** `ready` if it speaks this protocol version; else a `protocol-mismatch` rejection. */
function accepted(ready: ReadyEvent): Promise<ReadyEvent> {
  if (ready.protocolVersion === ENGINE_PROTOCOL_VERSION) return Promise.resolve(ready);
  return Promise.reject(new EngineCommandError('protocol-mismatch', `the engine speaks protocol ${ready.protocolVersion}, expected ${ENGINE_PROTOCOL_VERSION}`));
}

/** `signal SIGKILL` or `code 1`. */
export function describeExit(exit: EngineExit): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code ?? '?'}`;
}
