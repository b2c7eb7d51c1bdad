// Whether the workspace is reachable and accepts our credential, learnt from the outcome of every
// remote call (`observe` wraps the RemoteWorkspace the engine uses). Each change into trouble is
// reported once as a Problem (`disconnected`, `needs-sign-in`), not once per failed call; the way
// back (any call that succeeds, or new credentials) is announced to `onRecovered`. It does not
// retry anything itself, and it never turns a failure into success.
import type { Problem } from '../../shared/problem';
import { RemoteError } from '../remote/remote-error';
import type { RemoteWorkspace } from '../remote/remote-workspace';

/** A call that failed this many attempts in a row (RemoteError.details.attempts) means the workspace is out of reach. */
export const OUTAGE_ATTEMPTS = 3;

/** The workspace as the engine last found it. */
export type HealthState =
  | { kind: 'online' }
  | { kind: 'disconnected'; since: number; reason: string }
  | { kind: 'needs-sign-in'; since: number; reason: string };

/** Options of RemoteHealth. */
export interface RemoteHealthOptions {
  now: () => number;
  /** Told once per change into trouble. */
  onProblem: (problem: Problem) => void;
  /** Told when the workspace answers again (or new credentials arrived). */
  onRecovered: () => void;
}

/** Tracks reachability and sign-in; `state` changes only synchronously in `succeeded`/`failed`/`credentialsChanged`. */
export class RemoteHealth {
  private current: HealthState = { kind: 'online' };
  /** Bumped by credentialsChanged: outcomes of calls started with older credentials are ignored. */
  private generation = 0;
  private readonly listeners = new Set<(state: HealthState) => void>();

  constructor(private readonly options: RemoteHealthOptions) {}

  /** The current state. */
  get state(): HealthState {
    return this.current;
  }

  /** Calls `listener` after every change of state (e.g. to probe while disconnected). */
  subscribe(listener: (state: HealthState) => void): void {
    this.listeners.add(listener);
  }

  /** A remote call answered (`startedIn`: the credentials generation it started in, default current). */
  succeeded(startedIn = this.generation): void {
    if (this.current.kind === 'online' || startedIn !== this.generation) return;
    this.current = { kind: 'online' };
    this.options.onRecovered();
    this.changed();
  }

  /** A remote call failed with `error` (after its own retries). Only outages and sign-in failures change the state. */
  failed(error: unknown, startedIn = this.generation): void {
    if (!(error instanceof RemoteError) || startedIn !== this.generation) return;
    if (error.kind === 'unauthenticated') {
      if (this.current.kind === 'needs-sign-in') return;
      this.current = { kind: 'needs-sign-in', since: this.options.now(), reason: error.message };
      this.changed();
      this.options.onProblem({
        kind: 'needs-sign-in',
        message: `The workspace refused the token (it expired or was revoked): ${sentence(error.message)}. Saved changes wait on this computer.`,
        fix: 'sign in again (or give a new token); the waiting uploads then continue',
      });
      return;
    }
    // Only a failure that outlived several of the client's retries means an outage; a call that
    // is not repeated blindly (an upload without overwrite) and gave up after a lost answer does not.
    const exhausted = (error.details.attempts ?? 1) >= OUTAGE_ATTEMPTS;
    if ((error.kind === 'network' || error.kind === 'unavailable') && exhausted) {
      if (this.current.kind !== 'online') return;
      this.current = { kind: 'disconnected', since: this.options.now(), reason: error.message };
      this.changed();
      this.options.onProblem({
        kind: 'disconnected',
        message: `The workspace cannot be reached: ${sentence(error.message)}. Files already on this computer stay readable, and saved changes wait in the journal.`,
        fix: 'check your network, VPN or proxy; uploads resume by themselves when the workspace answers again',
      });
    }
  }

  /** New credentials arrived: try again as if online. */
  credentialsChanged(): void {
    this.generation++;
    const wasOnline = this.current.kind === 'online';
    this.current = { kind: 'online' };
    if (!wasOnline) {
      this.options.onRecovered();
      this.changed();
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.current);
  }

  /** `remote` with every call's outcome reported here (same behaviour and errors). */
  observe(remote: RemoteWorkspace): RemoteWorkspace {
    const track = <T>(call: () => Promise<T>): Promise<T> => {
      const startedIn = this.generation;
      return call().then(
        (value) => {
          this.succeeded(startedIn);
          return value;
        },
        (error: unknown) => {
          this.failed(error, startedIn);
          throw error;
        },
      );
    };
    return {
      currentUser: () => track(() => remote.currentUser()),
      stat: (path) => track(() => remote.stat(path)),
      list: (path) => track(() => remote.list(path)),
      downloadTo: (path, format, target, options) => track(() => remote.downloadTo(path, format, target, options)),
      upload: (path, kind, source, options) => track(() => remote.upload(path, kind, source, options)),
      mkdirs: (path) => track(() => remote.mkdirs(path)),
      delete: (path, options) => track(() => remote.delete(path, options)),
      rename: (from, to) => track(() => remote.rename(from, to)),
      capabilities: () => remote.capabilities(),
    };
  }
}

/** `text` without its trailing full stop, to be embedded in a sentence. */
function sentence(text: string): string {
  return text.trim().replace(/[.;:\s]+$/, '');
}
