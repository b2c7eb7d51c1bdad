// Serves the bundled renderer from the app's own `app://wsfs` origin instead of file:// (Electron's
// security checklist): a privileged standard, secure scheme so ES modules, the CSP and the sender
// check behave as on a web origin; every response carries the CSP; nothing outside dist/renderer.
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { rendererFile } from '../renderer-files';
import { CONTENT_SECURITY_POLICY } from './app-window';

/** Registers the `app` scheme; must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves `rendererDir` on `app://wsfs/`; call once the app is ready. */
export function serveRenderer(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    const file = rendererFile(rendererDir, request.url);
    if (file === undefined) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file.path);
      return new Response(body, {
        status: 200,
        headers: { 'Content-Type': file.type, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
