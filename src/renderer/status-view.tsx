// The Status view: one card per workspace with its state, host, remote path and mount point,
// Mount/Unmount and Open folder, and its problems with their fixes. Renders what the model says;
// the shell passes the callbacks that invoke main.
import { cacheHitRate } from '../shared/cache-usage';
import { liveMountPoint, type AppProblem, type UsageSample, type WorkspaceView } from '../shared/ipc-contract';
import { formatBytes, formatCount, formatPercent } from './format';
import { OtherProblems, ProblemList } from './problem-list';
import type { Fix } from './problem-rows';
import { ActionButton, StateBadge } from './ui-kit';
import { primaryAction } from './workspace-state';

/** Callbacks of the status view. */
export interface StatusHandlers {
  mount(id: string): void;
  unmount(id: string): void;
  openFolder(id: string): void;
  copyPath(id: string): void;
  fix(id: string, fix: Fix, path?: string): void;
  dismiss(problemId: string): void;
  addWorkspace(): void;
}

/** Props of StatusView. */
export interface StatusViewProps {
  workspaces: WorkspaceView[];
  problems: AppProblem[];
  usage: Record<string, UsageSample>;
  running: (key: string) => boolean;
  on: StatusHandlers;
}

/** One line about the cache of a running workspace; a dash otherwise (the row is always there, so nothing moves). */
function cacheLine(sample: UsageSample | undefined, mounted: boolean): string {
  if (sample === undefined || !mounted) return '—';
  if (!sample.cache.enabled) return 'Off';
  const files = sample.cache.files;
  return `${formatBytes(sample.cache.bytesUsed)} in ${formatCount(files)} file${files === 1 ? '' : 's'} · hit rate ${formatPercent(cacheHitRate(sample.cache))}`;
}

/** Where a workspace lives, in words. */
export function hostLabel(view: WorkspaceView): string {
  return view.settings.auth.kind === 'demo' ? 'Built-in demo workspace' : view.settings.host;
}

function WorkspaceCard(props: { view: WorkspaceView; problems: AppProblem[]; sample: UsageSample | undefined; running: StatusViewProps['running']; on: StatusHandlers }): React.JSX.Element {
  const { view, problems, running, on } = props;
  const { settings, state } = view;
  const id = settings.id;
  const action = primaryAction(state);
  const titleId = `ws-${id}-title`;
  const live = liveMountPoint(state);
  const mountPoint = live ?? settings.mountPoint;
  return (
    <article className="card workspace-card" aria-labelledby={titleId} data-workspace={id}>
      <div className="card-head">
        <h2 id={titleId}>{settings.name}</h2>
        <StateBadge state={state} />
        <div className="card-actions">
          {action === 'unmount' ? (
            <ActionButton fixed onClick={() => on.unmount(id)} working={running(`stop:${id}`)} workingLabel="Unmounting…" label={`Unmount ${settings.name}`}>
              Unmount
            </ActionButton>
          ) : (
            <ActionButton
              fixed
              variant="primary"
              onClick={() => on.mount(id)}
              working={action === 'busy' || running(`start:${id}`)}
              workingLabel={state.kind === 'stopping' ? 'Unmounting…' : 'Mounting…'}
              label={`Mount ${settings.name}`}
            >
              Mount
            </ActionButton>
          )}
          <ActionButton onClick={() => on.openFolder(id)} disabled={live === undefined} label={`Open folder of ${settings.name}`}>
            Open folder
          </ActionButton>
        </div>
      </div>
      <dl className="details">
        <dt>Host</dt>
        <dd>{hostLabel(view)}</dd>
        <dt>Remote path</dt>
        <dd>{settings.remotePath}</dd>
        <dt>Mount point</dt>
        <dd className="with-action">
          <span data-field="mount-point">{mountPoint}</span>
          <button type="button" className="link-button" onClick={() => on.copyPath(id)} aria-label={`Copy mount point of ${settings.name}`}>
            {running(`copy:${id}`) ? 'Copying…' : 'Copy'}
          </button>
        </dd>
        <dt>Cache</dt>
        <dd className="plain" data-field="cache">
          {cacheLine(props.sample, live !== undefined)}
        </dd>
      </dl>
      <ProblemList workspaceName={settings.name} state={state} problems={problems} onFix={(fix, path) => on.fix(id, fix, path)} onDismiss={on.dismiss} />
    </article>
  );
}

/** Every workspace with state and actions, and problems not tied to one workspace. */
export function StatusView({ workspaces, problems, usage, running, on }: StatusViewProps): React.JSX.Element {
  return (
    <>
      <div className="view-title">
        <h1>Workspaces</h1>
        <button type="button" className="button" onClick={on.addWorkspace}>
          Add workspace
        </button>
      </div>
      {workspaces.map((view) => (
        <WorkspaceCard
          key={view.settings.id}
          view={view}
          problems={problems.filter((p) => p.workspaceId === view.settings.id)}
          sample={usage[view.settings.id]}
          running={running}
          on={on}
        />
      ))}
      <OtherProblems problems={problems} workspaceIds={workspaces.map((w) => w.settings.id)} onFix={(fix) => on.fix('', fix)} onDismiss={on.dismiss} />
    </>
  );
}
