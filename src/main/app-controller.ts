// The app's behaviour behind the IPC contract, runnable under plain Node: one handler per invoke
// channel, the push events, start-up (stale mounts, auto-mount) and quit (finish uploads, unmount).
// It composes the small stores — settings, secrets, supervisors, problems, usage history — and
// receives every collaborator as a port, so the Electron glue, the tests and the UI tests' bridge
// all drive this same object. Arguments arrive already checked (ipc-router.ts); tokens never leave.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { liveMountPoint, type AppProblem, type AppState, type ConnectionTest, type InvokeChannel, type PushEvent, type PushEvents, type RequestOf, type ResponseOf, type SettingsPatch, type WorkspaceDraft, type WorkspaceView } from '../shared/ipc-contract';
import { mountFolderName, normaliseHost, type AppSettings, type GeneralSettings, type WorkspaceSettings } from '../shared/settings';
import { AppError } from './app-error';
import type { Clock } from './clock';
import type { ConnectionTester } from './connection-tester';
import type { Desktop } from './desktop';
import { ProblemLog } from './problem-log';
import type { SecretStore } from './secrets/secret-store';
import type { SettingsStore } from './settings/settings-store';
import { EngineLogs } from './supervisor/engine-logs';
import type { SpawnEngine } from './supervisor/engine-spawner';
import { mountPlan } from './supervisor/mount-plan';
import type { MountTable } from './supervisor/mount-table';
import { DEFAULT_BACKOFF, type RestartBackoff } from './supervisor/restart-backoff';
import type { TrayInput } from './tray/tray-model';
import { WorkspaceSupervisor, type SupervisorTimeouts } from './supervisor/workspace-supervisor';
import { UsageHistory } from './usage-history';

/** Everything the controller needs from the outside. */
export interface AppControllerDeps {
  settings: SettingsStore;
  secrets: SecretStore;
  spawn: SpawnEngine;
  mounts: MountTable;
  desktop: Desktop;
  clock: Clock;
  tester: ConnectionTester;
  /** The user's home folder (default mount points go to `<home>/Databricks/<name>`). */
  homeDir: string;
  /** Default content-cache root (each workspace gets `<root>/<id>`). */
  cacheRoot: string;
  /** Folder of the engine log files. */
  logDir: string;
  /** Turns launch-at-login on or off in the OS (Electron: app.setLoginItemSettings). */
  setLaunchAtLogin(enabled: boolean): void;
  platform: string;
  version: string;
  backoff?: RestartBackoff;
  timeouts?: Partial<SupervisorTimeouts>;
}

/** What "Test connection" answers for the built-in demo (it has no credentials to check). */
const DEMO_CONNECTION: ConnectionTest = { ok: true, userName: 'demo user', displayName: 'Built-in demo workspace', host: 'demo' };

type Handlers = { [C in InvokeChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> };
type Listener = <E extends PushEvent>(event: E, payload: PushEvents[E]) => void;

/** The app controller. */
export class AppController {
  private readonly supervisors = new Map<string, WorkspaceSupervisor>();
  /** Ids of workspaces with a token in the keychain (so views need no keychain call). */
  private readonly withToken = new Set<string>();
  /** Ids of workspaces being removed: no mount may start for them (one queued behind the removal's unmount would outlive it). */
  private readonly removing = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private readonly problems: ProblemLog;
  private readonly usage = new UsageHistory();
  private readonly logs: EngineLogs;
  private quitting = false;
  private readonly handlers: Handlers;

  constructor(private readonly deps: AppControllerDeps) {
    this.problems = new ProblemLog(deps.clock, {
      raised: (problem) => this.emit('problem:raised', problem),
      cleared: (problemId) => this.emit('problem:cleared', { problemId }),
      notify: (title, body) => deps.desktop.notify(title, body),
    });
    this.logs = new EngineLogs(deps.logDir);
    this.handlers = this.makeHandlers();
  }

  /** Subscribes to every push event; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs the handler of `channel` (the request must already be checked; see ipc-router.ts). */
  handle<C extends InvokeChannel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    return (this.handlers[channel] as (r: RequestOf<C>) => Promise<ResponseOf<C>>)(request);
  }

  /** Start-up: learn which tokens exist, clear dead mounts left by a crash, auto-mount. Resolves when auto-mounts settled. */
  async start(): Promise<void> {
    const settings = this.deps.settings.read();
    if (this.deps.settings.openingProblem !== undefined) this.problems.raise({ kind: 'other', message: this.deps.settings.openingProblem });
    for (const workspace of settings.workspaces) {
      if (workspace.auth.kind !== 'token') continue;
      try {
        if ((await this.deps.secrets.get(workspace.id)) !== undefined) this.withToken.add(workspace.id);
      } catch (error) {
        this.problems.raise({ kind: 'other', message: (error as Error).message }, workspace.id);
        break;
      }
    }
    await Promise.all(settings.workspaces.map((workspace) => this.clearStaleMount(workspace)));
    await Promise.all(
      settings.workspaces
        .filter((w) => w.autoMount)
        .map((w) =>
          this.supervisor(w.id)
            .start()
            .catch((error: Error) => this.problems.raise({ kind: 'other', message: `Cannot mount "${w.name}" at start: ${error.message}` }, w.id)),
        ),
    );
  }

  /** Quit: every engine flushes its uploads and unmounts ("finishing uploads"); never leaves a dead mount. */
  async quit(): Promise<void> {
    this.quitting = true;
    const running = [...this.supervisors.values()].filter((s) => s.running || s.state.kind !== 'stopped');
    let remaining = running.length;
    this.emit('quit:progress', { phase: 'finishing-uploads', workspacesRemaining: remaining });
    await Promise.all(
      running.map(async (supervisor) => {
        await supervisor.stop(true);
        remaining -= 1;
        this.emit('quit:progress', { phase: remaining === 0 ? 'done' : 'finishing-uploads', workspacesRemaining: remaining });
      }),
    );
    if (running.length === 0) this.emit('quit:progress', { phase: 'done', workspacesRemaining: 0 });
  }

  /** The whole state (also what the tray menu is built from). */
  state(): AppState {
    const settings = this.deps.settings.read();
    const workspaces = settings.workspaces;
    return {
      workspaces: workspaces.map((w) => this.view(w)),
      settings: this.general(settings),
      problems: this.problems.list(),
      firstRun: workspaces.length === 0,
      quitting: this.quitting,
      platform: this.deps.platform,
      version: this.deps.version,
    };
  }

  /**
   * Uploads queued or running across the workspaces that are mounted or flushing to unmount (from
   * the newest usage samples; a signed-out workspace's uploads wait, and its problem says so).
   */
  uploadsInProgress(): number {
    let total = 0;
    for (const [id, supervisor] of this.supervisors) {
      const sample = this.usage.latest(id);
      const kind = supervisor.state.kind;
      if (sample !== undefined && (kind === 'mounted' || kind === 'stopping')) total += sample.transfers.uploadsInFlight + sample.transfers.uploadsQueued;
    }
    return total;
  }

  /** The newest undismissed problem. */
  lastProblem(): AppProblem | undefined {
    return this.problems.last();
  }

  /** What the tray is built from (`trayModel(controller.trayInput())`), now. */
  trayInput(): TrayInput {
    const state = this.state();
    return { workspaces: state.workspaces, uploadsInProgress: this.uploadsInProgress(), lastProblem: this.lastProblem(), quitting: state.quitting, platform: this.deps.platform };
  }

  // -------------------------------------------------------------------------------------------

  private makeHandlers(): Handlers {
    return {
      'app:get-state': async () => this.state(),
      'mount:start': async ({ workspaceId }) => {
        const workspace = this.find(workspaceId);
        if (this.quitting) throw new AppError('busy', 'wsfs is quitting; start it again to mount.');
        if (this.removing.has(workspaceId)) throw new AppError('busy', `"${workspace.name}" is being removed.`);
        await this.supervisor(workspaceId).start();
        return this.viewOf(workspaceId);
      },
      'mount:stop': async ({ workspaceId }) => {
        this.find(workspaceId);
        await this.supervisor(workspaceId).stop();
        return this.viewOf(workspaceId);
      },
      'folder:open': async ({ workspaceId, path: inside }) => {
        // A file inside the mount (a conflict copy) is shown by opening the folder holding it.
        const path = inside === undefined ? this.mountedPath(workspaceId) : dirname(join(this.mountedPath(workspaceId), inside));
        await this.deps.desktop.openFolder(path).catch((error: Error) => {
          throw new AppError('failed', `Cannot open ${path}: ${error.message}`);
        });
      },
      'folder:copy-path': async ({ workspaceId }) => this.deps.desktop.copyText(this.find(workspaceId).mountPoint),
      'workspace:add': async ({ draft, token }) => this.add(draft, token),
      'workspace:update': async ({ workspaceId, patch }) => this.update(workspaceId, patch),
      'workspace:remove': async ({ workspaceId }) => this.remove(workspaceId),
      'workspace:test-connection': async ({ target }) => {
        if (target.kind === 'draft') {
          if (target.auth.kind === 'demo') return DEMO_CONNECTION;
          if (target.auth.kind === 'profile') return this.deps.tester.withProfile(target.auth.profile);
          if (target.token === undefined) return { ok: false, code: 'no-token', message: 'Enter a personal access token to test the connection.' };
          return this.deps.tester.withToken(target.host, target.token);
        }
        const workspace = this.find(target.workspaceId);
        if (workspace.auth.kind === 'demo') return DEMO_CONNECTION;
        if (workspace.auth.kind === 'profile') return this.deps.tester.withProfile(workspace.auth.profile);
        const token = await this.deps.secrets.get(workspace.id);
        if (token === undefined) return { ok: false, code: 'no-token', message: `No token for "${workspace.name}" in the keychain.`, fix: 'enter a token in Settings' };
        return this.deps.tester.withToken(workspace.host, token);
      },
      'workspace:suggest-mount-point': async ({ name }) => this.suggestMountPoint(name, this.deps.settings.read().workspaces),
      'token:set': async ({ workspaceId, token }) => {
        const workspace = this.find(workspaceId);
        if (workspace.auth.kind !== 'token') throw new AppError('invalid-argument', `"${workspace.name}" does not sign in with a token (it uses ${workspace.auth.kind}); change its sign-in method first.`);
        await this.deps.secrets.set(workspaceId, token);
        this.withToken.add(workspaceId);
        this.emitList();
        // The answer comes once the token is in the keychain; resuming the mount (a fresh engine for
        // a workspace waiting for sign-in) can take long and is reported by `mount:state`.
        const supervisor = this.supervisors.get(workspaceId);
        if (supervisor !== undefined && !this.quitting) {
          void supervisor.renewToken(token).catch((error: Error) => {
            this.problems.raise({ kind: 'needs-sign-in', message: `${workspace.name}: the new token could not be handed to the engine: ${error.message}`, fix: 'enter the token again in Settings' }, workspaceId);
          });
        }
        return this.viewOf(workspaceId);
      },
      'settings:get': async () => this.general(this.deps.settings.read()),
      'settings:update': async ({ patch }) => this.updateSettings(patch),
      'cache:clear': async ({ workspaceId }) => {
        const targets = workspaceId === undefined ? [...this.supervisors.values()].filter((s) => s.running) : [this.supervisor(this.find(workspaceId).id)];
        await Promise.all(targets.map((s) => this.cacheCommand(s, { kind: 'cache:clear' })));
      },
      'cache:get-history': async () => this.usage.list(),
      'demo:add': async () => {
        const existing = this.deps.settings.read().workspaces.find((w) => w.auth.kind === 'demo');
        if (existing !== undefined) return this.view(existing);
        return this.add({ name: 'Demo workspace', host: '', auth: { kind: 'demo' }, remotePath: '~' }, undefined);
      },
      'problem:dismiss': async ({ problemId }) => {
        if (!this.problems.dismiss(problemId)) throw new AppError('not-found', `There is no problem ${problemId} (it was already dismissed).`);
      },
      'log:open': async () => {
        await this.logs.ensureFolder();
        await this.deps.desktop.openFolder(this.deps.logDir);
      },
    };
  }

  private async add(draft: WorkspaceDraft, token: string | undefined): Promise<WorkspaceView> {
    const settings = this.deps.settings.read();
    if (draft.auth.kind !== 'token' && token !== undefined) throw new AppError('invalid-argument', 'workspace:add.token: only a workspace that signs in with a token takes one');
    const workspace: WorkspaceSettings = {
      id: `ws-${randomBytes(6).toString('hex')}`,
      name: draft.name,
      host: draft.host === '' ? '' : normaliseHost(draft.host),
      auth: draft.auth,
      remotePath: draft.remotePath,
      mountPoint: draft.mountPoint ?? this.suggestMountPoint(draft.name, settings.workspaces),
      autoMount: draft.autoMount ?? false,
    };
    this.checkMountPoint(workspace, settings.workspaces);
    if (token !== undefined) {
      await this.deps.secrets.set(workspace.id, token);
      this.withToken.add(workspace.id);
    }
    try {
      this.write({ ...settings, workspaces: [...settings.workspaces, workspace] });
    } catch (error) {
      // The workspace does not exist: its token must not stay in the keychain.
      if (token !== undefined) {
        this.withToken.delete(workspace.id);
        await this.deps.secrets.delete(workspace.id).catch(() => false);
      }
      throw error;
    }
    this.emitList();
    return this.view(workspace);
  }

  private async update(workspaceId: string, patch: Partial<WorkspaceDraft>): Promise<WorkspaceView> {
    const settings = this.deps.settings.read();
    const old = this.find(workspaceId, settings);
    const next: WorkspaceSettings = { ...old, ...patch, id: old.id };
    if (patch.host !== undefined && patch.host !== '') next.host = normaliseHost(patch.host);
    if (next.auth.kind !== 'demo' && next.host === '') throw new AppError('invalid-argument', 'workspace:update.patch.host: a workspace that is not the demo needs a host');
    this.checkMountPoint(next, settings.workspaces);
    this.write({ ...settings, workspaces: settings.workspaces.map((w) => (w.id === workspaceId ? next : w)) });
    if (old.auth.kind === 'token' && next.auth.kind !== 'token') {
      await this.deps.secrets.delete(workspaceId);
      this.withToken.delete(workspaceId);
    }
    this.emitList();
    return this.view(next);
  }

  private async remove(workspaceId: string): Promise<void> {
    this.find(workspaceId);
    this.removing.add(workspaceId);
    try {
      const supervisor = this.supervisors.get(workspaceId);
      if (supervisor !== undefined) {
        const state = await supervisor.stop();
        if (state.kind !== 'stopped') throw new AppError('busy', 'The workspace is still mounted; try again once it has stopped.');
        this.supervisors.delete(workspaceId);
      }
      await this.deps.secrets.delete(workspaceId);
      this.withToken.delete(workspaceId);
      const settings = this.deps.settings.read();
      const removed = this.find(workspaceId, settings);
      this.write({ ...settings, workspaces: settings.workspaces.filter((w) => w.id !== workspaceId) });
      // The mount point folder wsfs created goes too, but only while it is empty.
      await this.deps.mounts.removeEmptyFolder(removed.mountPoint);
    } finally {
      this.removing.delete(workspaceId);
    }
    this.problems.forget(workspaceId);
    this.usage.forget(workspaceId);
    this.emitList();
  }

  private async updateSettings(patch: SettingsPatch): Promise<GeneralSettings> {
    const settings = this.deps.settings.read();
    const cache = { ...settings.cache };
    if (patch.cache?.enabled !== undefined) cache.enabled = patch.cache.enabled;
    if (patch.cache?.limitBytes !== undefined) cache.limitBytes = patch.cache.limitBytes;
    if (patch.cache?.location === null) delete cache.location;
    else if (patch.cache?.location !== undefined) cache.location = patch.cache.location;
    const next: AppSettings = {
      ...settings,
      cache,
      metadataTtlSeconds: patch.metadataTtlSeconds ?? settings.metadataTtlSeconds,
      uploadMode: patch.uploadMode ?? settings.uploadMode,
      launchAtLogin: patch.launchAtLogin ?? settings.launchAtLogin,
    };
    this.write(next);
    if (next.launchAtLogin !== settings.launchAtLogin) this.deps.setLaunchAtLogin(next.launchAtLogin);
    if (next.cache.enabled !== settings.cache.enabled) {
      const running = [...this.supervisors.values()].filter((s) => s.running);
      await Promise.all(running.map((s) => this.cacheCommand(s, { kind: 'cache:set-enabled', enabled: next.cache.enabled }).catch(() => undefined)));
    }
    const general = this.general(next);
    this.emit('settings:value', { settings: general });
    return general;
  }

  private async cacheCommand(supervisor: WorkspaceSupervisor, command: { kind: 'cache:clear' } | { kind: 'cache:set-enabled'; enabled: boolean }): Promise<void> {
    try {
      await supervisor.cacheCommand(command);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = code === 'not-supported' ? 'This engine has no content cache to change yet.' : (error as Error).message;
      throw new AppError('failed', message);
    }
  }

  private async clearStaleMount(workspace: WorkspaceSettings): Promise<void> {
    try {
      if (await this.deps.mounts.isDead(workspace.mountPoint)) {
        await this.logs.append(workspace.id, `start-up: clearing a dead mount at ${workspace.mountPoint}`);
        await this.deps.mounts.lazyUnmount(workspace.mountPoint);
      }
    } catch (error) {
      this.problems.raise({ kind: 'other', message: (error as Error).message, fix: `run: fusermount -uz "${workspace.mountPoint}"` }, workspace.id);
    }
  }

  private supervisor(workspaceId: string): WorkspaceSupervisor {
    let supervisor = this.supervisors.get(workspaceId);
    if (supervisor === undefined) {
      supervisor = new WorkspaceSupervisor(
        workspaceId,
        () => {
          // Throwing here makes a queued mount settle as stopped without starting an engine.
          if (this.removing.has(workspaceId)) throw new AppError('busy', 'the workspace is being removed');
          const settings = this.deps.settings.read();
          return mountPlan(this.find(workspaceId, settings), this.general(settings), this.deps.cacheRoot);
        },
        {
          spawn: this.deps.spawn,
          secrets: this.deps.secrets,
          mounts: this.deps.mounts,
          clock: this.deps.clock,
          backoff: this.deps.backoff ?? DEFAULT_BACKOFF,
          ...(this.deps.timeouts !== undefined && { timeouts: this.deps.timeouts }),
          listener: {
            state: (id, state) => {
              if (state.kind === 'mounted') this.problems.mounted(id);
              this.emit('mount:state', { workspaceId: id, state });
            },
            usage: (sample) => {
              if (this.usage.add(sample)) this.emit('cache:usage', sample);
            },
            transfer: (transfer) => this.emit('transfer:progress', transfer),
            problem: (id, problem) => void this.problems.raise(problem, id),
            log: (id, line) => void this.logs.append(id, line),
          },
        },
      );
      this.supervisors.set(workspaceId, supervisor);
    }
    return supervisor;
  }

  private find(workspaceId: string, settings: AppSettings = this.deps.settings.read()): WorkspaceSettings {
    const workspace = settings.workspaces.find((w) => w.id === workspaceId);
    if (workspace === undefined) throw new AppError('not-found', `There is no workspace ${workspaceId}; it may have been removed.`);
    return workspace;
  }

  private mountedPath(workspaceId: string): string {
    const workspace = this.find(workspaceId);
    const state = this.supervisors.get(workspaceId)?.state;
    const mountPoint = state === undefined ? undefined : liveMountPoint(state);
    if (mountPoint === undefined) throw new AppError('busy', `"${workspace.name}" is not mounted; mount it first.`);
    return mountPoint;
  }

  private view(workspace: WorkspaceSettings): WorkspaceView {
    return { settings: workspace, state: this.supervisors.get(workspace.id)?.state ?? { kind: 'stopped' }, hasToken: this.withToken.has(workspace.id) };
  }

  private viewOf(workspaceId: string): WorkspaceView {
    return this.view(this.find(workspaceId));
  }

  private general(settings: AppSettings): GeneralSettings {
    return { cache: { ...settings.cache }, metadataTtlSeconds: settings.metadataTtlSeconds, uploadMode: settings.uploadMode, launchAtLogin: settings.launchAtLogin };
  }

  private suggestMountPoint(name: string, workspaces: WorkspaceSettings[]): string {
    const taken = new Set(workspaces.map((w) => w.mountPoint));
    const base = join(this.deps.homeDir, 'Databricks', mountFolderName(name));
    for (let n = 1; n <= workspaces.length + 1; n++) {
      const candidate = n === 1 ? base : `${base} ${n}`;
      if (!taken.has(candidate)) return candidate;
    }
    return `${base} ${randomBytes(3).toString('hex')}`;
  }

  /** Refuses a mount point shared with, inside, or around another workspace's. */
  private checkMountPoint(workspace: WorkspaceSettings, all: WorkspaceSettings[]): void {
    const mine = workspace.mountPoint.replace(/\/+$/, '');
    for (const other of all) {
      if (other.id === workspace.id) continue;
      const theirs = other.mountPoint.replace(/\/+$/, '');
      if (mine === theirs || mine.startsWith(`${theirs}/`) || theirs.startsWith(`${mine}/`)) {
        throw new AppError('invalid-argument', `mountPoint: ${workspace.mountPoint} overlaps the mount point of "${other.name}" (${other.mountPoint}); choose another folder`);
      }
    }
    if (mine === this.deps.homeDir.replace(/\/+$/, '') || mine === '' || mine === '/') {
      throw new AppError('invalid-argument', `mountPoint: ${workspace.mountPoint} cannot be a mount point (it would hide your files); choose an empty folder such as ${join(this.deps.homeDir, 'Databricks', mountFolderName(workspace.name))}`);
    }
  }

  private write(settings: AppSettings): void {
    try {
      this.deps.settings.write(settings);
    } catch (error) {
      throw new AppError('invalid-argument', (error as Error).message);
    }
  }

  private emitList(): void {
    this.emit('workspace:list', { workspaces: this.deps.settings.read().workspaces.map((w) => this.view(w)) });
  }

  private emit<E extends PushEvent>(event: E, payload: PushEvents[E]): void {
    for (const listener of [...this.listeners]) listener(event, payload);
  }
}
