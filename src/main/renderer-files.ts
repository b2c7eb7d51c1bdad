// Maps `app://wsfs/<path>` URLs of the window to files of the bundled renderer (dist/renderer):
// only files inside that folder, with their content type. Electron's protocol handler
// (electron/app-protocol.ts) serves what this returns; this file has no Electron and no I/O policy.
import { extname, resolve, sep } from 'node:path';

/** The app's own origin (a privileged, standard, secure scheme registered at start). */
export const APP_ORIGIN = 'app://wsfs';
/** The window's page. */
export const APP_PAGE_URL = `${APP_ORIGIN}/index.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

/** The file and content type for `url`, or undefined when the URL is not a file of `rendererDir`. */
export function rendererFile(rendererDir: string, url: string): { path: string; type: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (`${parsed.protocol}//${parsed.host}` !== APP_ORIGIN) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const root = resolve(rendererDir);
  const path = resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
  if (!path.startsWith(root + sep)) return undefined;
  const type = TYPES[extname(path).toLowerCase()];
  return type === undefined ? undefined : { path, type };
}
