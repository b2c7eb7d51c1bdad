// Test helper: the built renderer (dist/renderer) in headless Debian Chromium, driven by
// playwright-core, with `window.api` built from shared/ipc-contract's name tables exactly as the
// preload builds it — but bridged to a backend in the test process (the real app controller)
// through `page.exposeBinding`. Serves the page from a 127.0.0.1 server (ES modules do not load
// from file://). Owns the browser's life and screenshots; asserts nothing.
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { API_EVENTS, API_METHODS, type IpcResult, type PushEvent, type PushEvents } from '../../src/shared/ipc-contract';

/** Where the bundled renderer is (tests run from dist/test/<tier>/). */
export const RENDERER_DIR = path.resolve(__dirname, '../../renderer');
/** Where screenshots go (gitignored). */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../../test-results/ui');
/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** What the window talks to: main's invoke handler and its push events. */
export interface UiBackend {
  /** Handles one invoke exactly as main's ipcMain handler does (checks included). */
  invoke(channel: string, request: unknown): Promise<IpcResult<unknown>>;
  /** Subscribes to push events; returns the unsubscribe function. */
  subscribe(listener: <E extends PushEvent>(event: E, payload: PushEvents[E]) => void): () => void;
}

/** Options of `openUiWindow`. */
export interface UiWindowOptions {
  colorScheme?: 'light' | 'dark';
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
  /** Saves a full-page screenshot as test-results/ui/NAME.png; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.txt': 'text/plain' };

/** Serves RENDERER_DIR on 127.0.0.1 with the CSP the app's window has. */
async function serveRenderer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const name = path.posix.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
    const file = path.join(RENDERER_DIR, name);
    if (!file.startsWith(RENDERER_DIR + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': "default-src 'self'" });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no server address');
  return { url: `http://127.0.0.1:${address.port}/index.html`, server };
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
  const { url, server } = await serveRenderer();
  const b = await sharedBrowser();
  const context: BrowserContext = await b.newContext({
    viewport: { width: options.width ?? 900, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
    reducedMotion: 'reduce',
  });
  // Only the page's own server is reachable: anything else is a bug (and would leave the machine).
  await context.route('**/*', (route) => (route.request().url().startsWith(url.replace(/index\.html$/, '')) ? route.continue() : route.abort()));
  const page = await context.newPage();
  const invokes: string[] = [];
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.exposeBinding('wsfsInvoke', async (_source, channel: string, request: unknown) => {
    invokes.push(channel);
    return backend.invoke(channel, request);
  });
  await page.addInitScript(installApi, { methods: API_METHODS, events: API_EVENTS });
  const pushes: Array<Promise<unknown>> = [];
  const unsubscribe = backend.subscribe((event, payload) => {
    pushes.push(page.evaluate(([e, p]) => (globalThis as unknown as { wsfsPush?: (e: string, p: unknown) => void }).wsfsPush?.(e, p), [event, payload] as const).catch(() => undefined));
  });
  await page.goto(url);
  await page.locator('main#content').waitFor({ timeout: 15_000 });
  return {
    page,
    invokes,
    errors,
    screenshot: async (name) => {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      return file;
    },
    close: async () => {
      unsubscribe();
      await Promise.allSettled(pushes);
      await context.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
