// Transfers and upload problems in the window, end to end: headless Chromium bridged to the real
// IpcRouter and AppController, a real engine child mounting an in-process emulator (token
// workspace, background upload mode, bandwidth cap). A 20 MB save shows a progress bar under
// "Transfers in flight" that disappears when the upload is done (screenshots transfers-light and
// transfers-dark); a real conflict shows "Conflict copy kept" with Show in folder (the copy's
// folder, through the desktop port) and an OS notification; a revoked token shows Sign-in needed,
// and Sign in again with the new token resumes the waiting upload; quitting during an upload says
// "Finishing uploads before quitting" until the file is in the workspace and nothing is mounted.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { api } from '../support/emulator-fixture';
import { startAppBackend, type AppBackend } from '../support/app-backend';
import { closeBrowser, openUiWindow, waitUntil, type UiWindow } from '../support/ui-window';

const sha256 = (bytes: Buffer | undefined): string => createHash('sha256').update(bytes ?? Buffer.alloc(0)).digest('hex');

describe('transfers and upload problems in the window', { timeout: 240_000 }, () => {
  let emulator: WorkspaceEmulator;
  let backend: AppBackend;
  let light: UiWindow;
  let dark: UiWindow;
  let mountPoint: string;

  const remote = (name: string): Buffer | undefined => emulator.tree.contentOf(`/Users/${emulator.userName}/${name}`);
  /** Asserts that `condition` holds within `ms`. */
  const eventually = async (what: string, condition: () => boolean, ms = 30_000): Promise<void> => assert.ok(await waitUntil(condition, ms), `not within ${ms} ms: ${what}`);

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    backend = await startAppBackend();
    const { fixture } = backend;
    await fixture.invoke('settings:update', { patch: { uploadMode: 'background' } });
    const added = await fixture.invoke('workspace:add', { draft: { name: 'Uploads', host: emulator.host, auth: { kind: 'token' }, remotePath: '~' }, token: emulator.token });
    mountPoint = added.settings.mountPoint;
    light = await openUiWindow(backend, { colorScheme: 'light' });
    dark = await openUiWindow(backend, { colorScheme: 'dark' });
    const card = light.page.locator('article.workspace-card', { hasText: 'Uploads' });
    await card.getByRole('button', { name: 'Mount Uploads' }).click();
    await card.locator('.badge[data-state="mounted"]').waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await light?.close();
    await dark?.close();
    await backend?.stop();
    await emulator?.stop();
    await closeBrowser();
  });

  it('a large upload shows a progress bar under Transfers in flight, gone when done', async () => {
    for (const window of [light, dark]) {
      await window.page.getByRole('tab', { name: 'Cache' }).click();
      await window.page.getByText('Nothing is uploading or downloading right now.').waitFor();
      // A mounted workspace's cache card shows its figures (never "Not mounted").
      await window.page.locator('.meter').waitFor({ timeout: 10_000 });
    }
    // 3 MB/s: 20 MB take about 7 s. (Progress counts bytes read into the request, so the first few
    // MB vanish into loopback socket buffers at once; a file well beyond them shows a moving bar.)
    emulator.faults.set({ bandwidthMbps: 24 });
    const bytes = randomBytes(20 * 1024 * 1024);
    await writeFile(path.join(mountPoint, 'big.bin'), bytes); // background mode: returns once journaled
    for (const [window, name] of [[light, 'transfers-light'], [dark, 'transfers-dark']] as const) {
      const bar = window.page.getByRole('progressbar', { name: 'Uploading /big.bin (Uploads)' });
      await bar.waitFor({ timeout: 20_000 });
      // Wait for a value between a quarter and the end, so the screenshot shows a bar in motion
      // (polled with evaluate: waitForFunction's eval is refused by the page's CSP).
      const moving = "(() => { const p = document.querySelector('ul.transfers progress'); return p !== null && p.hasAttribute('value') && p.value >= p.max / 4 && p.value < p.max; })()";
      assert.ok(await waitUntil(() => window.page.evaluate<boolean>(moving), 20_000), `${name}: the bar shows progress`);
      assert.equal(Number(await bar.getAttribute('max')), bytes.length);
      assert.match((await window.page.locator('.transfer-size').first().textContent()) ?? '', /MB \/ 20(\.0)? MB/);
      await window.screenshot(name);
      assert.deepEqual(await window.accessibilityViolations(), [], `${name}: accessibility`);
    }
    await light.page.getByText('Nothing is uploading or downloading right now.').waitFor({ timeout: 60_000 });
    await dark.page.getByText('Nothing is uploading or downloading right now.').waitFor({ timeout: 5_000 });
    assert.equal(sha256(remote('big.bin')), sha256(bytes), 'the file arrived whole');
    emulator.faults.set({});
    assert.deepEqual(light.errors, []);
    assert.deepEqual(dark.errors, []);
  });

  it('a conflict shows "Conflict copy kept" with Show in folder (the copy\'s folder) and notifies', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: /^Status/ }).click();
    await mkdir(path.join(mountPoint, 'reports'));
    await writeFile(path.join(mountPoint, 'reports', 'notes.txt'), 'base');
    await eventually('notes.txt uploaded', () => remote('reports/notes.txt')?.toString() === 'base');
    const file = await open(path.join(mountPoint, 'reports', 'notes.txt'), 'r+');
    try {
      const changed = await api(emulator, 'POST', `/api/2.0/workspace-files/import-file/Users/${encodeURIComponent(emulator.userName)}/reports/notes.txt?overwrite=true`, { body: 'theirs, longer' });
      assert.equal(changed.status, 200, await changed.text());
      await file.write('mine', 0);
      await file.truncate(4);
    } finally {
      await file.close();
    }
    const card = page.locator('article.workspace-card', { hasText: 'Uploads' });
    const row = card.locator('.problem', { hasText: 'Conflict copy kept' });
    await row.waitFor({ timeout: 20_000 });
    assert.match((await row.textContent()) ?? '', /notes/);
    const { desktop } = backend.fixture;
    assert.ok(desktop.notifications.some((n) => n.title === 'Conflict copy kept'), JSON.stringify(desktop.notifications));
    await light.screenshot('status-conflict-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'status-conflict-light: accessibility');
    await row.getByRole('button', { name: 'Show in folder' }).click();
    const folder = path.join(mountPoint, 'reports');
    await eventually('the copy\'s folder was opened', () => desktop.openedFolders.includes(folder), 5_000);
    assert.equal(remote('reports/notes.txt')?.toString(), 'theirs, longer');
    await row.getByRole('button', { name: 'Dismiss: Conflict copy kept' }).click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    assert.deepEqual(light.errors, []);
  });

  it('a revoked token: Sign-in needed, and Sign in again resumes the waiting upload', async () => {
    const page = light.page;
    const card = page.locator('article.workspace-card', { hasText: 'Uploads' });
    const fresh = `dapi${randomBytes(16).toString('hex')}`;
    emulator.token = fresh; // the saved token is refused from now on
    const bytes = randomBytes(256 * 1024);
    await writeFile(path.join(mountPoint, 'after-revoke.bin'), bytes);
    await card.locator('.badge[data-state="needs-sign-in"]').waitFor({ timeout: 30_000 });
    assert.equal(remote('after-revoke.bin'), undefined);
    // Still mounted while signed out: Unmount and Open folder stay (not a Mount that does nothing).
    assert.equal(await card.getByRole('button', { name: 'Unmount Uploads' }).isEnabled(), true);
    assert.equal(await card.getByRole('button', { name: 'Open folder of Uploads' }).isEnabled(), true);
    await light.screenshot('status-sign-in-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'status-sign-in-light: accessibility');
    assert.ok(backend.fixture.desktop.notifications.some((n) => n.title === 'Sign-in needed'));

    await card.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByRole('heading', { name: 'Edit Uploads' }).waitFor();
    assert.equal(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null"), 'token', 'the token field has the focus');
    await page.keyboard.type(fresh);
    await page.keyboard.press('Enter');
    await card.locator('.badge[data-state="mounted"]').waitFor({ timeout: 30_000 });
    await eventually('the waiting upload arrived', () => remote('after-revoke.bin') !== undefined);
    assert.equal(sha256(remote('after-revoke.bin')), sha256(bytes));
    assert.equal(await card.getByText('Sign-in needed').count(), 0, 'the sign-in problem is gone');
    assert.ok(!(await page.content()).includes(fresh), 'the token is never shown');
    assert.deepEqual(light.errors, []);
  });

  it('quit during an upload: the window says it is finishing uploads, the bar runs on, the file arrives, no mount is left', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: 'Cache' }).click();
    emulator.faults.set({ bandwidthMbps: 24 });
    const bytes = randomBytes(20 * 1024 * 1024);
    await writeFile(path.join(mountPoint, 'at-quit.bin'), bytes);
    const bar = page.getByRole('progressbar', { name: 'Uploading /at-quit.bin (Uploads)' });
    await bar.waitFor({ timeout: 20_000 });
    const quitting = backend.fixture.controller.quit();
    await page.getByText('Finishing uploads before quitting').waitFor({ timeout: 10_000 });
    assert.equal(await bar.count(), 1, 'the upload is still shown while the app finishes it');
    await light.screenshot('transfers-quitting-light');
    await quitting;
    await page.getByText('Finishing uploads before quitting').waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByText('Nothing is uploading or downloading right now.').waitFor({ timeout: 10_000 });
    assert.equal(sha256(remote('at-quit.bin')), sha256(bytes), 'the app waited for the upload');
    const mounts = await readFile('/proc/mounts', 'utf8');
    assert.ok(!mounts.includes(mountPoint.replace(/ /g, '\\040')), 'no mount is left');
    emulator.faults.set({});
    assert.deepEqual(light.errors, []);
  });
});
