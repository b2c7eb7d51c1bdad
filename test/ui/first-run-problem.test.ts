// A problem tied to no workspace is visible on the first-run screen: a settings file that cannot
// be read is set aside, wsfs starts with defaults (so the first-run screen shows), and the window
// says so with Open log and Dismiss — both reaching the real controller. Headless Chromium bridged
// to the real IpcRouter and AppController, as in app-window.test.ts; screenshot first-run-problem-light.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppBackend, type AppBackend } from '../support/app-backend';
import { closeBrowser, openUiWindow, waitUntil, type UiWindow } from '../support/ui-window';

describe('first run with an unreadable settings file', { timeout: 120_000 }, () => {
  let backend: AppBackend;
  let window: UiWindow;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'wsfs-app-'));
    await mkdir(path.join(dir, 'config'), { recursive: true });
    await writeFile(path.join(dir, 'config', 'settings.json'), '{ "version": 2, "workspaces": [ oops');
    backend = await startAppBackend({ dir });
    window = await openUiWindow(backend, { colorScheme: 'light' });
  });

  after(async () => {
    await window?.close();
    await backend?.stop();
    await closeBrowser();
  });

  it('shows the problem above the first-run choices, opens the log folder, and dismisses it', async () => {
    const page = window.page;
    await page.getByRole('heading', { name: 'Your Databricks workspace, as a folder' }).waitFor();
    const card = page.getByRole('region', { name: 'Other problems' });
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    assert.match(text, /The settings file could not be read/);
    assert.match(text, /settings\.json\.unreadable-\d+/);
    assert.ok((await readdir(path.join(dir, 'config'))).some((name) => name.startsWith('settings.json.unreadable-')), 'the unreadable file is kept');
    assert.match((await page.getByRole('tab', { name: /Status/ }).textContent()) ?? '', /1/, 'the Status tab counts the problem');
    await window.screenshot('first-run-problem-light');
    assert.deepEqual(await window.accessibilityViolations(), [], 'first-run-problem-light: accessibility');

    await card.getByRole('button', { name: 'Open log' }).click();
    const logs = path.join(dir, 'logs');
    await waitUntil(() => backend.fixture.desktop.openedFolders.includes(logs));
    assert.deepEqual(backend.fixture.desktop.openedFolders, [logs]);

    await card.getByRole('button', { name: /^Dismiss/ }).click();
    await card.waitFor({ state: 'detached' });
    assert.deepEqual(backend.fixture.controller.state().problems, []);
    assert.ok(await page.getByRole('button', { name: 'Try the demo workspace' }).isVisible());
    assert.deepEqual(window.errors, []);
  });
});
