// The Settings view: the workspace list (add, edit, remove) and the general settings — cache on
// or off and its size, upload mode, metadata refresh, launch at login. Each general setting is
// applied as soon as it is changed (no Save button), through `settings:update`.
import { useEffect, useId, useState } from 'react';
import type { SettingsPatch, WorkspaceView } from '../shared/ipc-contract';
import { SETTINGS_LIMITS, type GeneralSettings } from '../shared/settings';
import { GIB } from './format';
import { hostLabel } from './status-view';

/** Props of SettingsView. */
export interface SettingsViewProps {
  workspaces: WorkspaceView[];
  settings: GeneralSettings | undefined;
  running: (key: string) => boolean;
  onAdd: () => void;
  onEdit: (id: string) => void;
  onRemove: (id: string) => void;
  onUpdate: (patch: SettingsPatch) => void;
}

function Toggle(props: { label: string; detail: string; checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }): React.JSX.Element {
  const id = useId();
  return (
    <div className="toggle-row">
      <div>
        <label htmlFor={id}>{props.label}</label>
        <p id={`${id}-detail`}>{props.detail}</p>
      </div>
      <input id={id} type="checkbox" role="switch" className="switch" checked={props.checked} disabled={props.disabled} aria-describedby={`${id}-detail`} onChange={(e) => props.onChange(e.target.checked)} />
    </div>
  );
}

/** A number field applied on blur or Enter, with its own range message. */
function NumberSetting(props: { label: string; detail: string; unit: string; value: number; min: number; max: number; step: number | 'any'; onApply: (v: number) => void }): React.JSX.Element {
  const id = useId();
  const [text, setText] = useState(String(props.value));
  useEffect(() => setText(String(props.value)), [props.value]);
  const parsed = Number(text);
  const problem = text.trim() === '' || !Number.isFinite(parsed) || parsed < props.min || parsed > props.max ? `Enter a number from ${props.min} to ${props.max}.` : undefined;
  const apply = (): void => {
    if (problem === undefined && parsed !== props.value) props.onApply(parsed);
  };
  return (
    <div className="toggle-row">
      <div>
        <label htmlFor={id}>{props.label}</label>
        <p id={`${id}-detail`} className={problem !== undefined ? 'error' : undefined} aria-live="polite">
          {problem ?? props.detail}
        </p>
      </div>
      <span className="inline-field">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={props.min}
          max={props.max}
          step={props.step}
          value={text}
          aria-invalid={problem !== undefined}
          aria-describedby={`${id}-detail`}
          onChange={(e) => setText(e.target.value)}
          onBlur={apply}
          onKeyDown={(e) => e.key === 'Enter' && apply()}
        />
        <span className="muted">{props.unit}</span>
      </span>
    </div>
  );
}

/** Workspaces and general settings. */
export function SettingsView(props: SettingsViewProps): React.JSX.Element {
  const g = props.settings;
  const uid = useId();
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const round = (n: number): number => Math.round(n * 10) / 10;
  return (
    <>
      <div className="view-title">
        <h1>Settings</h1>
      </div>
      <h2 className="section-title" id={`${uid}-ws`}>
        Workspaces
      </h2>
      <section className="card" aria-labelledby={`${uid}-ws`}>
        {props.workspaces.length === 0 && <p className="muted list-row">No workspaces yet.</p>}
        {props.workspaces.map((w) =>
          confirming === w.settings.id ? (
            <div className="list-row confirm-row" key={`${w.settings.id}:confirm`} data-workspace={w.settings.id} role="group" aria-label={`Remove ${w.settings.name}?`}>
              <div className="list-row-text">
                <strong>Remove {w.settings.name}?</strong>
                <span>It is unmounted first; its saved token is deleted from the keychain. Files on the workspace stay.</span>
              </div>
              <button type="button" className="button" onClick={() => setConfirming(undefined)} autoFocus>
                Keep
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  setConfirming(undefined);
                  props.onRemove(w.settings.id);
                }}
              >
                Remove
              </button>
            </div>
          ) : (
            <div className="list-row" key={w.settings.id} data-workspace={w.settings.id}>
              <div className="list-row-text">
                <strong>{w.settings.name}</strong>
                <span>
                  {hostLabel(w)} → {w.settings.mountPoint}
                </span>
              </div>
              <button type="button" className="button" onClick={() => props.onEdit(w.settings.id)} aria-label={`Edit ${w.settings.name}`}>
                Edit
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => setConfirming(w.settings.id)}
                disabled={props.running(`remove:${w.settings.id}`)}
                aria-label={`Remove ${w.settings.name}`}
              >
                {props.running(`remove:${w.settings.id}`) ? 'Removing…' : 'Remove'}
              </button>
            </div>
          ),
        )}
        <div className="form-actions list-actions">
          <button type="button" className="button button-primary" onClick={props.onAdd}>
            Add workspace
          </button>
        </div>
      </section>
      {g !== undefined && (
        <>
          <h2 className="section-title" id={`${uid}-cache`}>
            Cache
          </h2>
          <section className="card" aria-labelledby={`${uid}-cache`}>
            <Toggle
              label="Keep downloaded files on this computer"
              detail="Opening a file again is instant and works while offline. Changes on the workspace are still picked up."
              checked={g.cache.enabled}
              onChange={(enabled) => props.onUpdate({ cache: { enabled } })}
            />
            <NumberSetting
              label="Cache size limit"
              detail="Per workspace. The least recently used files make room when it is full."
              unit="GB"
              value={round(g.cache.limitBytes / GIB)}
              min={round(SETTINGS_LIMITS.minCacheBytes / GIB)}
              max={SETTINGS_LIMITS.maxCacheBytes / GIB}
              step="any"
              onApply={(gb) => props.onUpdate({ cache: { limitBytes: Math.round(gb * GIB) } })}
            />
          </section>
          <h2 className="section-title" id={`${uid}-sync`}>
            Uploads and refresh
          </h2>
          <section className="card" aria-labelledby={`${uid}-sync`}>
            <fieldset className="field">
              <legend>When a program saves a file</legend>
              <div className="choice-row">
                <label className="choice">
                  <input type="radio" name={`${uid}-upload`} checked={g.uploadMode === 'sync'} onChange={() => props.onUpdate({ uploadMode: 'sync' })} />
                  <span>
                    Wait for the upload
                    <small>Saving returns once the workspace has the file. Safest.</small>
                  </span>
                </label>
                <label className="choice">
                  <input type="radio" name={`${uid}-upload`} checked={g.uploadMode === 'background'} onChange={() => props.onUpdate({ uploadMode: 'background' })} />
                  <span>
                    Upload in the background
                    <small>Saving returns at once; uploads continue, and survive restarts.</small>
                  </span>
                </label>
              </div>
            </fieldset>
            <div className="spaced">
              <NumberSetting
                label="Refresh folder listings after"
                detail="How long a listing is trusted before wsfs asks the workspace again."
                unit="seconds"
                value={g.metadataTtlSeconds}
                min={0}
                max={SETTINGS_LIMITS.maxTtlSeconds}
                step={1}
                onApply={(metadataTtlSeconds) => props.onUpdate({ metadataTtlSeconds: Math.round(metadataTtlSeconds) })}
              />
            </div>
          </section>
          <h2 className="section-title" id={`${uid}-general`}>
            General
          </h2>
          <section className="card" aria-labelledby={`${uid}-general`}>
            <Toggle label="Launch at login" detail="Start wsfs in the tray when you log in." checked={g.launchAtLogin} onChange={(launchAtLogin) => props.onUpdate({ launchAtLogin })} />
          </section>
        </>
      )}
    </>
  );
}
