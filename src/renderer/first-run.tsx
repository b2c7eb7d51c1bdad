// The first-run screen: what wsfs does in one sentence, the two ways to start — the built-in
// demo workspace (no account needed) or a real workspace — and three lines on what to expect.
// Stateless; the shell runs the actions.

/** Props of FirstRun. */
export interface FirstRunProps {
  onTryDemo: () => void;
  onAddWorkspace: () => void;
  addingDemo: boolean;
}

/** The empty state shown while no workspace is configured. */
export function FirstRun({ onTryDemo, onAddWorkspace, addingDemo }: FirstRunProps): React.JSX.Element {
  return (
    <section className="card empty" aria-labelledby="first-run-title">
      <svg width="72" height="72" viewBox="0 0 72 72" aria-hidden="true" focusable="false">
        <rect x="6" y="16" width="60" height="44" rx="8" fill="currentColor" opacity="0.12" />
        <path d="M6 24a8 8 0 0 1 8-8h14l6 6h24a8 8 0 0 1 8 8" fill="none" stroke="currentColor" strokeWidth="3" strokeLinejoin="round" />
        <rect x="6" y="26" width="60" height="34" rx="8" fill="none" stroke="currentColor" strokeWidth="3" />
        <path d="M27 43l6 6 12-12" fill="none" stroke="currentColor" strokeWidth="3.5" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <h1 id="first-run-title">Your Databricks workspace, as a folder</h1>
      <p>
        wsfs mounts a workspace on your computer. Notebooks appear as source files, and your editor, git and shell work on them like on
        a local disk. No account? Try the built-in demo workspace.
      </p>
      <div className="empty-actions">
        <button type="button" className="button button-primary button-large" onClick={onTryDemo} disabled={addingDemo} aria-busy={addingDemo}>
          {addingDemo ? 'Adding the demo…' : 'Try the demo workspace'}
        </button>
        <button type="button" className="button button-large" onClick={onAddWorkspace}>
          Add a workspace
        </button>
      </div>
      <ul className="features">
        <li>
          <strong>Notebooks as files</strong>
          <span>.py, .sql, .scala and .r, with the Databricks header</span>
        </li>
        <li>
          <strong>Fast on repeat</strong>
          <span>Files you opened are cached on this computer</span>
        </li>
        <li>
          <strong>Nothing lost</strong>
          <span>Every save reaches the workspace, or stays on disk with a clear message</span>
        </li>
      </ul>
    </section>
  );
}
