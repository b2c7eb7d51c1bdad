// The problems of one workspace, each with the fix the user can apply from here: sign in again,
// retry the mount, open the folder holding a conflict copy, or open the log. Decides which fix a
// problem offers (exhaustive over problem kinds); running it is the caller's job.
import type { AppProblem, WorkspaceState } from '../shared/ipc-contract';
import { problemTitle, type Problem } from '../shared/problem';

/** A fix the card can run. */
export type Fix = 'sign-in' | 'retry' | 'open-log' | 'open-folder';

/** The fix offered for a problem. */
export function fixFor(problem: Problem): Fix {
  switch (problem.kind) {
    case 'needs-sign-in':
      return 'sign-in';
    case 'disconnected':
      return 'retry';
    case 'conflict-copy':
      return 'open-folder';
    case 'upload-failed':
    case 'cache-disabled':
    case 'other':
      return 'open-log';
    default:
      return assertNever(problem);
  }
}

const FIX_LABEL: Record<Fix, string> = { 'sign-in': 'Sign in again', retry: 'Retry', 'open-log': 'Open log', 'open-folder': 'Show in folder' };

/** One row: what is wrong, what to do, and buttons. */
interface Row {
  key: string;
  title: string;
  message: string;
  fix?: string;
  action: Fix;
  problemId?: string;
}

function stateRow(state: WorkspaceState): Row | undefined {
  if (state.kind === 'needs-sign-in') return { key: 'state', title: 'Sign-in needed', message: state.message, action: 'sign-in' };
  if (state.kind === 'failed') {
    const row: Row = { key: 'state', title: 'Mount failed', message: state.message, action: 'retry' };
    if (state.fix !== undefined) row.fix = state.fix;
    return row;
  }
  return undefined;
}

/** Props of ProblemList. */
export interface ProblemListProps {
  workspaceName: string;
  state: WorkspaceState;
  problems: AppProblem[];
  onFix: (fix: Fix) => void;
  onDismiss: (problemId: string) => void;
}

/** The list of problems with fixes; renders nothing when all is well. */
export function ProblemList({ workspaceName, state, problems, onFix, onDismiss }: ProblemListProps): React.JSX.Element | null {
  const rows: Row[] = [];
  const fromState = stateRow(state);
  if (fromState !== undefined) rows.push(fromState);
  for (const p of problems) {
    // The sign-in state already says it; one row per fact.
    if (p.problem.kind === 'needs-sign-in' && fromState?.action === 'sign-in') continue;
    const row: Row = { key: p.id, title: problemTitle(p.problem), message: p.problem.message, action: fixFor(p.problem), problemId: p.id };
    if (p.problem.fix !== undefined) row.fix = p.problem.fix;
    rows.push(row);
  }
  if (rows.length === 0) return null;
  return (
    <ul className="problems" aria-label={`Problems of ${workspaceName}`}>
      {rows.map((row) => (
        <li key={row.key} className="problem">
          <div className="problem-text">
            <strong>{row.title}</strong>
            <p>{row.message}</p>
            {row.fix !== undefined && <p className="fix">{row.fix}</p>}
          </div>
          <button type="button" className="button" onClick={() => onFix(row.action)}>
            {FIX_LABEL[row.action]}
          </button>
          {row.problemId !== undefined && (
            <button type="button" className="button" aria-label={`Dismiss: ${row.title}`} onClick={() => onDismiss(row.problemId!)}>
              Dismiss
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected problem ${JSON.stringify(value)}`);
}
