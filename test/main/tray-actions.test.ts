// Click-to-mount from the tray: tray actions run against the real app controller (real engine
// child process mounting the demo workspace on a real FUSE mount): Mount, the menu built from the
// resulting state, Copy mount path, Open in file manager, Unmount; failures (folder not mounted,
// workspace gone, quitting) become OS notifications through the desktop port, never rejections.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { runTrayAction, type TrayActionTargets } from '../../src/main/tray/tray-actions';
import { trayModel, type TrayItem } from '../../src/main/tray/tray-model';
import type { AppView } from '../../src/shared/ipc-contract';
import { mountedPoints, startAppController, type AppFixture } from '../support/app-controller-fixture';

const labels = (items: TrayItem[]): string[] => items.map((item) => (item.kind === 'separator' ? '---' : item.label));

describe('tray actions (real controller, real engine)', () => {
  let app: AppFixture;
  const shown: AppView[] = [];
  let quits = 0;
  let targets: TrayActionTargets;

  before(async () => {
    app = await startAppController();
    targets = { controller: app.controller, desktop: app.desktop, showWindow: (view) => shown.push(view), quit: () => (quits += 1) };
  });
  after(async () => {
    await app.stop();
  });

  const menu = (): TrayItem[] => {
    const state = app.controller.state();
    return trayModel({ workspaces: state.workspaces, uploadsInProgress: app.controller.uploadsInProgress(), lastProblem: app.controller.lastProblem(), quitting: state.quitting, platform: 'linux' }).items;
  };

  it('mounts, copies the path, opens the folder and unmounts from the menu', async () => {
    const demo = (await app.invoke('demo:add')).settings;
    await runTrayAction({ kind: 'open-folder', workspaceId: demo.id }, targets);
    assert.deepEqual(app.desktop.notifications.at(-1), { title: 'Cannot open the folder', body: '"Demo workspace" is not mounted; mount it first.' });

    await runTrayAction({ kind: 'mount', workspaceId: demo.id }, targets);
    assert.ok((await mountedPoints()).includes(demo.mountPoint));
    assert.ok((await readdir(demo.mountPoint)).includes('Getting Started.py'));
    const items = menu();
    assert.ok(labels(items).includes('Demo workspace — Mounted'), JSON.stringify(labels(items)));
    assert.ok(labels(items).includes('1 workspace mounted · all changes uploaded'));
    const model = trayModel({ workspaces: app.controller.state().workspaces, uploadsInProgress: 0, lastProblem: undefined, quitting: false, platform: 'linux' });
    assert.equal(model.icon, 'mounted');

    await runTrayAction({ kind: 'copy-path', workspaceId: demo.id }, targets);
    assert.equal(app.desktop.clipboard, demo.mountPoint);
    await runTrayAction({ kind: 'open-folder', workspaceId: demo.id }, targets);
    assert.deepEqual(app.desktop.openedFolders, [demo.mountPoint]);

    await runTrayAction({ kind: 'unmount', workspaceId: demo.id }, targets);
    assert.equal((await mountedPoints()).includes(demo.mountPoint), false);
    assert.ok(labels(menu()).includes('Demo workspace — Not mounted'));
    assert.ok(app.engines.every((e) => e.connection.exitStatus !== undefined), 'an engine process is still running');
  });

  it('opens the windows and quits through the targets', async () => {
    await runTrayAction({ kind: 'open-window' }, targets);
    await runTrayAction({ kind: 'open-settings' }, targets);
    await runTrayAction({ kind: 'quit' }, targets);
    assert.deepEqual(shown, ['status', 'settings']);
    assert.equal(quits, 1);
  });

  it('turns a failed click into a notification', async () => {
    const before = app.desktop.notifications.length;
    await runTrayAction({ kind: 'mount', workspaceId: 'ws-gone' }, targets);
    assert.deepEqual(app.desktop.notifications.slice(before), [{ title: 'Cannot mount', body: 'There is no workspace ws-gone; it may have been removed.' }]);
    const demo = (await app.invoke('demo:add')).settings;
    await app.controller.quit();
    await runTrayAction({ kind: 'mount', workspaceId: demo.id }, targets);
    assert.deepEqual(app.desktop.notifications.at(-1), { title: 'Cannot mount', body: 'wsfs is quitting; start it again to mount.' });
    assert.equal((await mountedPoints()).includes(demo.mountPoint), false);
  });
});
