// The renderer in headless Chromium driving the real app controller, real engine child processes
// and the demo emulator through a real FUSE mount: first run -> demo -> Mount -> files on disk ->
// read one and see the cache grow -> Unmount; then form validation against a real emulator,
// keyboard use, and the dark theme. Writes screenshots to test-results/ui/ (see docs/app.md).
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { startAppBackend, type AppBackend } from '../support/app-backend';
import { closeBrowser, openUiWindow, waitUntil, type UiWindow } from '../support/ui-window';

const MOUNT_TIMEOUT = 60_000;

/** Waits until the text of `selector` satisfies `test` (bounded); returns it. */
async function waitForText(page: Page, selector: string, test: (text: string) => boolean, timeout = 20_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = '';
  for (let i = 0; Date.now() < deadline && i < 400; i++) {
    last = (await page.locator(selector).first().textContent({ timeout })) ?? '';
    if (test(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`${selector}: still "${last}" after ${timeout} ms`);
}

/** Bytes in a formatted size such as `1.5 KB`. */
function parseSize(text: string): number {
  const match = /([\d.,]+)\s*(B|KB|MB|GB|TB)/.exec(text);
  if (match === null) throw new Error(`no size in "${text}"`);
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  return Number(match[1]!.replace(/,/g, '')) * 1024 ** units.indexOf(match[2]!);
}

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+/g) ?? ['0', '0', '0']).map(Number) as [number, number, number];
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

describe('the app window', { timeout: 240_000 }, () => {
  let backend: AppBackend;
  let light: UiWindow;

  before(async () => {
    backend = await startAppBackend();
    light = await openUiWindow(backend, { colorScheme: 'light' });
  });

  after(async () => {
    await light?.close();
    await backend?.stop();
    await closeBrowser();
  });

  it('first run: offers the demo, mounts it, shows files on disk and cache usage, unmounts', async () => {
    const page = light.page;
    await page.getByRole('heading', { name: 'Your Databricks workspace, as a folder' }).waitFor();
    await light.screenshot('first-run-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'first-run-light: accessibility');
    const darkFirst = await openUiWindow(backend, { colorScheme: 'dark' });
    await darkFirst.page.getByRole('button', { name: 'Try the demo workspace' }).waitFor();
    await darkFirst.screenshot('first-run-dark');
    assert.deepEqual(await darkFirst.accessibilityViolations(), [], 'first-run-dark: accessibility');
    await darkFirst.close();

    await page.getByRole('button', { name: 'Try the demo workspace' }).click();
    const card = page.locator('article.workspace-card').first();
    await card.waitFor();
    const name = (await card.locator('h2').textContent()) ?? '';
    assert.match(name, /demo/i);
    assert.equal(await card.locator('.badge').getAttribute('data-state'), 'stopped');
    const mountPoint = (await card.locator('[data-field="mount-point"]').textContent()) ?? '';
    assert.ok(mountPoint.startsWith(backend.home), `mount point ${mountPoint} under the test home`);

    const boxBefore = { button: await page.getByRole('button', { name: `Mount ${name}` }).boundingBox(), card: await card.boundingBox() };
    await page.getByRole('button', { name: `Mount ${name}` }).click();
    await card.locator('.badge[data-state="mounted"]').waitFor({ timeout: MOUNT_TIMEOUT });
    // No layout jump: Unmount sits exactly where Mount was, and the card keeps its size.
    const boxAfter = { button: await page.getByRole('button', { name: `Unmount ${name}` }).boundingBox(), card: await card.boundingBox() };
    assert.deepEqual(boxAfter, boxBefore);
    await page.getByRole('button', { name: `Open folder of ${name}` }).click();
    await waitUntil(() => backend.fixture.desktop.openedFolders.includes(mountPoint));
    assert.deepEqual(backend.fixture.desktop.openedFolders, [mountPoint], 'Open folder asks the desktop to open the mount point');
    await page.getByRole('button', { name: `Copy mount point of ${name}` }).click();
    await waitUntil(() => backend.fixture.desktop.clipboard === mountPoint);
    assert.equal(backend.fixture.desktop.clipboard, mountPoint, 'Copy puts the mount point on the clipboard');

    // Nothing has been read yet: note the cache's figures, then list and read through the mount.
    await page.getByRole('tab', { name: 'Cache' }).click();
    await page.locator('.meter').waitFor({ timeout: 20_000 });
    const usedBefore = parseSize(await waitForText(page, '.meter-label span:last-child', () => true));
    const downloadedBefore = parseSize(await waitForText(page, '.stat:has-text("Downloaded") dd', () => true));
    const files = await readdir(mountPoint);
    assert.ok(files.includes('Getting Started.py'), `demo files on disk: ${files.join(', ')}`);
    const text = await readFile(path.join(mountPoint, 'Getting Started.py'), 'utf8');
    assert.match(text, /^# Databricks notebook source/);
    const used = await waitForText(page, '.meter-label span:last-child', (t) => parseSize(t) > usedBefore);
    assert.ok(parseSize(used) >= Buffer.byteLength(text) * 0.9, `cache holds ${used} after reading ${Buffer.byteLength(text)} bytes`);
    const downloaded = await waitForText(page, '.stat:has-text("Downloaded") dd', (t) => parseSize(t) > downloadedBefore);
    assert.ok(parseSize(downloaded) >= Buffer.byteLength(text) * 0.9, `downloaded ${downloaded}`);
    assert.notEqual(await page.locator('.stat:has-text("Files") dd').textContent(), '0');
    assert.match((await page.locator('.chart-canvas').getAttribute('aria-label')) ?? '', /cache now [1-9]/);
    await light.screenshot('cache-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'cache-light: accessibility');

    // Dark theme: a second window on the same controller, while the demo is mounted.
    const dark = await openUiWindow(backend, { colorScheme: 'dark' });
    try {
      const bg = await dark.page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      assert.ok(luminance(bg) < 0.2, `dark background, got ${bg}`);
      await dark.page.locator('.badge[data-state="mounted"]').waitFor();
      await dark.screenshot('status-dark');
      assert.deepEqual(await dark.accessibilityViolations(), [], 'status-dark: accessibility');
      await dark.page.getByRole('tab', { name: 'Cache' }).click();
      await dark.page.locator('.meter').waitFor();
      await dark.screenshot('cache-dark');
      assert.deepEqual(await dark.accessibilityViolations(), [], 'cache-dark: accessibility');
      await dark.page.getByRole('tab', { name: 'Settings' }).click();
      await dark.screenshot('settings-dark');
      assert.deepEqual(await dark.accessibilityViolations(), [], 'settings-dark: accessibility');
      await dark.page.getByRole('button', { name: 'Add workspace' }).click();
      await dark.page.getByLabel('Name').fill('Analytics');
      await dark.page.getByLabel('Workspace URL').fill('http://example.com');
      await dark.page.getByRole('button', { name: 'Add workspace' }).click();
      await dark.page.locator('input[name="host"][aria-invalid="true"]').waitFor();
      await dark.screenshot('form-errors-dark');
      assert.deepEqual(await dark.accessibilityViolations(), [], 'form-errors-dark: accessibility');
      await dark.page.keyboard.press('Escape');
      assert.deepEqual(dark.errors, []);
    } finally {
      await dark.close();
    }

    // Clear cache empties it (the file stays readable: it is fetched again on the next read).
    await page.getByRole('button', { name: `Clear cache of ${name}` }).click();
    await waitForText(page, '.meter-label span:last-child', (t) => parseSize(t) === 0);
    assert.equal(await page.locator('.stat:has-text("Files") dd').textContent(), '0');

    await page.getByRole('tab', { name: 'Status' }).click();
    await light.screenshot('status-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'status-light: accessibility');

    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await light.screenshot('settings-light');
    assert.deepEqual(await light.accessibilityViolations(), [], 'settings-light: accessibility');

    assert.ok(luminance(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')) > 0.8, 'light background');

    await page.getByRole('tab', { name: 'Status' }).click();
    await page.getByRole('button', { name: `Unmount ${name}` }).click();
    await card.locator('.badge[data-state="stopped"]').waitFor({ timeout: MOUNT_TIMEOUT });
    const mounts = await readFile('/proc/mounts', 'utf8');
    assert.ok(!mounts.includes(mountPoint.replace(/ /g, '\\040')), 'no longer mounted');
    assert.deepEqual(light.errors, []);
  });

  it('settings: checks the host, the mount point and the token, and tests the connection for real', async () => {
    const page = light.page;
    const emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    try {
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Add workspace' }).click();
      await page.getByRole('heading', { name: 'Add a workspace' }).waitFor();
      const invokesBefore = light.invokes.length;

      await page.getByLabel('Name').fill('Analytics');
      await page.getByLabel('Workspace URL').fill('ftp://example.com/path');
      await page.getByLabel('Token', { exact: true }).focus();
      const hostError = page.locator('input[name="host"] ~ .error');
      assert.match((await hostError.textContent()) ?? '', /https:\/\//);
      assert.equal(await page.getByLabel('Workspace URL').getAttribute('aria-invalid'), 'true');
      await page.getByLabel('Mount point').fill('Databricks/relative');
      await page.getByLabel('Token', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Add workspace' }).click();
      assert.match((await page.locator('input[name="mountPoint"] ~ .error').textContent()) ?? '', /full path/);
      assert.match((await page.locator('input[name="token"] ~ .error').textContent()) ?? '', /at least 8 characters/);
      assert.equal(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null"), 'host', 'focus moves to the first bad field');
      assert.ok(!light.invokes.slice(invokesBefore).includes('workspace:add'), 'nothing sent while the form is invalid');
      await light.screenshot('form-errors-light');
      assert.deepEqual(await light.accessibilityViolations(), [], 'form-errors-light: accessibility');

      // Test connection against a real emulator: a wrong token gets the workspace's own error.
      await page.getByLabel('Workspace URL').fill(emulator.host);
      await page.getByLabel('Token', { exact: true }).fill('dapi-not-the-right-token');
      await page.getByRole('button', { name: 'Test connection' }).click();
      const failed = await waitForText(page, '[data-field="connection-result"]', (t) => !/Connecting|Test the connection/.test(t));
      assert.match(failed, /token|credential|403|401/i);
      assert.equal(await page.locator('.connection-failed').count(), 1);
      await page.getByLabel('Token', { exact: true }).fill(emulator.token);
      await page.getByRole('button', { name: 'Test connection' }).click();
      const ok = await waitForText(page, '[data-field="connection-result"]', (t) => t.startsWith('Connected'));
      assert.ok(ok.includes(emulator.userName), ok);

      // Main refuses the home folder (it would hide the user's files, and holds the demo's mount point); the form shows why at the field.
      await page.getByLabel('Mount point').fill(backend.home);
      await page.getByRole('button', { name: 'Add workspace' }).click();
      const refused = await waitForText(page, 'input[name="mountPoint"] ~ span', (t) => /overlaps|hide/.test(t));
      assert.match(refused, /choose (another|an empty) folder/i);
      assert.equal(await page.getByLabel('Mount point').getAttribute('aria-invalid'), 'true');

      // A busy mount point (a folder with files in it) is accepted, but Mount says what is wrong and how to fix it.
      const busy = path.join(backend.home, 'busy-folder');
      await mkdir(busy, { recursive: true });
      await writeFile(path.join(busy, 'keep.txt'), 'mine');
      await page.getByLabel('Mount point').fill(busy);
      await page.getByRole('button', { name: 'Add workspace' }).click();
      await page.getByRole('heading', { name: 'Add a workspace' }).waitFor({ state: 'detached' });
      await page.getByRole('tab', { name: /^Status/ }).click();
      const card = page.locator('article.workspace-card', { hasText: 'Analytics' });
      await card.waitFor();
      await card.getByRole('button', { name: 'Mount Analytics' }).click();
      await card.locator('.badge[data-state="failed"]').waitFor({ timeout: MOUNT_TIMEOUT });
      const problem = (await card.locator('.problem').first().textContent()) ?? '';
      assert.match(problem, /not empty/);
      assert.match(problem, /Choose an empty folder/);
      assert.ok(await card.getByRole('button', { name: 'Retry' }).isVisible());
      await light.screenshot('status-problem-light');
      assert.deepEqual(await light.accessibilityViolations(), [], 'status-problem-light: accessibility');
      assert.ok(!JSON.stringify(await page.content()).includes(emulator.token), 'the token is never shown');
      assert.deepEqual(light.errors, []);
    } finally {
      await emulator.stop();
    }
  });

  it('sign-in: a workspace without a token asks for one, and mounts once it is given', async () => {
    const page = light.page;
    const emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    try {
      await page.getByRole('tab', { name: /^Status/ }).click();
      await page.getByRole('button', { name: 'Add workspace' }).click();
      await page.getByLabel('Name').fill('Team');
      await page.getByLabel('Workspace URL').fill(emulator.host);
      await page.getByRole('button', { name: 'Add workspace' }).click();
      const card = page.locator('article.workspace-card', { hasText: 'Team' });
      await card.getByRole('button', { name: 'Mount Team' }).click();
      await card.locator('.badge[data-state="needs-sign-in"]').waitFor({ timeout: MOUNT_TIMEOUT });

      await card.getByRole('button', { name: 'Sign in again' }).click();
      await page.getByRole('heading', { name: 'Edit Team' }).waitFor();
      assert.equal(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null"), 'token', 'the token field has the focus');
      await page.keyboard.type(emulator.token);
      // Saving the token resumes the mount by itself.
      await page.keyboard.press('Enter');
      await card.locator('.badge[data-state="mounted"]').waitFor({ timeout: MOUNT_TIMEOUT });
      const mountPoint = (await card.locator('[data-field="mount-point"]').textContent()) ?? '';
      const listing = await readdir(mountPoint);
      assert.ok(listing.includes('Getting Started.py'), `files: ${listing.join(', ')} at ${mountPoint}`);
      assert.ok(!(await page.content()).includes(emulator.token), 'the token is never shown');

      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('button', { name: 'Edit Team' }).click();
      assert.match((await page.locator('input[name="token"] ~ span').textContent()) ?? '', /saved in the keychain/);
      assert.equal(await page.getByLabel('New token').inputValue(), '', 'the saved token is not sent back');
      await page.keyboard.press('Escape');
      await page.getByRole('tab', { name: /^Status/ }).click();
      await card.getByRole('button', { name: 'Unmount Team' }).click();
      await card.locator('.badge[data-state="stopped"]').waitFor({ timeout: MOUNT_TIMEOUT });
      assert.deepEqual(light.errors, []);
    } finally {
      await emulator.stop();
    }
  });

  it('remove asks first, then the workspace and its token are gone', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: 'Settings' }).click();
    const id = (await page.locator('.list-row', { hasText: 'Analytics' }).getAttribute('data-workspace')) ?? '';
    await page.getByRole('button', { name: 'Remove Analytics' }).click();
    const confirm = page.getByRole('group', { name: 'Remove Analytics?' });
    assert.match((await confirm.textContent()) ?? '', /token is deleted from the keychain/);
    assert.equal(await page.evaluate<string | null>('document.activeElement?.textContent ?? null'), 'Keep', 'the safe choice has the focus');
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await page.locator('.list-row', { hasText: 'Analytics' }).waitFor({ state: 'detached' });
    const state = await backend.fixture.invoke('app:get-state');
    assert.ok(!state.workspaces.some((w) => w.settings.id === id), 'gone from the settings');
    assert.equal(await backend.fixture.secrets.get(id), undefined, 'its token is gone');
  });

  it('general settings apply as soon as they change, and a bad size says the range', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('switch', { name: 'Keep downloaded files on this computer' }).click();
    await page.getByLabel('Cache size limit').fill('0');
    await page.getByLabel('Cache size limit').press('Enter');
    assert.match((await page.locator('.toggle-row:has-text("Cache size limit") p').textContent()) ?? '', /from 0\.1 to 1024/);
    await page.getByLabel('Cache size limit').fill('2');
    await page.getByLabel('Cache size limit').press('Enter');
    await page.getByRole('radio', { name: /Upload in the background/ }).check();
    await page.getByRole('switch', { name: 'Launch at login' }).click();
    let saved = await backend.fixture.invoke('settings:get');
    for (let i = 0; i < 50 && saved.launchAtLogin !== true; i++) {
      await page.waitForTimeout(100);
      saved = await backend.fixture.invoke('settings:get');
    }
    assert.deepEqual(
      { cache: saved.cache.enabled, limit: saved.cache.limitBytes, upload: saved.uploadMode, login: saved.launchAtLogin },
      { cache: false, limit: 2 * 1024 ** 3, upload: 'background', login: true },
    );
    await page.getByRole('tab', { name: 'Cache' }).click();
    await page.getByText('The content cache is off').waitFor();
    await page.getByRole('button', { name: 'Turn it on in Settings' }).click();
    await page.getByRole('switch', { name: 'Keep downloaded files on this computer' }).click();
    await page.getByRole('switch', { name: 'Keep downloaded files on this computer', checked: true }).waitFor();
    assert.equal((await backend.fixture.invoke('settings:get')).cache.enabled, true);
  });

  it('opens on the view main names in the page hash (the tray menu: Settings…)', async () => {
    const settings = await openUiWindow(backend, { view: 'settings' });
    try {
      await settings.page.getByRole('heading', { name: 'Settings' }).waitFor();
      assert.equal(await settings.page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected'), 'true');
    } finally {
      await settings.close();
    }
  });

  it('keyboard: tabs with arrow keys, buttons with Enter, visible focus', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: 'Status' }).click();
    await page.getByRole('tab', { name: 'Status' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate<string | null>('document.activeElement?.textContent ?? null'), 'Cache');
    assert.equal(await page.getByRole('tab', { name: 'Cache' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('End');
    assert.equal(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getByRole('tab', { name: /^Status/ }).getAttribute('aria-selected'), 'true', 'wraps around');
    await page.keyboard.press('Home');
    // Only the selected tab is in the Tab order; the next Tab goes into the view.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<{ tag: string; text: string; outline: string }>(
      '({ tag: document.activeElement.tagName, text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })',
    );
    assert.equal(focused.tag, 'BUTTON');
    assert.equal(focused.text, 'Add workspace');
    assert.notEqual(focused.outline, 'none', 'focus is visible');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Add a workspace' }).waitFor();
    assert.equal(await page.evaluate<string | null>("document.activeElement?.getAttribute('name') ?? null"), 'name', 'the form starts at its first field');
    await page.keyboard.press('Escape');
    await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Add a workspace' }).count(), 0, 'Escape closes the form');
    // Polled with page.evaluate: waitForFunction compiles its predicate in the page, which the CSP
    // (no 'unsafe-eval') refuses whenever the predicate is not already true.
    let focusedId: string | null = null;
    for (let i = 0; i < 50 && focusedId !== 'content'; i++) {
      if (i > 0) await page.waitForTimeout(100);
      focusedId = await page.evaluate<string | null>('document.activeElement?.id ?? null');
    }
    assert.equal(focusedId, 'content', 'the focus goes to the top of the view when the form closes');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string | null>('document.activeElement?.textContent ?? null'), 'Add workspace', 'the focus is back at the top of the view');
  });

  it('quit: says it is finishing uploads while the engines flush and unmount', async () => {
    const page = light.page;
    await page.getByRole('tab', { name: /^Status/ }).click();
    const card = page.locator('article.workspace-card').first();
    const name = (await card.locator('h2').textContent()) ?? '';
    await page.getByRole('button', { name: `Mount ${name}` }).click();
    await card.locator('.badge[data-state="mounted"]').waitFor({ timeout: MOUNT_TIMEOUT });
    await page.evaluate(`window.sawQuitNotice = false;
      new MutationObserver(() => { if (document.body.textContent.includes('Finishing uploads before quitting')) window.sawQuitNotice = true; })
        .observe(document.body, { subtree: true, childList: true, characterData: true });`);
    await backend.fixture.controller.quit();
    await card.locator('.badge[data-state="stopped"]').waitFor({ timeout: MOUNT_TIMEOUT });
    assert.equal(await page.evaluate<boolean>('window.sawQuitNotice'), true, 'the quit notice was shown');
    assert.equal(await page.getByText('Finishing uploads before quitting').count(), 0, 'and is gone once done');
    assert.deepEqual(light.errors, []);
  });
});
