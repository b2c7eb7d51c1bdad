// The problems of one workspace as a list, each with the button of its fix and, for problems main
// keeps, Dismiss; and the card of problems tied to no workspace (e.g. an unreadable settings file),
// shown on the Status tab and on the first-run screen alike. Which rows and fixes there are is
// problem-rows.ts; running a fix is the caller's job.
import type { AppProblem, WorkspaceState } from '../shared/ipc-contract';
import { FIX_LABEL, otherProblems, problemRows, type Fix } from './problem-rows';

/** Props of ProblemList. */
export interface ProblemListProps {
  workspaceName: string;
  state: WorkspaceState;
  problems: AppProblem[];
  /** Runs a fix; `path` is the mount-relative file it concerns, if any (ProblemRow.path). */
  onFix: (fix: Fix, path?: string) => void;
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
          <button type="button" className="button" onClick={() => onFix(row.action, row.path)}>
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

/** Problems not tied to a configured workspace, as a card; nothing when there are none. */
export function OtherProblems(props: { problems: AppProblem[]; workspaceIds: string[]; onFix: (fix: Fix, path?: string) => void; onDismiss: (problemId: string) => void }): React.JSX.Element | null {
  const general = otherProblems(props.problems, props.workspaceIds);
  if (general.length === 0) return null;
  return (
    <section className="card" aria-label="Other problems">
      <ProblemList workspaceName="wsfs" state={{ kind: 'stopped' }} problems={general} onFix={props.onFix} onDismiss={props.onDismiss} />
    </section>
  );
}
