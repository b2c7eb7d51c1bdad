// The one app window and the security rules for every web contents: context isolation, sandbox,
// no Node in the page, a strict CSP (sent as a header by app-protocol.ts; the page also declares
// it), no remote content (every request that is not to the app's own origin is cancelled), no
// permissions, navigation and new windows blocked. Created on demand and hidden, not destroyed, on
// close (the app lives in the tray).
import { app, BrowserWindow, session, type WebContents } from 'electron';
import type { AppView } from '../../shared/ipc-contract';
import { APP_ORIGIN } from '../renderer-files';

/** The CSP of the renderer (the page also declares it in a meta tag). */
export const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Applies the session-wide rules once, before any window exists. */
export function secureSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith(`${APP_ORIGIN}/`) && !details.url.startsWith('devtools://') }));
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Owns the window: shows it (creating it when needed) and forwards views. */
export class AppWindow {
  private window: BrowserWindow | undefined;
  private quitting = false;

  constructor(
    private readonly pageUrl: string,
    private readonly preloadPath: string,
    private readonly iconPath: string,
  ) {}

  /** The window's web contents, while it exists. */
  get contents(): WebContents | undefined {
    return this.window?.isDestroyed() === false ? this.window.webContents : undefined;
  }

  /** Shows the window on `view`. */
  show(view: AppView = 'status'): void {
    if (this.window === undefined || this.window.isDestroyed()) {
      this.window = this.create(view);
      return;
    }
    this.window.webContents.send('window:view', { view });
    if (this.window.isMinimized()) this.window.restore();
    this.window.show();
    this.window.focus();
  }

  /** Lets the window really close (at quit). */
  allowClose(): void {
    this.quitting = true;
  }

  private create(view: AppView): BrowserWindow {
    const window = new BrowserWindow({
      width: 980,
      height: 700,
      minWidth: 720,
      minHeight: 520,
      show: false,
      title: 'wsfs',
      icon: this.iconPath,
      autoHideMenuBar: true,
      webPreferences: {
        preload: this.preloadPath,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
        devTools: !app.isPackaged,
      },
    });
    window.once('ready-to-show', () => window.show());
    window.on('close', (event) => {
      if (this.quitting) return;
      event.preventDefault();
      window.hide();
    });
    void window.loadURL(`${this.pageUrl}#${view}`);
    return window;
  }
}
