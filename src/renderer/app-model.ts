// What the window shows, as one immutable value, and the pure reducer that folds main's snapshot
// and push events into it: workspaces with their state, general settings, problems, transfers
// in flight and the usage history per workspace. No React and no window.api here (use-app-model
// wires them), so every transition is a plain function of (model, action).
import type { AppProblem, AppState, PushEvents, SettingsPatch, TransferView, UsageSample, WorkspaceView } from '../shared/ipc-contract';
import type { GeneralSettings } from '../shared/settings';
import { addSample, type StatsSample } from './stats-history';
import { engineRunning } from './workspace-state';
import { assertNever } from '../shared/assert-never';

/** Everything the views draw. */
export interface AppModel {
  /** `loading` until the first snapshot; `error` when it could not be read. */
  phase: 'loading' | 'ready' | 'error';
  loadError?: string;
  workspaces: WorkspaceView[];
  settings?: GeneralSettings;
  problems: AppProblem[];
  /** Transfers not yet done, by workspace id then transfer id. */
  transfers: Record<string, Record<string, TransferView>>;
  /** Latest usage sample of each running workspace. */
  usage: Record<string, UsageSample>;
  /** Chart samples of each workspace (last minutes). */
  history: Record<string, StatsSample[]>;
  platform: string;
  quitting: boolean;
  workspacesFinishing: number;
}

/** The model before the first snapshot. */
export const INITIAL_MODEL: AppModel = {
  phase: 'loading',
  workspaces: [],
  problems: [],
  transfers: {},
  usage: {},
  history: {},
  platform: 'linux',
  quitting: false,
  workspacesFinishing: 0,
};

/** Something that changes the model: the snapshot, a failed load, or one of main's push events. */
export type AppAction =
  | { kind: 'snapshot'; state: AppState; history: UsageSample[] }
  | { kind: 'load-failed'; message: string }
  | { kind: 'workspace-view'; view: WorkspaceView }
  | { kind: 'workspace-removed'; workspaceId: string }
  /** A settings change shown at once, before main confirms it (main's answer replaces it). */
  | { kind: 'settings-patched'; patch: SettingsPatch }
  | { [E in keyof PushEvents]: { kind: 'push'; event: E; payload: PushEvents[E] } }[keyof PushEvents];

function withUsage(model: AppModel, sample: UsageSample): AppModel {
  const id = sample.workspaceId;
  const stats = { cache: sample.cache, transfers: sample.transfers };
  return {
    ...model,
    usage: { ...model.usage, [id]: sample },
    history: { ...model.history, [id]: addSample(model.history[id] ?? [], stats, sample.at) },
  };
}

function withTransfer(model: AppModel, t: TransferView): AppModel {
  const mine = { ...(model.transfers[t.workspaceId] ?? {}) };
  if (t.phase === 'done' || t.phase === 'failed') delete mine[t.transferId];
  else mine[t.transferId] = t;
  return { ...model, transfers: { ...model.transfers, [t.workspaceId]: mine } };
}

/**
 * An invoke's answer about a workspace: its settings and `hasToken` replace ours, but the state of a
 * known workspace stays the one `mount:state` last pushed — main pushes every change before it
 * answers, so an answer can only be as new or older (`token:set` answers before the mount it
 * resumes has settled, and its `starting` may arrive first).
 */
function withView(model: AppModel, view: WorkspaceView): AppModel {
  const at = model.workspaces.findIndex((w) => w.settings.id === view.settings.id);
  const workspaces = at === -1 ? [...model.workspaces, view] : model.workspaces.map((w, i) => (i === at ? { ...view, state: w.state } : w));
  return { ...model, workspaces };
}

function applyPush(model: AppModel, action: Extract<AppAction, { kind: 'push' }>): AppModel {
  switch (action.event) {
    case 'mount:state': {
      const { workspaceId, state } = action.payload;
      const next = { ...model, workspaces: model.workspaces.map((w) => (w.settings.id === workspaceId ? { ...w, state } : w)) };
      // No engine runs (it stopped, crashed or is starting afresh): none of its transfers is in flight.
      if (!engineRunning(state) && model.transfers[workspaceId] !== undefined) {
        const transfers = { ...model.transfers };
        delete transfers[workspaceId];
        return { ...next, transfers };
      }
      return next;
    }
    case 'workspace:list':
      return { ...model, workspaces: action.payload.workspaces };
    case 'settings:value':
      return { ...model, settings: action.payload.settings };
    case 'cache:usage':
      return withUsage(model, action.payload);
    case 'transfer:progress':
      return withTransfer(model, action.payload);
    case 'problem:raised': {
      const problem = action.payload;
      return { ...model, problems: [...model.problems.filter((p) => p.id !== problem.id), problem] };
    }
    case 'problem:cleared': {
      const { problemId } = action.payload;
      return { ...model, problems: model.problems.filter((p) => p.id !== problemId) };
    }
    case 'quit:progress': {
      const progress = action.payload;
      return { ...model, quitting: progress.phase !== 'done', workspacesFinishing: progress.workspacesRemaining };
    }
    case 'window:view':
      return model; // Which tab shows is the app component's state, not the model's.
    default:
      return assertNever(action, 'action');
  }
}

/** `settings` with `patch` applied as main applies it (cache fields merge; `location: null` is the default). */
export function patchSettings(settings: GeneralSettings, patch: SettingsPatch): GeneralSettings {
  const { cache, ...rest } = patch;
  const next: GeneralSettings = { ...settings, ...rest, cache: { ...settings.cache } };
  if (cache?.enabled !== undefined) next.cache.enabled = cache.enabled;
  if (cache?.limitBytes !== undefined) next.cache.limitBytes = cache.limitBytes;
  if (cache?.location === null) delete next.cache.location;
  else if (cache?.location !== undefined) next.cache.location = cache.location;
  return next;
}

/** The model after `action`. */
export function reduceApp(model: AppModel, action: AppAction): AppModel {
  switch (action.kind) {
    case 'snapshot': {
      let next: AppModel = {
        ...model,
        phase: 'ready',
        workspaces: action.state.workspaces,
        settings: action.state.settings,
        problems: action.state.problems,
        platform: action.state.platform,
        quitting: action.state.quitting,
        history: {},
      };
      for (const sample of action.history) next = withUsage(next, sample);
      return next;
    }
    case 'load-failed':
      return { ...model, phase: 'error', loadError: action.message };
    case 'workspace-view':
      return withView(model, action.view);
    case 'workspace-removed':
      return { ...model, workspaces: model.workspaces.filter((w) => w.settings.id !== action.workspaceId) };
    case 'settings-patched':
      return model.settings === undefined ? model : { ...model, settings: patchSettings(model.settings, action.patch) };
    case 'push':
      return applyPush(model, action);
    default:
      return assertNever(action, 'action');
  }
}

