// The tray as a pure function of the app's state: which icon (idle, mounted, busy, problem), the
// tooltip, and the menu — one submenu per workspace with its state, Mount/Unmount, Open in the file
// manager and Copy mount path; a status line (uploads in progress, last problem); Open wsfs…,
// Settings…, Quit. Items carry actions as data; electron-tray.ts turns them into Electron menus.
import { liveMountPoint, type AppProblem, type WorkspaceState, type WorkspaceView } from '../../shared/ipc-contract';
import { problemTitle } from '../../shared/problem';
import { assertNever } from '../../shared/assert-never';

/** The tray icon's state. */
export type TrayIconState = 'idle' | 'mounted' | 'busy' | 'problem';

/** What a menu item does when clicked. */
export type TrayAction =
  | { kind: 'mount'; workspaceId: string }
  | { kind: 'unmount'; workspaceId: string }
  | { kind: 'open-folder'; workspaceId: string }
  | { kind: 'copy-path'; workspaceId: string }
  | { kind: 'open-window' }
  | { kind: 'open-settings' }
  | { kind: 'quit' };

/** One menu entry. */
export type TrayItem =
  | { kind: 'label'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; label: string; action: TrayAction; enabled: boolean }
  | { kind: 'submenu'; label: string; items: TrayItem[] };

/** Everything the tray shows. */
export interface TrayModel {
  icon: TrayIconState;
  tooltip: string;
  items: TrayItem[];
}

/** What the tray is built from. */
export interface TrayInput {
  workspaces: WorkspaceView[];
  /** Uploads queued or running across all workspaces. */
  uploadsInProgress: number;
  lastProblem: AppProblem | undefined;
  quitting: boolean;
  /** `darwin` says Finder, others "file manager". */
  platform: string;
}

const MAX_LABEL = 60;

/** The tray for `input`. */
export function trayModel(input: TrayInput): TrayModel {
  const icon = iconState(input);
  const status = statusLine(input);
  const items: TrayItem[] = [];
  if (input.workspaces.length === 0) items.push({ kind: 'label', label: 'No workspaces yet' });
  for (const view of input.workspaces) items.push(workspaceMenu(view, input));
  items.push({ kind: 'separator' }, { kind: 'label', label: status });
  if (input.lastProblem !== undefined) items.push({ kind: 'label', label: truncate(`⚠ ${problemTitle(input.lastProblem.problem)}: ${input.lastProblem.problem.message}`) });
  items.push(
    { kind: 'separator' },
    { kind: 'action', label: 'Open wsfs…', action: { kind: 'open-window' }, enabled: true },
    { kind: 'action', label: 'Settings…', action: { kind: 'open-settings' }, enabled: true },
    { kind: 'separator' },
    input.quitting
      ? { kind: 'action', label: 'Finishing uploads…', action: { kind: 'quit' }, enabled: false }
      : { kind: 'action', label: 'Quit wsfs', action: { kind: 'quit' }, enabled: true },
  );
  return { icon, tooltip: `wsfs — ${status}`, items };
}

/** The words for a workspace state in the menu. */
export function stateLabel(state: WorkspaceState): string {
  switch (state.kind) {
    case 'stopped':
      return 'Not mounted';
    case 'starting':
      return state.attempt > 1 ? `Mounting (attempt ${state.attempt})…` : 'Mounting…';
    case 'mounted':
      return 'Mounted';
    case 'stopping':
      return state.quitting ? 'Finishing uploads…' : 'Unmounting…';
    case 'failed':
      return state.retryAt !== undefined ? 'Failed — retrying soon' : 'Failed';
    case 'needs-sign-in':
      return 'Sign-in needed';
    default:
      return assertNever(state, 'state');
  }
}

function iconState(input: TrayInput): TrayIconState {
  const kinds = input.workspaces.map((w) => w.state.kind);
  if (input.lastProblem !== undefined || kinds.some((k) => k === 'failed' || k === 'needs-sign-in')) return 'problem';
  if (input.uploadsInProgress > 0 || input.quitting || kinds.some((k) => k === 'starting' || k === 'stopping')) return 'busy';
  if (kinds.includes('mounted')) return 'mounted';
  return 'idle';
}

function statusLine(input: TrayInput): string {
  if (input.quitting) return 'Finishing uploads before quitting…';
  if (input.uploadsInProgress > 0) return `${input.uploadsInProgress} upload${input.uploadsInProgress === 1 ? '' : 's'} in progress`;
  const mounted = input.workspaces.filter((w) => liveMountPoint(w.state) !== undefined).length;
  // A mount whose token was refused keeps serving, but its saves wait for the sign-in.
  const signedOut = input.workspaces.some((w) => w.state.kind === 'needs-sign-in' && w.state.mountPoint !== undefined);
  if (mounted > 0) return `${mounted} workspace${mounted === 1 ? '' : 's'} mounted · ${signedOut ? 'uploads wait for sign-in' : 'all changes uploaded'}`;
  return 'Nothing mounted';
}

function workspaceMenu(view: WorkspaceView, input: TrayInput): TrayItem {
  const id = view.settings.id;
  const state = view.state;
  const busy = input.quitting || state.kind === 'starting' || state.kind === 'stopping';
  // Signed out while mounted, the mount still serves: it can be opened and unmounted.
  const mounted = liveMountPoint(state) !== undefined;
  const toggle: TrayItem =
    mounted || state.kind === 'stopping' || (state.kind === 'failed' && state.retryAt !== undefined)
      ? { kind: 'action', label: 'Unmount', action: { kind: 'unmount', workspaceId: id }, enabled: !busy }
      : { kind: 'action', label: 'Mount', action: { kind: 'mount', workspaceId: id }, enabled: !busy };
  const items: TrayItem[] = [{ kind: 'label', label: truncate(`${stateLabel(state)} · ${view.settings.mountPoint}`) }];
  if (state.kind === 'failed' || state.kind === 'needs-sign-in') items.push({ kind: 'label', label: truncate(state.message) });
  items.push(
    toggle,
    { kind: 'action', label: input.platform === 'darwin' ? 'Open in Finder' : 'Open in file manager', action: { kind: 'open-folder', workspaceId: id }, enabled: mounted },
    { kind: 'action', label: 'Copy mount path', action: { kind: 'copy-path', workspaceId: id }, enabled: true },
  );
  return { kind: 'submenu', label: truncate(`${view.settings.name} — ${stateLabel(state)}`), items };
}

function truncate(text: string): string {
  return text.length <= MAX_LABEL ? text : `${text.slice(0, MAX_LABEL - 1)}…`;
}

