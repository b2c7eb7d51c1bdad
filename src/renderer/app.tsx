// The window's shell: header with the three tabs (Status, Cache, Settings; arrow keys move
// between them), the first-run screen, the workspace form, and the one place that turns user
// intents into window.api invokes. Views below it only render and call back.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { AppView, SettingsPatch } from '../shared/ipc-contract';
import { wsfsApi } from './api';
import { CacheView } from './cache-view';
import { FirstRun } from './first-run';
import { OtherProblems } from './problem-list';
import { problemCount, type Fix } from './problem-rows';
import { SettingsView } from './settings-view';
import { StatusView } from './status-view';
import { useActions } from './use-actions';
import { useAppModel } from './use-app-model';
import { WorkspaceForm } from './workspace-form';

type Tab = AppView;
const TABS: ReadonlyArray<{ id: Tab; label: string }> = [
  { id: 'status', label: 'Status' },
  { id: 'cache', label: 'Cache' },
  { id: 'settings', label: 'Settings' },
];

/** The form shown instead of the current tab's content, if any, and the tab to show once it is saved or cancelled. */
type Editing = { kind: 'none' } | { kind: 'new'; returnTo: Tab } | { kind: 'edit'; workspaceId: string; focusToken: boolean; returnTo: Tab };

/** The view named in the page's hash (`index.html#settings`, as main opens it), else Status. */
function initialTab(): Tab {
  const named = window.location.hash.slice(1);
  return TABS.find((t) => t.id === named)?.id ?? 'status';
}

/** The whole window. */
export function App(): React.JSX.Element {
  const [model, dispatch] = useAppModel();
  const actions = useActions();
  const [tab, setTab] = useState<Tab>(initialTab);
  const [editing, setEditing] = useState<Editing>({ kind: 'none' });
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ status: null, cache: null, settings: null });
  const contentRef = useRef<HTMLElement>(null);
  /** Numbers settings changes, so each runs (and fails) on its own. */
  const settingsCalls = useRef(0);
  const api = wsfsApi;

  const show = (next: Tab): void => {
    setTab(next);
    setEditing({ kind: 'none' });
  };
  /** Leaves the form for `tab` and puts the focus at the top of the view (the form's controls are gone). */
  const closeForm = (next: Tab): void => {
    show(next);
    requestAnimationFrame(() => contentRef.current?.focus());
  };
  // The tray's "Settings…" / "Open wsfs…" while the window is open.
  useEffect(() => {
    try {
      return wsfsApi().onShowView(({ view }) => show(view));
    } catch {
      return undefined; // no window.api: useAppModel already shows why
    }
  }, []);
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>): void => {
    const at = TABS.findIndex((t) => t.id === tab);
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = TABS[(to + TABS.length) % TABS.length]!.id;
    show(next);
    tabRefs.current[next]?.focus();
  };

  const mount = (id: string): void =>
    void actions.run(`start:${id}`, async () => dispatch({ kind: 'workspace-view', view: await api().startMount({ workspaceId: id }) }));
  const unmount = (id: string): void =>
    void actions.run(`stop:${id}`, async () => dispatch({ kind: 'workspace-view', view: await api().stopMount({ workspaceId: id }) }));
  const openFolder = (id: string, path?: string): void =>
    void actions.run(`open:${id}`, () => api().openFolder(path === undefined ? { workspaceId: id } : { workspaceId: id, path }));
  const copyPath = (id: string): void => void actions.run(`copy:${id}`, () => api().copyMountPath({ workspaceId: id }));
  const addDemo = (): void =>
    void actions.run('demo', async () => {
      dispatch({ kind: 'workspace-view', view: await api().addDemo() });
      show('status');
    });
  const fix = (id: string, what: Fix, path?: string): void => {
    switch (what) {
      case 'sign-in':
        setTab('settings');
        setEditing({ kind: 'edit', workspaceId: id, focusToken: true, returnTo: 'status' });
        return;
      case 'retry':
        mount(id);
        return;
      case 'open-folder':
        openFolder(id, path);
        return;
      case 'open-log':
        void actions.run('log', () => api().openLog());
        return;
      default:
        what satisfies never;
    }
  };
  const addWorkspace = (): void => {
    setTab('settings');
    setEditing({ kind: 'new', returnTo: 'status' });
  };
  const updateSettings = (patch: SettingsPatch): void => {
    dispatch({ kind: 'settings-patched', patch });
    void actions
      .run(`settings:${(settingsCalls.current += 1)}`, async () => dispatch({ kind: 'push', event: 'settings:value', payload: { settings: await api().updateSettings({ patch }) } }))
      .then(async (ok) => {
        // Refused: show what main really has again (the alert says why).
        if (!ok) dispatch({ kind: 'push', event: 'settings:value', payload: { settings: await api().getSettings() } });
      });
  };
  const remove = (id: string): void =>
    void actions.run(`remove:${id}`, async () => {
      await api().removeWorkspace({ workspaceId: id });
      dispatch({ kind: 'workspace-removed', workspaceId: id });
      requestAnimationFrame(() => contentRef.current?.focus()); // the row that had the focus is gone
    });

  const dismiss = (problemId: string): void => void actions.run(`dismiss:${problemId}`, () => api().dismissProblem({ problemId }));

  const firstRun = model.phase === 'ready' && model.workspaces.length === 0;
  const problemTotal = problemCount(model.workspaces, model.problems);
  const editedView = editing.kind === 'edit' ? model.workspaces.find((w) => w.settings.id === editing.workspaceId) : undefined;

  let content: React.JSX.Element;
  if (model.phase === 'loading') {
    content = <p className="muted" role="status">Loading…</p>;
  } else if (model.phase === 'error') {
    content = (
      <p className="error" role="alert">
        {model.loadError}
      </p>
    );
  } else if (editing.kind !== 'none' && (editing.kind === 'new' || editedView !== undefined)) {
    content = (
      <WorkspaceForm
        key={editing.kind === 'new' ? 'new' : editing.workspaceId}
        {...(editedView !== undefined ? { editing: editedView } : {})}
        focusToken={editing.kind === 'edit' && editing.focusToken}
        onSaved={(view) => {
          dispatch({ kind: 'workspace-view', view });
          closeForm(editing.returnTo);
        }}
        onCancel={() => closeForm(editing.returnTo)}
      />
    );
  } else if (tab === 'status') {
    content = firstRun ? (
      <>
        {/* e.g. "the settings file could not be read": on the first-run screen too, or nobody would see it */}
        <OtherProblems problems={model.problems} workspaceIds={[]} onFix={(what) => fix('', what)} onDismiss={dismiss} />
        <FirstRun onTryDemo={addDemo} onAddWorkspace={addWorkspace} addingDemo={actions.running('demo')} />
      </>
    ) : (
      <StatusView
        workspaces={model.workspaces}
        problems={model.problems}
        usage={model.usage}
        running={actions.running}
        on={{ mount, unmount, openFolder, copyPath, fix, addWorkspace, dismiss }}
      />
    );
  } else if (tab === 'cache') {
    content = (
      <CacheView
        workspaces={model.workspaces}
        settings={model.settings}
        usage={model.usage}
        history={model.history}
        transfers={model.transfers}
        running={actions.running}
        onClear={(id) => void actions.run(`clear:${id}`, () => api().clearCache({ workspaceId: id }))}
        onOpenSettings={() => show('settings')}
      />
    );
  } else {
    content = (
      <SettingsView
        workspaces={model.workspaces}
        settings={model.settings}
        running={actions.running}
        onAdd={() => setEditing({ kind: 'new', returnTo: 'settings' })}
        onEdit={(id) => setEditing({ kind: 'edit', workspaceId: id, focusToken: false, returnTo: 'settings' })}
        onRemove={remove}
        onUpdate={updateSettings}
      />
    );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <svg width="16" height="16" viewBox="0 0 16 16" focusable="false">
              <path d="M1.5 4.5a1.5 1.5 0 0 1 1.5-1.5h3l1.5 1.5H13a1.5 1.5 0 0 1 1.5 1.5v5.5A1.5 1.5 0 0 1 13 13H3a1.5 1.5 0 0 1-1.5-1.5z" fill="currentColor" />
            </svg>
          </span>
          wsfs
        </div>
        <div className="tabs" role="tablist" aria-label="Views">
          {TABS.map((t) => (
            <button
              key={t.id}
              ref={(el) => {
                tabRefs.current[t.id] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${t.id}`}
              className="tab"
              aria-selected={tab === t.id}
              aria-controls="content"
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => show(t.id)}
              onKeyDown={onTabKey}
            >
              {t.label}
              {t.id === 'status' && problemTotal > 0 && (
                <span className="tab-count" aria-label={`${problemTotal} problems`}>
                  {problemTotal}
                </span>
              )}
            </button>
          ))}
        </div>
      </header>
      {model.quitting && (
        <p className="notice" role="status">
          Finishing uploads before quitting ({model.workspacesFinishing} workspace{model.workspacesFinishing === 1 ? '' : 's'} left)…
        </p>
      )}
      <main id="content" ref={contentRef} role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={-1}>
        {content}
      </main>
      <div aria-live="assertive" className="toast-region">
        {actions.lastError !== undefined && (
          <div className="toast" role="alert">
            {actions.lastError}{' '}
            <button type="button" className="button" onClick={actions.clearError}>
              Close
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
