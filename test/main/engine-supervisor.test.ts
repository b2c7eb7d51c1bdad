// The supervisor through the real app controller, driving real engine child processes that mount
// the demo workspace (and an in-process emulator for sign-in) on real FUSE mounts: mount, files on
// disk, cache usage at most 1 Hz, crash by SIGKILL -> dead mount cleared -> restart after the
// back-off, unmount, stale-mount cleanup and auto-mount at start, needs-sign-in and a token renewal.
// Time for back-off and stats polling is a ManualClock; nothing sleeps for a timer.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { childProcessEngineSpawner } from '../../src/main/supervisor/child-process-engine-spawner';
import type { WorkspaceState } from '../../src/shared/ipc-contract';
import { mountedPoints, startAppController, unmountUnder, type AppFixture } from '../support/app-controller-fixture';
import { ManualClock } from '../support/manual-clock';

const BACKOFF = { baseMs: 5_000, maxMs: 60_000, maxAttempts: 3, stableMs: 120_000 };

/** Waits (bounded) until `predicate` holds for the workspace's state, returning that state. */
async function stateOf(app: AppFixture, id: string, predicate: (s: WorkspaceState) => boolean, timeoutMs = 30_000): Promise<WorkspaceState> {
  const current = app.controller.state().workspaces.find((w) => w.settings.id === id)?.state;
  if (current !== undefined && predicate(current)) return current;
  return (await app.next('mount:state', (p) => p.workspaceId === id && predicate(p.state), timeoutMs)).state;
}

/**
 * Real time for a retry the manual clock just released to reach its spawn (several awaits later),
 * so that "no engine was started" is checked after one could have been.
 */
const spawnWindow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));

describe('engine supervisor (real engines, real mounts)', () => {
  const clock = new ManualClock();
  let app: AppFixture;

  before(async () => {
    app = await startAppController({ clock, backoff: BACKOFF });
  });
  after(async () => {
    await app.stop();
  });

  it('mounts the demo workspace, shows its files, reports usage at most once a second, crashes, restarts, unmounts', async () => {
    const demo = await app.invoke('demo:add');
    assert.equal(demo.settings.mountPoint, join(app.home, 'Databricks', 'Demo workspace'));
    assert.deepEqual(demo.state, { kind: 'stopped' });

    const states: string[] = [];
    const off = app.controller.onEvent((event, payload) => {
      if (event === 'mount:state') states.push((payload as { state: WorkspaceState }).state.kind);
    });
    const mounted = await app.invoke('mount:start', { workspaceId: demo.settings.id });
    assert.equal(mounted.state.kind, 'mounted', JSON.stringify(mounted.state));
    assert.deepEqual(states, ['starting', 'mounted']);
    const mountPoint = demo.settings.mountPoint;
    assert.ok((await mountedPoints()).includes(mountPoint));
    assert.ok((await readdir(mountPoint)).includes('Getting Started.py'));
    assert.match(await readFile(join(mountPoint, 'Getting Started.py'), 'utf8'), /^# Databricks notebook source/);
    await app.invoke('folder:open', { workspaceId: demo.settings.id });
    await app.invoke('folder:copy-path', { workspaceId: demo.settings.id });
    assert.deepEqual(app.desktop.openedFolders, [mountPoint]);
    assert.equal(app.desktop.clipboard, mountPoint);

    // Stats are polled once a second of the (manual) clock and pushed at most once a second.
    const usage = app.next('cache:usage', (s) => s.workspaceId === demo.settings.id);
    clock.advance(1_000);
    const sample = await usage;
    assert.equal(sample.at, clock.now());
    assert.deepEqual((await app.invoke('cache:get-history')).at(-1), sample);

    // Crash: kill -9 the engine. The supervisor clears the dead mount and schedules a restart.
    const engine = app.engines.at(-1)!;
    process.kill(engine.pid, 'SIGKILL');
    const failed = await stateOf(app, demo.settings.id, (s) => s.kind === 'failed');
    assert.equal(failed.kind === 'failed' && failed.code, 'engine-crashed');
    assert.equal(failed.kind === 'failed' && failed.retryAt, clock.now() + BACKOFF.baseMs);
    assert.ok(!(await mountedPoints()).includes(mountPoint), 'a dead mount was left behind');
    assert.ok(app.desktop.notifications.some((n) => n.title === 'Workspace unreachable' && /stopped unexpectedly/.test(n.body)));
    const problem = app.controller.state().problems.find((p) => p.workspaceId === demo.settings.id && p.problem.kind === 'disconnected');
    assert.ok(problem !== undefined);

    // Nothing happens before the back-off delay; then the restart mounts again.
    clock.advance(BACKOFF.baseMs - 1);
    await spawnWindow();
    assert.equal(app.engines.length, 1);
    clock.advance(1);
    const again = await stateOf(app, demo.settings.id, (s) => s.kind === 'mounted');
    assert.equal(again.kind, 'mounted');
    assert.equal(app.engines.length, 2);
    assert.ok((await readdir(mountPoint)).includes('Getting Started.py'));
    assert.equal(app.controller.state().problems.some((p) => p.id === problem.id), false, 'the disconnected problem should clear on remount');

    const stopped = await app.invoke('mount:stop', { workspaceId: demo.settings.id });
    assert.deepEqual(stopped.state, { kind: 'stopped' });
    assert.ok(!(await mountedPoints()).includes(mountPoint));
    assert.ok(app.engines.every((e) => e.connection.exitStatus !== undefined), 'an engine process is still running');
    off();
  });

  it('clears a stale mount at start and auto-mounts', async () => {
    const demo = (await app.invoke('demo:add')).settings;
    await app.invoke('workspace:update', { workspaceId: demo.id, patch: { autoMount: true } });
    // Leave a dead mount at the workspace's mount point: an engine mounts it and is killed.
    const engine = await childProcessEngineSpawner()({ demo: true, log: () => undefined });
    try {
      await engine.connection.waitReady(20_000);
      await engine.connection.request({ kind: 'engine:mount', mountPoint: demo.mountPoint, remotePath: '~', authType: 'auto', cacheEnabled: false, ttlSeconds: 1, uploadMode: 'sync', debug: false }, 60_000);
      engine.kill('SIGKILL');
      await engine.connection.exited;
      assert.ok((await mountedPoints()).includes(demo.mountPoint));
      await assert.rejects(readdir(demo.mountPoint), /ENOTCONN/);

      // A second launch of the app on the same folders.
      const relaunch = await startAppController({ dir: app.dir, clock, backoff: BACKOFF });
      try {
        const state = relaunch.controller.state().workspaces.find((w) => w.settings.id === demo.id)?.state;
        assert.equal(state?.kind, 'mounted', JSON.stringify(state));
        assert.ok((await readdir(demo.mountPoint)).includes('Getting Started.py'));
        // Quit: the engine flushes and unmounts; progress is pushed; nothing stays mounted.
        const progress: unknown[] = [];
        const states: string[] = [];
        relaunch.controller.onEvent((event, payload) => {
          if (event === 'quit:progress') progress.push(payload);
          if (event === 'mount:state') states.push((payload as { state: WorkspaceState }).state.kind);
        });
        await relaunch.controller.quit();
        assert.deepEqual(progress, [
          { phase: 'finishing-uploads', workspacesRemaining: 1 },
          { phase: 'done', workspacesRemaining: 0 },
        ]);
        assert.deepEqual(states, ['stopping', 'stopped']);
        assert.equal(relaunch.controller.state().quitting, true);
        await assert.rejects(relaunch.invoke('mount:start', { workspaceId: demo.id }), /wsfs is quitting/);
        assert.ok(!(await mountedPoints()).includes(demo.mountPoint));
      } finally {
        for (const e of relaunch.engines) e.kill('SIGKILL');
      }
    } finally {
      engine.kill('SIGKILL');
      await unmountUnder(app.dir);
    }
    await app.invoke('workspace:update', { workspaceId: demo.id, patch: { autoMount: false } });
  });

  it('retries an unreachable workspace with back-off, gives up after the last attempt, and Unmount cancels a retry', async () => {
    // Port 9 is refused at once by the HTTP client: the engine reports `unreachable` quickly.
    const added = await app.invoke('workspace:add', { draft: { name: 'Unreachable', host: 'http://127.0.0.1:9', auth: { kind: 'token' }, remotePath: '~' }, token: 'dapi0123456789abcdef' });
    const id = added.settings.id;
    const engines = app.engines.length;
    const first = (await app.invoke('mount:start', { workspaceId: id })).state;
    assert.equal(first.kind === 'failed' && first.code, 'unreachable', JSON.stringify(first));
    assert.equal(first.kind === 'failed' && first.retryAt, clock.now() + BACKOFF.baseMs);
    assert.ok(first.kind === 'failed' && /check the host name/.test(first.fix ?? ''), 'the engine fix is kept');
    clock.advance(BACKOFF.baseMs);
    const second = await stateOf(app, id, (s) => s.kind === 'failed' && s.attempts === 2);
    assert.equal(second.kind === 'failed' && second.retryAt, clock.now() + 2 * BACKOFF.baseMs);
    clock.advance(2 * BACKOFF.baseMs);
    const last = await stateOf(app, id, (s) => s.kind === 'failed' && s.attempts === 3);
    assert.equal(last.kind === 'failed' && last.retryAt, undefined);
    assert.match(last.kind === 'failed' ? last.fix ?? '' : '', /check the host name.*; wsfs gave up after 3 attempts: press Mount to try again/);
    assert.equal(app.engines.length, engines + 3);
    clock.advance(BACKOFF.maxMs);
    await spawnWindow();
    assert.equal(app.engines.length, engines + 3, 'no retry after giving up');

    // Mount again, then Unmount while the retry is pending: nothing restarts.
    await app.invoke('mount:start', { workspaceId: id });
    assert.deepEqual((await app.invoke('mount:stop', { workspaceId: id })).state, { kind: 'stopped' });
    clock.advance(BACKOFF.maxMs);
    await spawnWindow();
    assert.equal(app.engines.length, engines + 4);
    assert.ok(app.engines.every((e) => e.connection.exitStatus !== undefined), 'an engine process is still running');
    await app.invoke('workspace:remove', { workspaceId: id });
  });

  describe('with a token workspace on an emulator', () => {
    let emulator: WorkspaceEmulator;
    before(async () => {
      emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    });
    after(async () => {
      await emulator.stop();
    });

    it('needs sign-in without a token or with a wrong one, and mounts once the right token is set', async () => {
      const added = await app.invoke('workspace:add', { draft: { name: 'Emulated', host: emulator.host, auth: { kind: 'token' }, remotePath: '~' } });
      const id = added.settings.id;
      assert.equal(added.hasToken, false);
      const noToken = await app.invoke('mount:start', { workspaceId: id });
      assert.equal(noToken.state.kind, 'needs-sign-in');
      assert.equal(app.engines.filter((e) => e.connection.exitStatus === undefined).length, 0, 'no engine should start without a token');

      // token:set answers once the token is in the keychain, before the resumed mount settles;
      // mount:state reports the attempt (starting, then needs-sign-in again for a wrong token).
      const states: string[] = [];
      const off = app.controller.onEvent((event, payload) => {
        const change = payload as { workspaceId: string; state: WorkspaceState };
        if (event === 'mount:state' && change.workspaceId === id) states.push(change.state.kind);
      });
      const refused = app.next('mount:state', (p) => p.workspaceId === id && p.state.kind === 'needs-sign-in');
      const wrong = await app.invoke('token:set', { workspaceId: id, token: 'dapi-wrong-token-123' });
      assert.equal(wrong.state.kind, 'needs-sign-in', 'answered before the resumed mount settled');
      assert.ok(states.length <= 1 && states.every((kind) => kind === 'starting'), `answered before the resumed mount settled: ${states.join(', ')}`);
      assert.equal(wrong.hasToken, true);
      assert.equal(await app.secrets.get(id), 'dapi-wrong-token-123');
      await refused;
      assert.deepEqual(states, ['starting', 'needs-sign-in']);
      assert.ok(app.desktop.notifications.some((n) => n.title === 'Sign-in needed'));
      assert.ok(!(await mountedPoints()).includes(added.settings.mountPoint));

      states.length = 0;
      const resumed = app.next('mount:state', (p) => p.workspaceId === id && p.state.kind !== 'starting');
      const right = await app.invoke('token:set', { workspaceId: id, token: emulator.token });
      assert.ok(right.state.kind === 'needs-sign-in' || right.state.kind === 'starting', `answered before the resumed mount settled: ${right.state.kind}`);
      assert.equal((await resumed).state.kind, 'mounted');
      assert.deepEqual(states, ['starting', 'mounted']);
      off();
      assert.ok((await readdir(added.settings.mountPoint)).includes('Getting Started.py'));
      assert.equal(app.controller.state().problems.some((p) => p.workspaceId === id && p.problem.kind === 'needs-sign-in'), false);

      const test = await app.invoke('workspace:test-connection', { target: { kind: 'saved', workspaceId: id } });
      assert.deepEqual(test, { ok: true, userName: emulator.userName, displayName: test.ok ? test.displayName : '', host: emulator.host });
      const bad = await app.invoke('workspace:test-connection', { target: { kind: 'draft', host: emulator.host, auth: { kind: 'token' }, token: 'dapi-wrong-token-123' } });
      assert.equal(bad.ok === false && bad.code, 'unauthenticated');

      // The token is in no log file and no engine's command line or environment.
      for (const name of await readdir(join(app.dir, 'logs'))) assert.ok(!(await readFile(join(app.dir, 'logs', name), 'utf8')).includes(emulator.token), name);
      const running = app.engines.at(-1)!;
      for (const file of ['cmdline', 'environ']) assert.ok(!(await readFile(`/proc/${running.pid}/${file}`, 'utf8')).includes(emulator.token), file);

      // Edits to a mounted workspace apply at the next mount; the running mount stays where it is.
      const moved = await app.invoke('workspace:update', { workspaceId: id, patch: { mountPoint: join(app.home, 'elsewhere') } });
      assert.equal(moved.state.kind === 'mounted' && moved.state.mountPoint, added.settings.mountPoint);
      await app.invoke('workspace:update', { workspaceId: id, patch: { mountPoint: added.settings.mountPoint } });

      // Removing the workspace unmounts it (where it is mounted) and deletes its token.
      await app.invoke('workspace:remove', { workspaceId: id });
      assert.ok(!(await mountedPoints()).includes(added.settings.mountPoint));
      assert.equal(await app.secrets.get(id), undefined);
      assert.equal(existsSync(added.settings.mountPoint), false, 'the empty mount point folder should be removed');
      assert.equal(app.controller.state().workspaces.some((w) => w.settings.id === id), false);
    });
  });
});
