// The add / edit form of one workspace: name, host, how it signs in (token or CLI profile),
// remote path, mount point, auto-mount; "Test connection"; a token field whose value goes to
// main once (straight to the keychain) and is never shown again. Validates as the user types with
// the shared rules and maps main's own refusals (e.g. a busy mount point) onto the field they name.
import { useEffect, useId, useRef, useState } from 'react';
import type { ConnectionTarget, ConnectionTest, WorkspaceDraft, WorkspaceView } from '../shared/ipc-contract';
import { hostProblem, mountPointProblem, profileProblem, remotePathProblem, SETTINGS_LIMITS, type WorkspaceAuth } from '../shared/settings';
import { errorMessage, wsfsApi } from './api';
import { assertNever } from '../shared/assert-never';

type Field = 'name' | 'host' | 'profile' | 'token' | 'remotePath' | 'mountPoint';

interface Values {
  name: string;
  host: string;
  authKind: WorkspaceAuth['kind'];
  profile: string;
  token: string;
  remotePath: string;
  mountPoint: string;
  autoMount: boolean;
}

/** What the user typed, checked; `undefined` entries are fine. */
function problems(v: Values, isNew: boolean): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  if (v.name.trim() === '') out.name = 'Enter a name, e.g. “Analytics prod”.';
  else if (v.name.trim().length > SETTINGS_LIMITS.maxNameLength) out.name = `Use at most ${SETTINGS_LIMITS.maxNameLength} characters.`;
  if (v.authKind !== 'demo') {
    const host = v.host.trim() === '' ? 'a workspace URL such as https://adb-1234567890123456.7.azuredatabricks.net' : hostProblem(v.host.trim());
    if (host !== null) out.host = `Enter ${host}.`;
    const path = remotePathProblem(v.remotePath.trim());
    if (path !== null) out.remotePath = `Enter ${path}.`;
  }
  const profile = v.authKind === 'profile' ? profileProblem(v.profile.trim()) : null;
  if (profile !== null) out.profile = `Enter ${profile}.`;
  if (v.authKind === 'token' && v.token !== '' && !/^\S{8,}$/.test(v.token.trim())) out.token = 'A token has at least 8 characters and no spaces.';
  // A new workspace may leave the mount point empty (main's suggestion is used).
  const mountPoint = v.mountPoint.trim() === '' && isNew ? null : mountPointProblem(v.mountPoint);
  if (mountPoint !== null) out.mountPoint = `Enter ${mountPoint}.`;
  return out;
}

function authOf(v: Values): WorkspaceAuth {
  switch (v.authKind) {
    case 'token':
      return { kind: 'token' };
    case 'profile':
      return { kind: 'profile', profile: v.profile.trim() };
    case 'demo':
      return { kind: 'demo' };
    default:
      return assertNever(v.authKind, 'auth kind');
  }
}

function draftOf(v: Values): WorkspaceDraft {
  const draft: WorkspaceDraft = { name: v.name.trim(), host: v.authKind === 'demo' ? '' : v.host.trim(), auth: authOf(v), remotePath: v.remotePath.trim(), autoMount: v.autoMount };
  if (v.mountPoint.trim() !== '') draft.mountPoint = v.mountPoint.trim();
  return draft;
}

/** Main refuses with `path.to.field: …` (`workspace:add.draft.host: …`, `mountPoint: …`); the form field it names, if any. */
function fieldOfError(message: string): Field | undefined {
  const path = /^([\w:.]+): /.exec(message)?.[1];
  const field = path?.split('.').pop();
  if (field === 'auth') return 'profile';
  return field === 'name' || field === 'host' || field === 'profile' || field === 'token' || field === 'remotePath' || field === 'mountPoint' ? field : undefined;
}

/** Props of WorkspaceForm. */
export interface WorkspaceFormProps {
  /** The workspace to edit; undefined to add one. */
  editing?: WorkspaceView;
  /** Put the focus on the token field (after "Sign in again"). */
  focusToken?: boolean;
  /** Called with the saved workspace. */
  onSaved: (view: WorkspaceView) => void;
  onCancel: () => void;
}

/** The workspace form. */
export function WorkspaceForm({ editing, focusToken, onSaved, onCancel }: WorkspaceFormProps): React.JSX.Element {
  const isNew = editing === undefined;
  const s = editing?.settings;
  const [values, setValues] = useState<Values>({
    name: s?.name ?? '',
    host: s?.host ?? '',
    authKind: s?.auth.kind ?? 'token',
    profile: s?.auth.kind === 'profile' ? s.auth.profile : 'DEFAULT',
    token: '',
    remotePath: s?.remotePath ?? '~',
    mountPoint: s?.mountPoint ?? '',
    autoMount: s?.autoMount ?? false,
  });
  const [touched, setTouched] = useState<Partial<Record<Field, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverError, setServerError] = useState<{ field?: Field; message: string } | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const [test, setTest] = useState<{ phase: 'idle' } | { phase: 'running' } | { phase: 'done'; result: ConnectionTest }>({ phase: 'idle' });
  const [suggested, setSuggested] = useState('');
  const mountEdited = useRef(!isNew);
  const tokenRef = useRef<HTMLInputElement>(null);
  const nameRef = useRef<HTMLInputElement>(null);
  const uid = useId();
  const ids = (f: Field): { input: string; message: string } => ({ input: `${uid}-${f}`, message: `${uid}-${f}-msg` });

  useEffect(() => {
    if (focusToken === true) tokenRef.current?.focus();
    else nameRef.current?.focus();
  }, [focusToken]);

  // Suggest the default mount point (~/Databricks/<name>) while the user has not typed one.
  useEffect(() => {
    if (mountEdited.current || values.name.trim() === '') return undefined;
    let live = true;
    const timer = setTimeout(() => {
      wsfsApi()
        .suggestMountPoint({ name: values.name.trim() })
        .then((path) => live && setSuggested(path))
        .catch(() => undefined);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [values.name]);

  const found = problems(values, isNew);
  const shown = (f: Field): string | undefined => {
    if (serverError?.field === f) return serverError.message;
    return submitted || touched[f] === true ? found[f] : undefined;
  };
  const set = <K extends keyof Values>(key: K, value: Values[K]): void => {
    setValues((v) => ({ ...v, [key]: value }));
    if (serverError?.field === key) setServerError(undefined);
    if (key === 'host' || key === 'token' || key === 'authKind' || key === 'profile') setTest({ phase: 'idle' });
  };
  const touch = (f: Field) => () => setTouched((t) => ({ ...t, [f]: true }));

  const connectionTarget = (): ConnectionTarget => {
    const unchanged = editing !== undefined && values.host.trim() === editing.settings.host && values.authKind === editing.settings.auth.kind;
    if (unchanged && values.token === '' && (values.authKind !== 'profile' || (editing.settings.auth.kind === 'profile' && editing.settings.auth.profile === values.profile.trim()))) {
      return { kind: 'saved', workspaceId: editing.settings.id };
    }
    const target: ConnectionTarget = { kind: 'draft', host: values.host.trim(), auth: authOf(values) };
    if (values.token.trim() !== '') target.token = values.token.trim();
    return target;
  };

  const testConnection = async (): Promise<void> => {
    setTouched((t) => ({ ...t, host: true, token: true, profile: true }));
    if (found.host !== undefined || found.token !== undefined || found.profile !== undefined) return;
    setTest({ phase: 'running' });
    try {
      setTest({ phase: 'done', result: await wsfsApi().testConnection({ target: connectionTarget() }) });
    } catch (error) {
      setTest({ phase: 'done', result: { ok: false, code: 'unexpected', message: errorMessage(error) } });
    }
  };

  const save = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setSubmitted(true);
    const invalid = (Object.keys(found) as Field[]).find((f) => found[f] !== undefined);
    if (invalid !== undefined) {
      document.getElementById(ids(invalid).input)?.focus();
      return;
    }
    setSaving(true);
    setServerError(undefined);
    const api = wsfsApi();
    const token = values.authKind === 'token' && values.token.trim() !== '' ? values.token.trim() : undefined;
    try {
      const draft = draftOf(values);
      if (draft.mountPoint === undefined && suggested !== '') draft.mountPoint = suggested;
      let view: WorkspaceView;
      if (editing === undefined) {
        view = await api.addWorkspace(token === undefined ? { draft } : { draft, token });
      } else {
        view = await api.updateWorkspace({ workspaceId: editing.settings.id, patch: draft });
        if (token !== undefined) view = await api.setToken({ workspaceId: editing.settings.id, token });
      }
      setValues((v) => ({ ...v, token: '' }));
      onSaved(view);
    } catch (error) {
      const message = errorMessage(error);
      const field = fieldOfError(message);
      setServerError(field === undefined ? { message } : { field, message: message.replace(/^[\w:.]+: /, '') });
      if (field !== undefined) document.getElementById(ids(field).input)?.focus();
    } finally {
      setSaving(false);
    }
  };

  const input = (f: Field, label: string, props: React.ComponentProps<'input'>, hint?: string): React.JSX.Element => {
    const message = shown(f);
    return (
      <div className={`field${f === 'remotePath' || (f === 'mountPoint' && values.authKind !== 'demo') ? '' : ' field-wide'}`}>
        <label htmlFor={ids(f).input}>{label}</label>
        <input
          id={ids(f).input}
          name={f}
          aria-invalid={message !== undefined}
          aria-describedby={ids(f).message}
          onBlur={touch(f)}
          spellCheck={false}
          autoComplete="off"
          {...props}
        />
        <span id={ids(f).message} className={message !== undefined ? 'error' : 'hint'} aria-live="polite">
          {message ?? hint ?? ''}
        </span>
      </div>
    );
  };

  const demo = values.authKind === 'demo';
  const tokenHint = editing?.hasToken === true ? 'A token is saved in the keychain. Type a new one to replace it.' : 'Goes straight to the system keychain; never shown again.';
  return (
    <form
      className="card workspace-form"
      onSubmit={(e) => void save(e)}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      noValidate
      aria-labelledby={`${uid}-title`}
    >
      <div className="view-title">
        <h1 id={`${uid}-title`}>{isNew ? 'Add a workspace' : `Edit ${editing.settings.name}`}</h1>
      </div>
      <div className="form-grid">
        {input('name', 'Name', { ref: nameRef, type: 'text', value: values.name, onChange: (e) => set('name', e.target.value), maxLength: SETTINGS_LIMITS.maxNameLength })}
        {!demo &&
          input(
            'host',
            'Workspace URL',
            { type: 'url', value: values.host, onChange: (e) => set('host', e.target.value), placeholder: 'https://dbc-1234abcd-5678.cloud.databricks.com', inputMode: 'url' },
            'The address you open Databricks at, without a path.',
          )}
        {!demo && (
          <fieldset className="field field-wide">
            <legend>Sign in with</legend>
            <div className="choice-row">
              <label className="choice">
                <input type="radio" name={`${uid}-auth`} value="token" checked={values.authKind === 'token'} onChange={() => set('authKind', 'token')} />
                <span>
                  Personal access token
                  <small>Stored in the system keychain</small>
                </span>
              </label>
              <label className="choice">
                <input type="radio" name={`${uid}-auth`} value="profile" checked={values.authKind === 'profile'} onChange={() => set('authKind', 'profile')} />
                <span>
                  Databricks CLI profile
                  <small>From ~/.databrickscfg</small>
                </span>
              </label>
            </div>
          </fieldset>
        )}
        {values.authKind === 'token' &&
          input('token', editing?.hasToken === true ? 'New token' : 'Token', { ref: tokenRef, type: 'password', value: values.token, onChange: (e) => set('token', e.target.value), placeholder: editing?.hasToken === true ? '••••••••  (saved)' : 'dapi…' }, tokenHint)}
        {values.authKind === 'profile' && input('profile', 'Profile', { type: 'text', value: values.profile, onChange: (e) => set('profile', e.target.value) })}
        {!demo &&
          input(
            'remotePath',
            'Workspace folder',
            { type: 'text', value: values.remotePath, onChange: (e) => set('remotePath', e.target.value) },
            '~ is your home folder (/Users/you); / is the whole workspace.',
          )}
        {input(
          'mountPoint',
          'Mount point',
          {
            type: 'text',
            value: values.mountPoint,
            placeholder: suggested !== '' ? suggested : 'your home folder/Databricks/<name>',
            onChange: (e) => {
              mountEdited.current = true;
              set('mountPoint', e.target.value);
            },
          },
          values.mountPoint === '' && suggested !== '' ? `Leave empty to use ${suggested}.` : 'An empty folder on this computer; created if missing.',
        )}
        <div className="field field-wide">
          <label className="check-row">
            <input type="checkbox" checked={values.autoMount} onChange={(e) => set('autoMount', e.target.checked)} />
            Mount when wsfs starts
          </label>
        </div>
      </div>
      {!demo && (
        <div className="connection-row">
          <div
            className={`connection-result${test.phase === 'done' ? (test.result.ok ? ' connection-ok' : ' connection-failed') : ''}`}
            role="status"
            aria-live="polite"
            data-field="connection-result"
          >
            {test.phase === 'idle' && 'Test the connection before saving, to be sure the URL and credentials work.'}
            {test.phase === 'running' && 'Connecting…'}
            {test.phase === 'done' &&
              (test.result.ok
                ? `Connected as ${test.result.displayName !== undefined ? `${test.result.displayName} (${test.result.userName})` : test.result.userName}.`
                : `${test.result.message}${test.result.fix !== undefined ? ` ${test.result.fix}` : ''}`)}
          </div>
        </div>
      )}
      {serverError !== undefined && serverError.field === undefined && (
        <p className="error form-error" role="alert">
          {serverError.message}
        </p>
      )}
      <div className="form-actions">
        {!demo && (
          <button type="button" className="button" onClick={() => void testConnection()} disabled={test.phase === 'running'} aria-busy={test.phase === 'running'}>
            Test connection
          </button>
        )}
        <span className="spacer" />
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary button-submit" disabled={saving} aria-busy={saving}>
          {saving ? 'Saving…' : isNew ? 'Add workspace' : 'Save'}
        </button>
      </div>
    </form>
  );
}

