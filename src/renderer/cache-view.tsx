// The Cache view: for each workspace with an engine, bytes used versus the limit, files, hit
// rate, bytes fetched, the usage/traffic chart and Clear cache; below, every transfer in flight
// with its progress bar. Reads the model only; Clear cache is the shell's callback.
import { cacheHitRate } from '../shared/cache-usage';
import type { TransferView, UsageSample, WorkspaceView } from '../shared/ipc-contract';
import type { GeneralSettings } from '../shared/settings';
import { formatBytes, formatCount, formatPercent } from './format';
import { HISTORY_SECONDS, type StatsSample } from './stats-history';
import { ActionButton, Meter, Stat } from './ui-kit';
import { UsageChart } from './usage-chart';
import { engineRunning } from './workspace-state';

/** Props of CacheView. */
export interface CacheViewProps {
  workspaces: WorkspaceView[];
  settings: GeneralSettings | undefined;
  usage: Record<string, UsageSample>;
  history: Record<string, StatsSample[]>;
  transfers: Record<string, Record<string, TransferView>>;
  running: (key: string) => boolean;
  onClear: (workspaceId: string) => void;
  onOpenSettings: () => void;
}

function CacheCard(props: { view: WorkspaceView; sample: UsageSample | undefined; history: StatsSample[]; limit: number; working: boolean; onClear: () => void }): React.JSX.Element {
  const { view, sample } = props;
  const titleId = `cache-${view.settings.id}-title`;
  // The state decides (figures of a stopped engine are old; a fresh mount's first ones are a moment away).
  const running = engineRunning(view.state);
  if (!running || sample === undefined) {
    return (
      <article className="card card-compact" aria-labelledby={titleId} data-workspace={view.settings.id}>
        <div className="card-head">
          <h2 id={titleId}>{view.settings.name}</h2>
          <span className="muted" data-field="cache-idle">
            {running ? 'Mounted. Its cache figures arrive in a moment.' : 'Not mounted. Mount it to see its cache at work.'}
          </span>
        </div>
      </article>
    );
  }
  const cache = sample.cache;
  const limit = cache.bytesLimit > 0 ? cache.bytesLimit : props.limit;
  const usedOfLimit = `${formatBytes(cache.bytesUsed)} of ${formatBytes(limit)}`;
  return (
    <article className="card" aria-labelledby={titleId} data-workspace={view.settings.id}>
      <div className="card-head">
        <h2 id={titleId}>{view.settings.name}</h2>
        <div className="card-actions">
          <ActionButton onClick={props.onClear} working={props.working} workingLabel="Clearing…" label={`Clear cache of ${view.settings.name}`}>
            Clear cache
          </ActionButton>
        </div>
      </div>
      <Meter label="Cache used" value={cache.bytesUsed} max={limit} valueText={usedOfLimit} detail={usedOfLimit} />
      <dl className="stats">
        <Stat label="Files" value={formatCount(cache.files)} />
        <Stat label="Hit rate" value={formatPercent(cacheHitRate(cache))} />
        <Stat label="Downloaded" value={formatBytes(cache.bytesFetched)} />
        <Stat label="Evicted" value={formatCount(cache.evictions)} />
      </dl>
      <UsageChart samples={props.history} windowSeconds={HISTORY_SECONDS} />
    </article>
  );
}

function TransferRow({ t, name }: { t: TransferView; name: string }): React.JSX.Element {
  const total = Math.max(t.bytesTotal, 1);
  const label = `${t.direction === 'upload' ? 'Uploading' : 'Downloading'} ${t.path} (${name})`;
  return (
    <li className="transfer">
      <span aria-hidden="true">{t.direction === 'upload' ? '↑' : '↓'}</span>
      <span className="transfer-path" title={t.path}>
        {t.path}
      </span>
      <progress className="bar-native" max={total} value={t.phase === 'queued' ? undefined : Math.min(t.bytesDone, total)} aria-label={label} />
      <span className="transfer-size">{t.phase === 'queued' ? 'Queued' : `${formatBytes(t.bytesDone)} / ${formatBytes(t.bytesTotal)}`}</span>
    </li>
  );
}

/** Cache usage per workspace and the transfers in flight. */
export function CacheView(props: CacheViewProps): React.JSX.Element {
  const limit = props.settings?.cache.limitBytes ?? 0;
  const names = new Map(props.workspaces.map((w) => [w.settings.id, w.settings.name]));
  const transfers = Object.values(props.transfers).flatMap((byId) => Object.values(byId));
  return (
    <>
      <div className="view-title">
        <h1>Cache</h1>
      </div>
      {props.settings !== undefined && !props.settings.cache.enabled && (
        <p className="notice" role="status">
          The content cache is off: every read goes to the workspace.{' '}
          <button type="button" className="button" onClick={props.onOpenSettings}>
            Turn it on in Settings
          </button>
        </p>
      )}
      {props.workspaces.length === 0 && <p className="notice">Add a workspace to see its cache here.</p>}
      {props.workspaces.map((view) => (
        <CacheCard
          key={view.settings.id}
          view={view}
          sample={props.usage[view.settings.id]}
          history={props.history[view.settings.id] ?? []}
          limit={limit}
          working={props.running(`clear:${view.settings.id}`)}
          onClear={() => props.onClear(view.settings.id)}
        />
      ))}
      <h2 className="section-title" id="transfers-title">
        Transfers in flight
      </h2>
      <section className="card" aria-labelledby="transfers-title">
        {transfers.length === 0 ? (
          <p className="muted">Nothing is uploading or downloading right now.</p>
        ) : (
          <ul className="transfers">
            {transfers.map((t) => (
              <TransferRow key={`${t.workspaceId}/${t.transferId}`} t={t} name={names.get(t.workspaceId) ?? t.workspaceId} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
