// The problems of one workspace as rows, each with the fix the user can apply from the window:
// sign in again, retry the mount, show the folder holding a conflict copy, or open the log. Decides
// which fix a problem offers (exhaustive over problem kinds), says each fact once, and which
// problems belong to no configured workspace. No React.
import type { AppProblem, WorkspaceState, WorkspaceView } from '../shared/ipc-contract';
import { problemTitle, type Problem, type ProblemKind } from '../shared/problem';

/** A fix the card can run. */
export type Fix = 'sign-in' | 'retry' | 'open-log' | 'open-folder';

/** The fix offered for each problem kind (a Record, so a new kind does not compile without one). */
const FIX_OF: Record<ProblemKind, Fix> = {
  'needs-sign-in': 'sign-in',
  disconnected: 'retry',
  'conflict-copy': 'open-folder',
  'upload-failed': 'open-log',
  'cache-disabled': 'open-log',
  other: 'open-log',
};

/** The fix offered for a problem. */
export function fixFor(problem: Problem): Fix {
  return FIX_OF[problem.kind];
}

/** The button text of each fix. */
export const FIX_LABEL: Record<Fix, string> = { 'sign-in': 'Sign in again', retry: 'Retry', 'open-log': 'Open log', 'open-folder': 'Show in folder' };

/** One row: what is wrong, what to do, and buttons. */
export interface ProblemRow {
  key: string;
  title: string;
  message: string;
  fix?: string;
  action: Fix;
  /** The mount-relative file the fix concerns (a conflict copy: *Show in folder* opens its folder). */
  path?: string;
  problemId?: string;
}

function stateRow(state: WorkspaceState): ProblemRow | undefined {
  if (state.kind === 'needs-sign-in') return { key: 'state', title: 'Sign-in needed', message: state.message, action: 'sign-in' };
  if (state.kind === 'failed') {
    const row: ProblemRow = { key: 'state', title: 'Mount failed', message: state.message, action: 'retry' };
    if (state.fix !== undefined) row.fix = state.fix;
    return row;
  }
  return undefined;
}

/** The rows shown for a workspace in `state` with `problems`: the state's own trouble first, one row per fact. */
export function problemRows(state: WorkspaceState, problems: AppProblem[]): ProblemRow[] {
  const rows: ProblemRow[] = [];
  const fromState = stateRow(state);
  if (fromState !== undefined) rows.push(fromState);
  for (const p of problems) {
    // The sign-in state already says it.
    if (p.problem.kind === 'needs-sign-in' && fromState?.action === 'sign-in') continue;
    const row: ProblemRow = { key: p.id, title: problemTitle(p.problem), message: p.problem.message, action: fixFor(p.problem), problemId: p.id };
    if (p.problem.fix !== undefined) row.fix = p.problem.fix;
    if (p.problem.kind === 'conflict-copy') row.path = p.problem.copyPath;
    rows.push(row);
  }
  return rows;
}

/** The problems tied to none of `workspaceIds` (e.g. an unreadable settings file). */
export function otherProblems(problems: AppProblem[], workspaceIds: string[]): AppProblem[] {
  return problems.filter((p) => p.workspaceId === undefined || !workspaceIds.includes(p.workspaceId));
}

/** How many problem rows the window shows in all: every workspace's rows plus the other problems (the Status tab's count). */
export function problemCount(workspaces: WorkspaceView[], problems: AppProblem[]): number {
  const mine = workspaces.reduce((n, w) => n + problemRows(w.state, problems.filter((p) => p.workspaceId === w.settings.id)).length, 0);
  return mine + otherProblems(problems, workspaces.map((w) => w.settings.id)).length;
}
