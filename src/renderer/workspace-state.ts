// How a workspace's supervisor state reads in the UI: badge text and tone, and which primary
// action (Mount or Unmount) its card offers. Pure functions with exhaustive switches; no React.
import type { WorkspaceState } from '../shared/ipc-contract';
import { assertNever } from '../shared/assert-never';

/** Colour family of a state badge (a CSS class suffix). */
export type BadgeTone = 'idle' | 'mounted' | 'busy' | 'problem' | 'warn';

/** The badge of a state. */
export function stateBadge(state: WorkspaceState): { label: string; tone: BadgeTone } {
  switch (state.kind) {
    case 'stopped':
      return { label: 'Not mounted', tone: 'idle' };
    case 'starting':
      return { label: state.attempt > 1 ? 'Restarting…' : 'Mounting…', tone: 'busy' };
    case 'mounted':
      return { label: 'Mounted', tone: 'mounted' };
    case 'stopping':
      return { label: 'Unmounting…', tone: 'busy' };
    case 'failed':
      return state.retryAt !== undefined ? { label: 'Retrying soon', tone: 'warn' } : { label: 'Failed', tone: 'problem' };
    case 'needs-sign-in':
      return { label: 'Sign-in needed', tone: 'problem' };
    default:
      return assertNever(state, 'workspace state');
  }
}

/** What the card's main button does in a state; `busy` shows it disabled. */
export function primaryAction(state: WorkspaceState): 'mount' | 'unmount' | 'busy' {
  switch (state.kind) {
    case 'stopped':
    case 'failed':
      return 'mount';
    case 'needs-sign-in':
      return state.mountPoint === undefined ? 'mount' : 'unmount';
    case 'mounted':
      return 'unmount';
    case 'starting':
    case 'stopping':
      return 'busy';
    default:
      return assertNever(state, 'workspace state');
  }
}


/** True in the states where the workspace's engine runs (its cache figures and transfers are live). */
export function engineRunning(state: WorkspaceState): boolean {
  switch (state.kind) {
    case 'mounted':
    case 'stopping':
      return true;
    case 'needs-sign-in':
      return state.mountPoint !== undefined;
    case 'stopped':
    case 'starting':
    case 'failed':
      return false;
    default:
      return assertNever(state, 'workspace state');
  }
}
