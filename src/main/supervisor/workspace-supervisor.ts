// The life of one workspace's engine: the state machine of ipc-contract's WorkspaceState (stopped,
// starting, mounted, stopping, failed, needs-sign-in), the token handed over in
// `engine:set-credentials` only, restart with back-off after a crash, lazy unmount of the dead mount
// a crash leaves, stats polling while mounted (at most 1 Hz), and the engine's events passed on.
// It does not read settings or decide what to tell the user; the engine supervisor and controller do.
import { describeExit, EngineCommandError, type EngineExit } from '../../shared/engine-connection';
import type { EngineEvent } from '../../shared/engine-protocol';
import type { TransferView, UsageSample, WorkspaceState } from '../../shared/ipc-contract';
import type { Problem } from '../../shared/problem';
import type { Clock, TimerHandle } from '../clock';
import type { SecretStore } from '../secrets/secret-store';
import type { EngineProcess, SpawnEngine } from './engine-spawner';
import type { MountPlan } from './mount-plan';
import type { MountTable } from './mount-table';
import { restartDelay, type RestartBackoff } from './restart-backoff';
import { assertNever } from '../../shared/assert-never';

/** What a supervisor reports. */
export interface SupervisorListener {
  state(workspaceId: string, state: WorkspaceState): void;
  usage(sample: UsageSample): void;
  transfer(transfer: TransferView): void;
  problem(workspaceId: string, problem: Problem): void;
  /** A line for the workspace's log file (engine log events and the supervisor's own notes). */
  log(workspaceId: string, line: string): void;
}

/** Collaborators of a WorkspaceSupervisor. */
export interface SupervisorDeps {
  spawn: SpawnEngine;
  secrets: SecretStore;
  mounts: MountTable;
  clock: Clock;
  backoff: RestartBackoff;
  listener: SupervisorListener;
  /** Deadlines (ms); defaults suit the app. */
  timeouts?: Partial<SupervisorTimeouts>;
}

/** Deadlines of the supervisor's steps. */
export interface SupervisorTimeouts {
  ready: number;
  mount: number;
  /** Flushing uploads before an unmount may take long (big files on a slow link). */
  unmount: number;
  /** After the unmount reply (or SIGTERM), how long to wait for the process to end before SIGKILL. */
  exit: number;
  statsInterval: number;
}

const DEFAULT_TIMEOUTS: SupervisorTimeouts = { ready: 20_000, mount: 90_000, unmount: 15 * 60_000, exit: 10_000, statsInterval: 1_000 };

/** Mount errors worth an automatic retry (the engine or the network, not the configuration). */
const RETRYABLE = new Set(['unreachable', 'engine-exited', 'engine-timeout', 'engine-crashed', 'engine-start-failed']);
/** States whose engine's stats are polled. */
const POLLED = new Set<WorkspaceState['kind']>(['mounted', 'needs-sign-in', 'stopping']);
/** Mount errors that mean "sign in again". */
const SIGN_IN = new Set(['unauthenticated', 'no-credentials']);

/** Supervises the engine of one workspace. */
export class WorkspaceSupervisor {
  // `current`, `engine`, `mountPoint`, `failures`, `mountedAt` change only inside an operation of
  // `serial` (start, stop, restart, crash handling), so no two operations interleave across their
  // awaits — except that `onEngineExit` clears `engine` the moment the process ends. `retry` and
  // `statsTimer` are timers; they only enqueue operations or send stats requests.
  private current: WorkspaceState = { kind: 'stopped' };
  private engine: EngineProcess | undefined;
  /** Where the current (or last) engine mounts: edits to the settings apply at the next mount only. */
  private mountPoint = '';
  /** The workspace's name at the last mount (for messages). */
  private name = '';
  private failures = 0;
  private mountedAt = 0;
  private retry: TimerHandle | undefined;
  private statsTimer: TimerHandle | undefined;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly timeouts: SupervisorTimeouts;

  constructor(
    readonly workspaceId: string,
    private readonly plan: () => MountPlan,
    private readonly deps: SupervisorDeps,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  }

  /** The current state. */
  get state(): WorkspaceState {
    return this.current;
  }

  /** True while an engine process of this workspace runs. */
  get running(): boolean {
    return this.engine !== undefined;
  }

  /** Mounts (a no-op while starting or mounted); resolves with the settled state. Cancels a pending retry. */
  start(): Promise<WorkspaceState> {
    this.cancelRetry();
    return this.enqueue(async () => {
      if (this.current.kind === 'mounted' || this.engine !== undefined) return this.current;
      this.failures = 0;
      return this.mount(1);
    });
  }

  /** Flushes uploads and unmounts (also cancels a pending retry); resolves once stopped. */
  stop(quitting = false): Promise<WorkspaceState> {
    this.cancelRetry();
    return this.enqueue(async () => {
      const engine = this.engine;
      if (engine === undefined) {
        if (this.current.kind !== 'stopped') this.setState({ kind: 'stopped' });
        return this.current;
      }
      // Stats keep coming while the engine flushes (the tray counts the uploads it finishes).
      this.setState({ kind: 'stopping', quitting });
      try {
        await engine.connection.request({ kind: 'engine:unmount' }, this.timeouts.unmount);
      } catch (error) {
        this.note(`unmount: ${(error as Error).message}`);
      }
      await this.finish(engine);
      this.setState({ kind: 'stopped' });
      return this.current;
    });
  }

  /** A new token: handed to a running engine (which leaves needs-sign-in), or a fresh mount if none runs. */
  renewToken(token: string): Promise<WorkspaceState> {
    return this.enqueue(async () => {
      const engine = this.engine;
      if (engine === undefined) {
        if (this.current.kind !== 'needs-sign-in') return this.current;
        this.failures = 0;
        return this.mount(1);
      }
      await engine.connection.request({ kind: 'engine:set-credentials', token });
      if (this.current.kind === 'needs-sign-in') this.setState({ kind: 'mounted', mountPoint: this.mountPoint, since: this.mountedAt });
      return this.current;
    });
  }

  /** Sends a cache command to the running engine; false if no engine runs. */
  async cacheCommand(command: { kind: 'cache:clear' } | { kind: 'cache:set-enabled'; enabled: boolean }): Promise<boolean> {
    const engine = this.engine;
    if (engine === undefined) return false;
    await engine.connection.request(command);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Operations (run inside `serial`).

  private async mount(attempt: number): Promise<WorkspaceState> {
    let plan: MountPlan;
    try {
      plan = this.plan();
    } catch {
      // The workspace was removed while a retry was pending.
      this.setState({ kind: 'stopped' });
      return this.current;
    }
    const { workspace, mount } = plan;
    this.name = workspace.name;
    this.setState({ kind: 'starting', attempt });
    let token: string | undefined;
    if (workspace.auth.kind === 'token') {
      try {
        token = await this.deps.secrets.get(workspace.id);
      } catch (error) {
        return this.fail('keychain', (error as Error).message, false);
      }
      if (token === undefined) {
        return this.needsSignIn(`No token for "${workspace.name}" in the keychain. Add one in Settings.`);
      }
    }
    try {
      if (await this.deps.mounts.isDead(mount.mountPoint)) {
        this.note(`clearing a dead mount at ${mount.mountPoint}`);
        await this.deps.mounts.lazyUnmount(mount.mountPoint);
      }
      await this.deps.mounts.ensureFolder(mount.mountPoint);
    } catch (error) {
      return this.fail('mount-point-unusable', `Cannot use ${mount.mountPoint}: ${(error as Error).message}`, false, 'choose another mount point in Settings');
    }
    this.mountPoint = mount.mountPoint;
    let engine: EngineProcess;
    try {
      engine = await this.deps.spawn({ demo: plan.demo, log: (line) => this.deps.listener.log(workspace.id, `engine: ${line}`) });
    } catch (error) {
      return this.fail('engine-start-failed', `Cannot start the engine: ${(error as Error).message}`, true);
    }
    this.engine = engine;
    const off = engine.connection.onEvent((event) => this.onEngineEvent(event));
    void engine.connection.exited.then((exit) => {
      off();
      this.onEngineExit(engine, exit);
    });
    try {
      await engine.connection.waitReady(this.timeouts.ready);
      if (token !== undefined) await engine.connection.request({ kind: 'engine:set-credentials', token });
      await engine.connection.request(mount, this.timeouts.mount);
    } catch (error) {
      const code = error instanceof EngineCommandError ? error.code : 'mount-failed';
      const { message, fix } = splitFix((error as Error).message);
      engine.kill('SIGTERM');
      await this.finish(engine);
      if (SIGN_IN.has(code)) return this.needsSignIn(message);
      return this.fail(code, message, RETRYABLE.has(code), fix);
    }
    this.mountedAt = this.deps.clock.now();
    this.setState({ kind: 'mounted', mountPoint: mount.mountPoint, since: this.mountedAt });
    // The first figures at once (the window's Cache view and the tray need not wait a poll interval).
    await engine.connection.request({ kind: 'engine:get-stats' }, this.timeouts.statsInterval * 5).catch(() => undefined);
    this.scheduleStats();
    return this.current;
  }

  /** A crash of a mounted engine: clear the dead mount, then restart with back-off. */
  private async recover(exit: EngineExit, mountPoint: string): Promise<WorkspaceState> {
    this.stopStats();
    await this.clearMount(mountPoint);
    if (this.deps.clock.now() - this.mountedAt >= this.deps.backoff.stableMs) this.failures = 0;
    this.deps.listener.problem(this.workspaceId, {
      kind: 'disconnected',
      message: `The engine of "${this.name}" stopped unexpectedly (${describeExit(exit)}); ${mountPoint} was unmounted.`,
      fix: 'wsfs restarts it automatically; see the log if it keeps happening',
    });
    return this.fail('engine-crashed', `The engine stopped unexpectedly (${describeExit(exit)}).`, true);
  }

  // -------------------------------------------------------------------------------------------
  // Helpers.

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.serial.then(operation, operation);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private setState(state: WorkspaceState): void {
    this.current = state;
    this.deps.listener.state(this.workspaceId, state);
  }

  private needsSignIn(message: string): WorkspaceState {
    this.failures = 0;
    this.setState({ kind: 'needs-sign-in', message });
    this.deps.listener.problem(this.workspaceId, { kind: 'needs-sign-in', message: `${this.name}: ${message}`, fix: 'enter a new token in Settings' });
    return this.current;
  }

  /** Enters `failed`; with `retry`, schedules a restart by the back-off policy unless it is exhausted. */
  private fail(code: string, message: string, retry: boolean, fix?: string): WorkspaceState {
    this.failures += 1;
    const delay = retry ? restartDelay(this.deps.backoff, this.failures) : undefined;
    const state: WorkspaceState = { kind: 'failed', code, message, attempts: this.failures };
    if (fix !== undefined) state.fix = fix;
    if (delay !== undefined) {
      state.retryAt = this.deps.clock.now() + delay;
      const attempt = this.failures + 1;
      this.retry = this.deps.clock.setTimeout(() => {
        this.retry = undefined;
        void this.enqueue(async () => (this.current.kind === 'failed' && this.engine === undefined ? this.mount(attempt) : this.current));
      }, delay);
    } else if (retry) {
      state.fix = `${fix === undefined ? '' : `${fix}; `}wsfs gave up after ${this.failures} attempts: press Mount to try again, and see the log`;
    }
    this.note(`failed (${code}): ${message}`);
    this.setState(state);
    return this.current;
  }

  private cancelRetry(): void {
    if (this.retry !== undefined) this.deps.clock.clearTimeout(this.retry);
    this.retry = undefined;
  }

  /** Waits for `engine` to end (SIGTERM, then SIGKILL after the deadlines), then makes sure no mount is left. */
  private async finish(engine: EngineProcess): Promise<void> {
    const ended = (ms: number): Promise<boolean> =>
      new Promise((resolve) => {
        const timer = this.deps.clock.setTimeout(() => resolve(false), ms);
        void engine.connection.exited.then(() => {
          this.deps.clock.clearTimeout(timer);
          resolve(true);
        });
      });
    if (!(await ended(this.timeouts.exit))) {
      engine.kill('SIGTERM');
      if (!(await ended(this.timeouts.exit))) {
        engine.kill('SIGKILL');
        await engine.connection.exited;
      }
    }
    if (this.engine === engine) this.engine = undefined;
    await this.clearMount(this.mountPoint);
  }

  private async clearMount(mountPoint: string): Promise<void> {
    try {
      if (await this.deps.mounts.isMounted(mountPoint)) {
        this.note(`lazily unmounting ${mountPoint}`);
        await this.deps.mounts.lazyUnmount(mountPoint);
      }
    } catch (error) {
      this.note((error as Error).message);
      this.deps.listener.problem(this.workspaceId, { kind: 'other', message: (error as Error).message, fix: `run: fusermount -uz "${mountPoint}"` });
    }
  }

  private onEngineExit(engine: EngineProcess, exit: EngineExit): void {
    if (this.engine !== engine) return; // an operation that awaited this exit handles it
    this.engine = undefined;
    this.stopStats();
    const state = this.current;
    if (state.kind !== 'mounted' && state.kind !== 'needs-sign-in') return;
    const mountPoint = this.mountPoint;
    if (exit.code === 0 && exit.signal === null) {
      // The engine ended on its own after the mount went away (e.g. `fusermount -u` by the user).
      void this.enqueue(async () => {
        await this.clearMount(mountPoint);
        this.setState({ kind: 'stopped' });
        return this.current;
      });
      return;
    }
    void this.enqueue(() => this.recover(exit, mountPoint));
  }

  private onEngineEvent(event: EngineEvent): void {
    switch (event.kind) {
      case 'engine:stats':
        this.deps.listener.usage({ workspaceId: this.workspaceId, at: this.deps.clock.now(), ...event.stats });
        return;
      case 'transfer:progress': {
        const { transferId, direction, path, phase, bytesDone, bytesTotal } = event;
        this.deps.listener.transfer({ workspaceId: this.workspaceId, transferId, direction, path, phase, bytesDone, bytesTotal });
        return;
      }
      case 'engine:problem':
        this.deps.listener.problem(this.workspaceId, event.problem);
        if (event.problem.kind === 'needs-sign-in' && this.current.kind === 'mounted') {
          // The engine keeps serving the mount (readable files, waiting saves) until the new token.
          this.setState({ kind: 'needs-sign-in', message: event.problem.message, mountPoint: this.mountPoint });
        }
        return;
      case 'engine:log':
        this.deps.listener.log(this.workspaceId, `${event.level}${event.scope === '' ? '' : ` [${event.scope}]`} ${event.message}`);
        return;
      case 'mount:state':
      case 'engine:ready':
      case 'engine:reply':
        return;
      default:
        assertNever(event, 'engine event');
    }
  }

  private scheduleStats(): void {
    this.stopStats();
    this.statsTimer = this.deps.clock.setTimeout(() => {
      this.statsTimer = undefined;
      const engine = this.engine;
      // Polled while the engine runs: also signed out (uploads wait) and while it flushes to stop.
      if (engine === undefined || !POLLED.has(this.current.kind)) return;
      engine.connection.request({ kind: 'engine:get-stats' }, this.timeouts.statsInterval * 5).then(
        () => this.scheduleStats(),
        () => (this.engine === engine ? this.scheduleStats() : undefined),
      );
    }, this.timeouts.statsInterval);
  }

  private stopStats(): void {
    if (this.statsTimer !== undefined) this.deps.clock.clearTimeout(this.statsTimer);
    this.statsTimer = undefined;
  }

  private note(line: string): void {
    this.deps.listener.log(this.workspaceId, `supervisor: ${line}`);
  }
}

/** Splits an engine reply's message `"<message>\nfix: <fix>"` (docs/protocol.md) into its parts. */
function splitFix(text: string): { message: string; fix?: string } {
  const at = text.indexOf('\nfix: ');
  return at === -1 ? { message: text } : { message: text.slice(0, at), fix: text.slice(at + 6) };
}

