// Removing a workspace while a mount request for it is queued behind the removal's unmount (the
// user presses Mount, then Remove, or the window sends both): the queued mount must not start an
// engine for the removed workspace — one the controller no longer tracks, so quitting would not
// stop it and its mount would outlive the app. Real engine child processes and real FUSE mounts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../support/manual-clock';
import { mountedPoints, startAppController, type AppFixture } from '../support/app-controller-fixture';

describe('workspace:remove with a mount:start queued behind it', () => {
  let app: AppFixture;
  before(async () => {
    app = await startAppController({ clock: new ManualClock() });
  });
  after(async () => {
    await app.stop();
  });

  it('starts no engine for the removed workspace and leaves nothing mounted', async () => {
    const demo = await app.invoke('demo:add');
    const id = demo.settings.id;
    assert.equal((await app.invoke('mount:start', { workspaceId: id })).state.kind, 'mounted');
    const enginesBefore = app.engines.length;

    const removal = app.invoke('workspace:remove', { workspaceId: id });
    const start = app.invoke('mount:start', { workspaceId: id });
    const [removed, started] = await Promise.allSettled([removal, start]);
    assert.equal(removed.status, 'fulfilled', removed.status === 'rejected' ? String(removed.reason) : '');
    if (started.status === 'rejected') assert.match(String(started.reason), /removed|no workspace/);
    else assert.notEqual(started.value.state.kind, 'mounted');

    assert.equal(app.controller.state().workspaces.length, 0);
    assert.equal(app.engines.length, enginesBefore, 'an engine was started for the removed workspace');
    assert.ok(app.engines.every((e) => e.connection.exitStatus !== undefined), 'an engine process is still running');
    assert.ok(!(await mountedPoints()).includes(demo.settings.mountPoint), 'the removed workspace is still mounted');
  });
});
