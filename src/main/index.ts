// Composition root of the Electron main process: the single-instance lock, the settings store,
// keychain, engine spawner (utilityProcess), desktop services, controller, IPC, tray and window.
// No window at launch unless it is the first run (the app lives in the tray). Quitting asks every
// engine to flush its uploads and unmount — the tray says "Finishing uploads…" meanwhile — and only
// then lets the app exit, so no dead mount is left behind. All behaviour lives in app-controller.ts.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, dialog } from 'electron';
import { AppController } from './app-controller';
import { systemClock } from './clock';
import { HttpConnectionTester } from './connection-tester';
import { registerAppScheme, serveRenderer } from './electron/app-protocol';
import { AppWindow, secureSession } from './electron/app-window';
import { ElectronDesktop } from './electron/electron-desktop';
import { registerIpc } from './electron/electron-ipc';
import { ElectronTray } from './electron/electron-tray';
import { utilityProcessEngineSpawner } from './electron/utility-process-engine-spawner';
import { IpcRouter, samePage } from './ipc-router';
import { showWindowAtLaunch } from './launch-policy';
import { APP_PAGE_URL } from './renderer-files';
import { KeytarSecretStore } from './secrets/keytar-secret-store';
import { ElectronSettingsStore } from './settings/electron-settings-store';
import { SystemMountTable } from './supervisor/mount-table';
import { runTrayAction } from './tray/tray-actions';
import { trayModel, type TrayAction } from './tray/tray-model';

/** The renderer bundle, preload and icons, relative to the app's root (the repository, or app.asar). */
const root = app.getAppPath();
const RENDERER = join(root, 'dist', 'renderer');
const PRELOAD = join(root, 'dist', 'src', 'preload', 'index.js');
const ICONS = join(root, 'assets', 'icons');

async function main(): Promise<void> {
  await app.whenReady();
  secureSession();
  serveRenderer(RENDERER);
  let settings: ElectronSettingsStore;
  try {
    settings = new ElectronSettingsStore({ cwd: app.getPath('userData') });
  } catch (error) {
    dialog.showErrorBox('wsfs cannot start', (error as Error).message);
    app.exit(1);
    return;
  }
  const desktop = new ElectronDesktop(join(ICONS, 'icon-256.png'));
  const controller = new AppController({
    settings,
    secrets: new KeytarSecretStore(),
    spawn: utilityProcessEngineSpawner(),
    mounts: new SystemMountTable(),
    desktop,
    clock: systemClock,
    tester: new HttpConnectionTester(homedir()),
    homeDir: homedir(),
    cacheRoot: defaultCacheRoot(),
    logDir: app.getPath('logs'),
    setLaunchAtLogin: (enabled) => void desktop.setLaunchAtLogin(enabled).catch((error: Error) => desktop.notify('Launch at login', error.message)),
    platform: process.platform,
    version: app.getVersion(),
  });
  const window = new AppWindow(APP_PAGE_URL, PRELOAD, join(ICONS, 'icon-512.png'));
  const trusted = samePage(APP_PAGE_URL);
  registerIpc(new IpcRouter(controller, trusted), trusted, controller, window);

  const onAction = (action: TrayAction): void =>
    void runTrayAction(action, { controller, desktop, showWindow: (view) => window.show(view), quit: () => app.quit() });
  const tray = new ElectronTray(ICONS, onAction);
  const renderTray = (): void => tray.render(trayModel(controller.trayInput()));
  controller.onEvent(renderTray);
  renderTray();

  app.on('second-instance', () => window.show('status'));
  app.on('activate', () => window.show('status'));
  // The app lives in the tray: closing the window must not quit.
  app.on('window-all-closed', () => undefined);

  let finished = false;
  app.on('before-quit', (event) => {
    if (finished) return;
    event.preventDefault();
    if (controller.state().quitting) return;
    window.allowClose();
    const running = controller.state().workspaces.some((w) => w.state.kind !== 'stopped');
    if (running) desktop.notify('wsfs is quitting', 'Finishing uploads and unmounting your workspaces…');
    void controller.quit().finally(() => {
      finished = true;
      app.quit();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  await controller.start();
  const openedAtLogin = process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
  if (showWindowAtLaunch({ firstRun: controller.state().firstRun, argv: process.argv, openedAtLogin })) window.show('status');
}

/** The platform's cache folder for wsfs's content caches (one subfolder per workspace). */
function defaultCacheRoot(): string {
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'wsfs');
  if (process.platform === 'win32') return join(process.env['LOCALAPPDATA'] ?? app.getPath('userData'), 'wsfs', 'cache');
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'wsfs');
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  main().catch((error: unknown) => {
    dialog.showErrorBox('wsfs stopped', (error as Error).stack ?? String(error));
    app.exit(1);
  });
}
