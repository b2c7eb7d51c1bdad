// Small presentational pieces shared by the views: the state badge, a labelled progress bar,
// a stat tile, the fixed-width action button that shows "working" without resizing. Stateless
// components only; no window.api.
import type { ReactNode } from 'react';
import type { WorkspaceState } from '../shared/ipc-contract';
import { stateBadge } from './workspace-state';

/** The coloured state pill of a workspace. */
export function StateBadge({ state }: { state: WorkspaceState }): React.JSX.Element {
  const { label, tone } = stateBadge(state);
  return (
    <span className={`badge badge-${tone}`} data-state={state.kind}>
      {label}
    </span>
  );
}

/** A button that keeps its width while its action runs (`working` disables it and says so). */
export function ActionButton(props: {
  children: ReactNode;
  onClick: () => void;
  working?: boolean;
  workingLabel?: string;
  disabled?: boolean;
  variant?: 'primary' | 'danger' | 'plain';
  large?: boolean;
  label?: string;
  fixed?: boolean;
}): React.JSX.Element {
  const classes = ['button'];
  if (props.variant === 'primary') classes.push('button-primary');
  if (props.variant === 'danger') classes.push('button-danger');
  if (props.large === true) classes.push('button-large');
  if (props.fixed === true) classes.push('button-fixed');
  return (
    <button
      type="button"
      className={classes.join(' ')}
      onClick={props.onClick}
      disabled={props.disabled === true || props.working === true}
      aria-busy={props.working === true}
      aria-label={props.label}
    >
      {props.working === true ? (props.workingLabel ?? 'Working…') : props.children}
    </button>
  );
}

/** A labelled bar for `value` out of `max`. */
export function Meter(props: { label: string; value: number; max: number; valueText: string; detail: string }): React.JSX.Element {
  const ratio = props.max > 0 ? Math.min(1, props.value / props.max) : 0;
  return (
    <div className="meter">
      <div className="meter-label">
        <span>{props.label}</span>
        <span>{props.detail}</span>
      </div>
      <progress className="bar-native" max={1000} value={Math.round(ratio * 1000)} aria-label={props.label} aria-valuetext={props.valueText} />
    </div>
  );
}

/** A figure with its caption, inside a <dl>. */
export function Stat({ label, value }: { label: string; value: string }): React.JSX.Element {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
