// Uploads and upload problems end to end through the real app controller: a token workspace on an
// in-process emulator with a bandwidth cap, mounted by a real engine child in background upload
// mode. The tray is built exactly as the app builds it (`trayModel(controller.trayInput())`): the
// busy icon and "1 upload in progress" while a large file uploads; a real conflict (the file changed
// in the workspace while open on the mount) becomes a conflict-copy problem, a notification and the
// tray's last problem; a revoked token becomes needs-sign-in and `token:set` resumes the waiting
// upload; quitting during an upload says "Finishing uploads…", waits, and leaves the file in the
// workspace (sha256) and no mount behind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { trayModel, type TrayModel } from '../../src/main/tray/tray-model';
import type { TransferView, WorkspaceState } from '../../src/shared/ipc-contract';
import { mountedPoints, startAppController, type AppFixture } from '../support/app-controller-fixture';
import { api } from '../support/emulator-fixture';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Polls `condition` every 50 ms for at most `ms`. */
async function eventually(what: string, condition: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < ms / 50 + 1 && Date.now() < deadline; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  assert.ok(await condition(), `not within ${ms} ms: ${what}`);
}

/** The labels of a tray menu's top level. */
const labels = (tray: TrayModel): string[] => tray.items.flatMap((item) => (item.kind === 'label' || item.kind === 'action' ? [item.label] : []));

describe('transfers and problems through the app controller (real engine, emulator, mount)', { timeout: 240_000 }, () => {
  let emulator: WorkspaceEmulator;
  let app: AppFixture;
  let id: string;
  let mountPoint: string;
  /** Every tray the app would have drawn, one per controller event. */
  const trays: TrayModel[] = [];
  const transfers: TransferView[] = [];

  const remote = (name: string): Buffer | undefined => emulator.tree.contentOf(`/Users/${emulator.userName}/${name}`);
  const tray = (): TrayModel => trayModel(app.controller.trayInput());
  const stateOf = (): WorkspaceState => app.controller.state().workspaces.find((w) => w.settings.id === id)!.state;

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    app = await startAppController();
    app.controller.onEvent((event, payload) => {
      trays.push(tray());
      if (event === 'transfer:progress') transfers.push(payload as TransferView);
    });
    await app.invoke('settings:update', { patch: { uploadMode: 'background' } });
    const added = await app.invoke('workspace:add', { draft: { name: 'Uploads', host: emulator.host, auth: { kind: 'token' }, remotePath: '~' }, token: emulator.token });
    id = added.settings.id;
    mountPoint = added.settings.mountPoint;
    const mounted = await app.invoke('mount:start', { workspaceId: id });
    assert.equal(mounted.state.kind, 'mounted', JSON.stringify(mounted.state));
  });
  after(async () => {
    await app?.stop();
    await emulator?.stop();
  });

  it('shows the busy icon and "1 upload in progress" while a large file uploads, then all uploaded', async () => {
    assert.equal(tray().icon, 'mounted');
    emulator.faults.set({ bandwidthMbps: 8 }); // 1 MB/s: a 3 MB file takes about 3 s
    const bytes = randomBytes(3 * 1024 * 1024);
    trays.length = 0;
    await writeFile(join(mountPoint, 'big.bin'), bytes); // background mode: returns once journaled
    await eventually('the tray shows the upload', () => trays.some((t) => t.icon === 'busy' && labels(t).includes('1 upload in progress')));
    assert.match(trays.find((t) => t.icon === 'busy')!.tooltip, /1 upload in progress/);
    await eventually('the upload is done', () => transfers.some((t) => t.path === '/big.bin' && t.phase === 'done'));
    const running = transfers.filter((t) => t.path === '/big.bin' && t.phase === 'running');
    assert.ok(running.some((t) => t.bytesDone > 0 && t.bytesDone < t.bytesTotal), 'progress between 0 and done was reported');
    assert.equal(sha256(remote('big.bin')!), sha256(bytes));
    emulator.faults.set({});
    await eventually('the tray is back to mounted', () => tray().icon === 'mounted' && labels(tray()).includes('1 workspace mounted · all changes uploaded'), 10_000);
  });

  it('a file changed in the workspace while open on the mount becomes a conflict copy: problem, notification, tray', async () => {
    await writeFile(join(mountPoint, 'notes.txt'), 'base');
    await eventually('notes.txt uploaded', () => remote('notes.txt')?.toString() === 'base');
    const raised = app.next('problem:raised', (p) => p.workspaceId === id && p.problem.kind === 'conflict-copy');
    const file = await open(join(mountPoint, 'notes.txt'), 'r+');
    try {
      const response = await api(emulator, 'POST', `/api/2.0/workspace-files/import-file/Users/${encodeURIComponent(emulator.userName)}/notes.txt?overwrite=true`, { body: 'theirs, longer' });
      assert.equal(response.status, 200, await response.text());
      await file.write('mine', 0);
      await file.truncate(4);
    } finally {
      await file.close();
    }
    const { problem, id: problemId } = await raised;
    assert.ok(problem.kind === 'conflict-copy' && problem.path === '/notes.txt' && /^\/notes \(conflict .+\)\.txt$/.test(problem.copyPath), JSON.stringify(problem));
    assert.equal(remote('notes.txt')?.toString(), 'theirs, longer', 'the workspace version is kept');
    assert.equal(remote(problem.copyPath.slice(1))?.toString(), 'mine', 'the local bytes are in the copy');
    assert.ok(app.desktop.notifications.some((n) => n.title === 'Conflict copy kept' && n.body.includes('notes')), JSON.stringify(app.desktop.notifications));
    const now = tray();
    assert.equal(now.icon, 'problem');
    assert.ok(labels(now).some((l) => l.startsWith('⚠ Conflict copy kept')), labels(now).join(' | '));
    await eventually('the copy shows on the mount', async () => (await readdir(mountPoint)).includes(problem.copyPath.slice(1)), 10_000);
    await app.invoke('problem:dismiss', { problemId });
    assert.equal(tray().icon, 'mounted');
  });

  it('a revoked token: needs-sign-in (notified), the save waits; a new token resumes the upload', async () => {
    const fresh = `dapi${randomBytes(16).toString('hex')}`;
    emulator.token = fresh; // the app's token is now refused
    const bytes = randomBytes(64 * 1024);
    const signIn = app.next('mount:state', (p) => p.workspaceId === id && p.state.kind === 'needs-sign-in');
    await writeFile(join(mountPoint, 'after-revoke.bin'), bytes);
    const signedOut = (await signIn).state;
    assert.ok(app.desktop.notifications.some((n) => n.title === 'Sign-in needed'), JSON.stringify(app.desktop.notifications));
    // The mount still serves: the state names it, the tray offers Open and Unmount, the folder opens.
    assert.equal(signedOut.kind === 'needs-sign-in' && signedOut.mountPoint, mountPoint);
    assert.equal(tray().icon, 'problem');
    const menu = tray().items.find((item) => item.kind === 'submenu' && item.label === 'Uploads — Sign-in needed');
    const enabled = (label: string): boolean | undefined => {
      const item = menu?.kind === 'submenu' ? menu.items.find((i) => i.kind === 'action' && i.label === label) : undefined;
      return item?.kind === 'action' ? item.enabled : undefined;
    };
    assert.equal(enabled('Unmount'), true);
    assert.equal(enabled('Open in file manager'), true);
    assert.ok(labels(tray()).includes('1 workspace mounted · uploads wait for sign-in'), labels(tray()).join(' | '));
    await app.invoke('folder:open', { workspaceId: id });
    assert.equal(app.desktop.openedFolders.at(-1), mountPoint);
    assert.ok((await readdir(mountPoint)).includes('big.bin'), 'files stay listed while signed out');
    assert.equal(remote('after-revoke.bin'), undefined, 'nothing was uploaded with the revoked token');
    // The engine still runs: its figures keep coming and show the save waiting.
    const waiting = await app.next('cache:usage', (s) => s.workspaceId === id && s.transfers.uploadsQueued + s.transfers.uploadsInFlight >= 1, 10_000);
    assert.ok(waiting.transfers.uploadsQueued >= 1, JSON.stringify(waiting.transfers));

    const view = await app.invoke('token:set', { workspaceId: id, token: fresh });
    assert.equal(view.hasToken, true);
    await eventually('mounted again', () => stateOf().kind === 'mounted');
    await eventually('the waiting upload arrived', () => remote('after-revoke.bin') !== undefined);
    // Stats polling goes on after the sign-in: the tray learns that nothing waits any more.
    await app.next('cache:usage', (s) => s.workspaceId === id && s.transfers.uploadsQueued + s.transfers.uploadsInFlight === 0, 10_000);
    assert.equal(app.controller.uploadsInProgress(), 0);
    assert.equal(sha256(remote('after-revoke.bin')!), sha256(bytes));
    assert.equal(app.controller.state().problems.some((p) => p.workspaceId === id && p.problem.kind === 'needs-sign-in'), false, 'the sign-in problem is over');
    assert.equal(tray().icon, 'mounted');
  });

  it('quit during an upload: "Finishing uploads…", waits for it, the file is in the workspace, no mount left', async () => {
    emulator.faults.set({ bandwidthMbps: 8 });
    const bytes = randomBytes(3 * 1024 * 1024);
    await writeFile(join(mountPoint, 'at-quit.bin'), bytes);
    await eventually('the upload runs', () => transfers.some((t) => t.path === '/at-quit.bin' && t.phase === 'running' && t.bytesDone > 0));
    const progress: string[] = [];
    app.controller.onEvent((event, payload) => {
      if (event === 'quit:progress') progress.push((payload as { phase: string }).phase);
    });
    trays.length = 0;
    await app.controller.quit();
    assert.equal(progress[0], 'finishing-uploads');
    assert.equal(progress.at(-1), 'done');
    assert.ok(trays.some((t) => t.icon === 'busy' && labels(t).includes('Finishing uploads before quitting…') && labels(t).includes('Finishing uploads…')), 'the tray said it was finishing uploads');
    assert.equal(sha256(remote('at-quit.bin') ?? Buffer.alloc(0)), sha256(bytes), 'the upload finished before the engine stopped');
    assert.equal(stateOf().kind, 'stopped');
    assert.ok(!(await mountedPoints()).some((p) => p.startsWith(app.dir)), 'a mount was left behind');
    assert.ok(app.engines.every((e) => e.connection.exitStatus !== undefined), 'an engine process is still running');
    emulator.faults.set({});
  });
});
