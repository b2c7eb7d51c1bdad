// The problems of one workspace as a list, each with the button of its fix and, for problems main
// keeps, Dismiss. Which rows and fixes there are is problem-rows.ts; running a fix is the caller's job.
import type { AppProblem, WorkspaceState } from '../shared/ipc-contract';
import { FIX_LABEL, problemRows, type Fix } from './problem-rows';

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
  const rows = problemRows(state, problems);
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
