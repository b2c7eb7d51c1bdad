// The renderer's pure logic: the chart's sample list (rates, resets, the time window), the model
// reducer folding main's snapshot and push events, optimistic settings, the wording of every
// workspace state and the problem rows with their fixes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineStats } from '../../src/shared/cache-usage';
import { WORKSPACE_STATE_KINDS, type AppState, type UsageSample, type WorkspaceState, type WorkspaceView } from '../../src/shared/ipc-contract';
import { PROBLEM_KINDS, type Problem } from '../../src/shared/problem';
import { DEFAULT_GENERAL_SETTINGS } from '../../src/shared/settings';
import { INITIAL_MODEL, patchSettings, reduceApp, type AppModel } from '../../src/renderer/app-model';
import { fixFor, otherProblems, problemCount, problemRows } from '../../src/renderer/problem-rows';
import { addSample, HISTORY_SECONDS } from '../../src/renderer/stats-history';
import { engineRunning, primaryAction, stateBadge } from '../../src/renderer/workspace-state';

function stats(bytesUsed: number, bytesFetched: number, bytesUploaded = 0): EngineStats {
  return {
    cache: { enabled: true, bytesUsed, bytesLimit: 1 << 30, files: 1, hits: 0, misses: 1, evictions: 0, bytesFetched },
    transfers: { uploadsQueued: 0, uploadsInFlight: 0, bytesToUpload: 0, bytesUploaded },
  };
}

function view(id: string, state: WorkspaceState = { kind: 'stopped' }): WorkspaceView {
  return { settings: { id, name: id, host: '', auth: { kind: 'demo' }, remotePath: '/', mountPoint: `/tmp/${id}`, autoMount: false }, state, hasToken: false };
}

function usage(workspaceId: string, at: number, used: number, fetched: number): UsageSample {
  return { workspaceId, at, ...stats(used, fetched) };
}

const SNAPSHOT: AppState = {
  workspaces: [view('ws-a'), view('ws-b')],
  settings: DEFAULT_GENERAL_SETTINGS,
  problems: [],
  firstRun: false,
  quitting: false,
  platform: 'linux',
  version: '0.0.0',
};

describe('stats history', () => {
  it('derives bytes per second from successive snapshots, fetched plus uploaded', () => {
    let h = addSample([], stats(0, 0), 10_000);
    assert.equal(h[0]!.bytesPerSecond, 0);
    h = addSample(h, stats(100, 2_000, 1_000), 12_000);
    assert.equal(h[1]!.bytesPerSecond, 1_500);
    assert.equal(h[1]!.bytesUsed, 100);
  });

  it('never draws a negative rate when a restarted engine resets its counters', () => {
    const h = addSample(addSample([], stats(0, 50_000), 1_000), stats(0, 10), 2_000);
    assert.equal(h[1]!.bytesPerSecond, 0);
  });

  it('keeps only the last HISTORY_SECONDS', () => {
    let h = addSample([], stats(1, 0), 0);
    h = addSample(h, stats(2, 0), 1_000);
    h = addSample(h, stats(3, 0), HISTORY_SECONDS * 1000 + 500);
    assert.deepEqual(
      h.map((s) => s.bytesUsed),
      [2, 3],
    );
  });
});

describe('app model', () => {
  const ready = (): AppModel => reduceApp(INITIAL_MODEL, { kind: 'snapshot', state: SNAPSHOT, history: [usage('ws-a', 1_000, 5, 0), usage('ws-a', 2_000, 9, 4_000)] });

  it('takes the snapshot and its usage history', () => {
    const m = ready();
    assert.equal(m.phase, 'ready');
    assert.equal(m.workspaces.length, 2);
    assert.equal(m.history['ws-a']!.length, 2);
    assert.equal(m.history['ws-a']![1]!.bytesPerSecond, 4_000);
    assert.equal(m.usage['ws-a']!.cache.bytesUsed, 9);
  });

  it('applies a mount state to its workspace only', () => {
    const m = reduceApp(ready(), { kind: 'push', event: 'mount:state', payload: { workspaceId: 'ws-b', state: { kind: 'mounted', mountPoint: '/m', since: 1 } } });
    assert.equal(m.workspaces[0]!.state.kind, 'stopped');
    assert.equal(m.workspaces[1]!.state.kind, 'mounted');
  });

  it('keeps transfers until they are done or failed', () => {
    const t = { workspaceId: 'ws-a', transferId: 't1', direction: 'upload' as const, path: 'a.py', phase: 'running' as const, bytesDone: 1, bytesTotal: 10 };
    let m = reduceApp(ready(), { kind: 'push', event: 'transfer:progress', payload: t });
    assert.equal(m.transfers['ws-a']!['t1']!.bytesDone, 1);
    m = reduceApp(m, { kind: 'push', event: 'transfer:progress', payload: { ...t, phase: 'done', bytesDone: 10 } });
    assert.deepEqual(m.transfers['ws-a'], {});
  });

  it('drops the transfers of a workspace whose engine is gone, and keeps them while it flushes or waits for sign-in', () => {
    const t = { workspaceId: 'ws-a', transferId: 't1', direction: 'upload' as const, path: 'a.py', phase: 'running' as const, bytesDone: 1, bytesTotal: 10 };
    const running = reduceApp(ready(), { kind: 'push', event: 'transfer:progress', payload: t });
    const after = (state: WorkspaceState): AppModel => reduceApp(running, { kind: 'push', event: 'mount:state', payload: { workspaceId: 'ws-a', state } });
    for (const state of [{ kind: 'stopping', quitting: true }, { kind: 'needs-sign-in', message: 'm', mountPoint: '/m' }, { kind: 'mounted', mountPoint: '/m', since: 1 }] as WorkspaceState[]) {
      assert.equal(after(state).transfers['ws-a']?.['t1']?.bytesDone, 1, state.kind);
    }
    for (const state of [{ kind: 'stopped' }, { kind: 'failed', code: 'engine-crashed', message: 'm', attempts: 1 }, { kind: 'starting', attempt: 2 }, { kind: 'needs-sign-in', message: 'm' }] as WorkspaceState[]) {
      assert.equal(after(state).transfers['ws-a'], undefined, state.kind);
    }
    assert.deepEqual(WORKSPACE_STATE_KINDS.filter((kind) => engineRunning({ kind } as WorkspaceState)).sort(), ['mounted', 'stopping']);
  });

  it('raises a problem once and clears it', () => {
    const p = { id: 'p-1', workspaceId: 'ws-a', at: 1, problem: { kind: 'disconnected' as const, message: 'gone' } };
    let m = reduceApp(ready(), { kind: 'push', event: 'problem:raised', payload: p });
    m = reduceApp(m, { kind: 'push', event: 'problem:raised', payload: p });
    assert.equal(m.problems.length, 1);
    m = reduceApp(m, { kind: 'push', event: 'problem:cleared', payload: { problemId: 'p-1' } });
    assert.equal(m.problems.length, 0);
  });

  it('adds, replaces and removes workspaces from invoke results', () => {
    let m = reduceApp(ready(), { kind: 'workspace-view', view: view('ws-c') });
    assert.deepEqual(
      m.workspaces.map((w) => w.settings.id),
      ['ws-a', 'ws-b', 'ws-c'],
    );
    // token:set answers with the state it saw (needs-sign-in) after main pushed `starting`: the push wins.
    m = reduceApp(m, { kind: 'push', event: 'mount:state', payload: { workspaceId: 'ws-a', state: { kind: 'starting', attempt: 1 } } });
    m = reduceApp(m, { kind: 'workspace-view', view: { ...view('ws-a', { kind: 'needs-sign-in', message: 'm' }), hasToken: true } });
    assert.deepEqual(m.workspaces[0]!.state, { kind: 'starting', attempt: 1 });
    assert.equal(m.workspaces[0]!.hasToken, true, 'the rest of the answer is taken');
    m = reduceApp(m, { kind: 'workspace-removed', workspaceId: 'ws-b' });
    assert.deepEqual(
      m.workspaces.map((w) => w.settings.id),
      ['ws-a', 'ws-c'],
    );
  });
});

describe('workspace state wording', () => {
  const samples: Record<WorkspaceState['kind'], WorkspaceState> = {
    stopped: { kind: 'stopped' },
    starting: { kind: 'starting', attempt: 1 },
    mounted: { kind: 'mounted', mountPoint: '/m', since: 0 },
    stopping: { kind: 'stopping', quitting: false },
    failed: { kind: 'failed', code: 'x', message: 'm', attempts: 1 },
    'needs-sign-in': { kind: 'needs-sign-in', message: 'm' },
  };

  it('gives every state a distinct badge and the right main action', () => {
    const labels = WORKSPACE_STATE_KINDS.map((k) => stateBadge(samples[k]).label);
    assert.equal(new Set(labels).size, WORKSPACE_STATE_KINDS.length);
    assert.equal(primaryAction(samples.mounted), 'unmount');
    assert.equal(primaryAction(samples.stopped), 'mount');
    assert.equal(primaryAction(samples['needs-sign-in']), 'mount');
    // Signed out while mounted: the mount still serves, so the card offers Unmount.
    assert.equal(primaryAction({ kind: 'needs-sign-in', message: 'm', mountPoint: '/m' }), 'unmount');
    assert.equal(engineRunning({ kind: 'needs-sign-in', message: 'm', mountPoint: '/m' }), true);
    assert.equal(primaryAction(samples.starting), 'busy');
    assert.equal(stateBadge({ kind: 'failed', code: 'x', message: 'm', attempts: 2, retryAt: 5 }).label, 'Retrying soon');
  });
});

describe('optimistic settings', () => {
  it('merges cache fields and restores the default location', () => {
    const base = { ...DEFAULT_GENERAL_SETTINGS, cache: { ...DEFAULT_GENERAL_SETTINGS.cache, location: '/x' } };
    const next = patchSettings(base, { cache: { enabled: false, location: null }, uploadMode: 'background' });
    assert.deepEqual(next, { ...base, uploadMode: 'background', cache: { enabled: false, limitBytes: base.cache.limitBytes } });
    assert.equal(base.cache.location, '/x', 'the old value is not changed');
  });
});

describe('problem rows', () => {
  const signIn = { id: 'p-1', workspaceId: 'ws-a', at: 1, problem: { kind: 'needs-sign-in' as const, message: 'expired' } };
  const conflict = { id: 'p-2', workspaceId: 'ws-a', at: 2, problem: { kind: 'conflict-copy' as const, path: 'a.py', copyPath: 'a (conflict).py', message: 'kept' } };

  it('says one fact once: the sign-in state hides the matching problem', () => {
    const rows = problemRows({ kind: 'needs-sign-in', message: 'token refused' }, [signIn, conflict]);
    assert.deepEqual(
      rows.map((r) => [r.title, r.action]),
      [
        ['Sign-in needed', 'sign-in'],
        ['Conflict copy kept', 'open-folder'],
      ],
    );
    assert.equal(rows[1]!.path, 'a (conflict).py', 'Show in folder knows which file');
    assert.equal(rows[0]!.path, undefined);
  });

  it('offers retry for a failed mount, with its fix, and a fix for every problem kind', () => {
    const [row] = problemRows({ kind: 'failed', code: 'mount-point-not-empty', message: 'not empty', fix: 'Choose an empty folder', attempts: 1 }, []);
    assert.deepEqual([row?.action, row?.fix], ['retry', 'Choose an empty folder']);
    assert.deepEqual(problemRows({ kind: 'mounted', mountPoint: '/m', since: 0 }, []), []);
    for (const kind of PROBLEM_KINDS) assert.ok(['sign-in', 'retry', 'open-log', 'open-folder'].includes(fixFor({ kind, message: 'm', path: 'p', copyPath: 'c' } as Problem)));
    assert.deepEqual(
      Object.fromEntries(PROBLEM_KINDS.map((kind) => [kind, fixFor({ kind, message: 'm', path: 'p', copyPath: 'c' } as Problem)])),
      { 'upload-failed': 'open-log', 'conflict-copy': 'open-folder', 'needs-sign-in': 'sign-in', disconnected: 'retry', 'cache-disabled': 'open-log', other: 'open-log' },
    );
  });

  it('counts what the window shows: the rows of each workspace once, plus problems of no configured workspace', () => {
    const settingsProblem = { id: 'p-3', at: 3, problem: { kind: 'other' as const, message: 'settings unreadable' } };
    const removedWorkspace = { id: 'p-4', workspaceId: 'ws-gone', at: 4, problem: { kind: 'disconnected' as const, message: 'gone' } };
    const all = [signIn, conflict, settingsProblem, removedWorkspace];
    assert.deepEqual(otherProblems(all, ['ws-a']).map((p) => p.id), ['p-3', 'p-4']);
    // ws-a signed out: its state row stands for the sign-in problem, so 2 rows there, plus 2 others.
    assert.equal(problemCount([view('ws-a', { kind: 'needs-sign-in', message: 'token refused' })], all), 4);
    assert.equal(problemCount([view('ws-a', { kind: 'mounted', mountPoint: '/m', since: 0 })], all), 4);
    assert.equal(problemCount([], all), 4, 'first run: every problem is an other problem');
    assert.equal(problemCount([view('ws-a'), view('ws-gone')], [conflict, removedWorkspace]), 2);
    assert.equal(problemCount([view('ws-a')], []), 0);
  });
});
