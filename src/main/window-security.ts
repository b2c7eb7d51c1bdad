// The security settings of the app window, as plain data and pure functions so a test under Node
// can assert them: the BrowserWindow options (context isolation, sandbox, no Node in the page, no
// webview), the CSP and headers every response of app://wsfs carries, and which requests a page may
// make. Applying them to Electron (session handlers, navigation locks) is electron/app-window.ts's job.
import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_ORIGIN } from './renderer-files';

/** The CSP of the renderer (sent as a header by electron/app-protocol.ts; the page also declares a subset). */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers of every response served on app://wsfs. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
};

/** Where the window's files are and whether DevTools may open (only when not packaged). */
export interface WindowOptionsInput {
  preloadPath: string;
  iconPath: string;
  devTools: boolean;
}

/** The options of the one app window. */
export function windowOptions({ preloadPath, iconPath, devTools }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 980,
    height: 700,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'wsfs',
    icon: iconPath,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  };
}

/** True if a page may load `url`: only the app's own origin (and DevTools' pages while they are allowed). */
export function requestAllowed(url: string, devTools: boolean): boolean {
  if (url.startsWith(`${APP_ORIGIN}/`)) return true;
  return devTools && url.startsWith('devtools://');
}
