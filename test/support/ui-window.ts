// Test helper: the built renderer (dist/renderer) in headless Debian Chromium, driven by
// playwright-core, loaded from file:// (the app serves it on app://wsfs), with `window.api` built from
// shared/ipc-contract's name tables exactly as the preload builds it — but bridged to a backend in
// the test process (the real app controller) through `page.exposeBinding`, which also passes the
// calling frame's URL for main's sender check. Owns the browser, screenshots and the tests' bounded
// polling (waitUntil); asserts nothing.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { API_EVENTS, API_METHODS, type IpcResult, type PushEvent, type PushEvents } from '../../src/shared/ipc-contract';

/** Where the bundled renderer is (tests run from dist/test/<tier>/). */
export const RENDERER_DIR = path.resolve(__dirname, '../../renderer');
/** The renderer's page as a file:// URL (main's sender check accepts file:// pages as it does app://wsfs). */
export const RENDERER_PAGE_URL = pathToFileURL(path.join(RENDERER_DIR, 'index.html')).href;
/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../../test-results/ui');
/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** What the window talks to: main's invoke handler and its push events. */
export interface UiBackend {
  /** Handles one invoke from the frame at `senderUrl` exactly as main's ipcMain handler does (checks included). */
  invoke(channel: string, request: unknown, senderUrl: string): Promise<IpcResult<unknown>>;
  /** Subscribes to push events; returns the unsubscribe function. */
  subscribe(listener: <E extends PushEvent>(event: E, payload: PushEvents[E]) => void): () => void;
}

/** Options of `openUiWindow`. */
export interface UiWindowOptions {
  colorScheme?: 'light' | 'dark';
  /** The view main names in the page's hash (`index.html#settings`). */
  view?: string;
  width?: number;
  height?: number;
}

/** A browser page showing the renderer. */
export interface UiWindow {
  page: Page;
  /** Every invoke the page made, in order (channel names only: requests may hold a token). */
  invokes: string[];
  /** Console errors and page errors seen so far (CSP violations show up here). */
  errors: string[];
  /** Requests outside the renderer's folder, refused. */
  blocked: string[];
  /** Saves a full-page screenshot as test-results/ui/NAME.png; returns its path. */
  screenshot(name: string): Promise<string>;
  /** WCAG 2 A/AA violations axe-core finds on the page as it is now (contrast included), as `rule: target` lines. */
  accessibilityViolations(): Promise<string[]>;
  close(): Promise<void>;
}

/** Builds `window.api` in the page: the same shape the preload exposes (functions only, frozen). */
function installApi(tables: { methods: Record<string, string>; events: Record<string, string> }): void {
  type Listener = (payload: unknown) => void;
  const listeners = new Map<string, Set<Listener>>();
  const w = globalThis as unknown as {
    wsfsInvoke: (channel: string, request: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; error: { message: string } }>;
    wsfsPush?: (event: string, payload: unknown) => void;
    api?: unknown;
  };
  const api: Record<string, unknown> = {};
  for (const [method, channel] of Object.entries(tables.methods)) {
    api[method] = async (request?: unknown) => {
      const result = await w.wsfsInvoke(channel, request);
      if (result.ok) return result.value;
      throw new Error(result.error.message);
    };
  }
  for (const [method, event] of Object.entries(tables.events)) {
    api[method] = (listener: Listener) => {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    };
  }
  Object.defineProperty(globalThis, 'api', { value: Object.freeze(api), enumerable: true });
  w.wsfsPush = (event, payload) => {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
}

/** Polls `condition` every 100 ms until it holds or `ms` have passed (bounded in count and time); resolves to its last value. Asserts nothing. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  for (let i = 0; i < Math.ceil(ms / 100); i++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

let browser: Browser | undefined;

/** One Chromium per test file; playwright gives it a fresh temporary user-data dir and removes it on close. */
async function sharedBrowser(): Promise<Browser> {
  if (browser !== undefined) return browser;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-gpu',
      '--disable-dev-shm-usage',
    ],
  });
  return browser;
}

/** Closes the shared browser (and so removes its profile); call in `after`. */
export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

/** Opens the renderer in a fresh browser context bridged to `backend`; resolves once it drew its first frame. */
export async function openUiWindow(backend: UiBackend, options: UiWindowOptions = {}): Promise<UiWindow> {
  const b = await sharedBrowser();
  const context: BrowserContext = await b.newContext({
    viewport: { width: options.width ?? 900, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  // Only the renderer's own files load (as in the app's session): anything else is a bug.
  const rendererRoot = pathToFileURL(RENDERER_DIR).href + '/';
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const requested = route.request().url();
    if (requested.startsWith(rendererRoot)) return route.continue();
    blocked.push(requested);
    return route.abort();
  });
  const page = await context.newPage();
  const invokes: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.exposeBinding('wsfsInvoke', async (source, channel: string, request: unknown) => {
    invokes.push(channel);
    return backend.invoke(channel, request, source.frame.url());
  });
  await page.addInitScript(installApi, { methods: API_METHODS, events: API_EVENTS });
  const pushes: Array<Promise<unknown>> = [];
  const unsubscribe = backend.subscribe((event, payload) => {
    pushes.push(page.evaluate(([e, p]) => (globalThis as unknown as { wsfsPush?: (e: string, p: unknown) => void }).wsfsPush?.(e, p), [event, payload] as const).catch(() => undefined));
  });
  await page.goto(options.view === undefined ? RENDERER_PAGE_URL : `${RENDERER_PAGE_URL}#${options.view}`);
  await page.locator('main#content').waitFor({ timeout: 15_000 });
  return {
    page,
    invokes,
    errors,
    blocked,
    screenshot: async (name) => {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      return file;
    },
    accessibilityViolations: async () => {
      // Evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself still runs no injected script.
      if ((await page.evaluate<boolean>("typeof axe !== 'undefined'")) === false) {
        await page.evaluate(await readFile(require.resolve('axe-core/axe.min.js'), 'utf8'));
      }
      return page.evaluate<string[]>(`axe.run(document, { preload: false, runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
        .then((r) => r.violations.flatMap((v) => v.nodes.map((n) => v.id + ': ' + n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))))`);
    },
    close: async () => {
      unsubscribe();
      await Promise.allSettled(pushes);
      await context.close();
    },
  };
}
