// The Desktop port on Electron: OS notifications, Finder / the file manager (shell.openPath; the
// engine is another process, so opening a mounted folder cannot deadlock main), the clipboard, and
// launch at login (login items on macOS and Windows, an XDG autostart entry on Linux).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, clipboard, Notification, shell } from 'electron';
import type { Desktop } from '../desktop';
import { autostartEntry } from '../autostart-entry';
import { HIDDEN_FLAG } from '../launch-policy';

/** Desktop services through Electron. */
export class ElectronDesktop implements Desktop {
  constructor(private readonly iconPath: string) {}

  notify(title: string, body: string): void {
    if (Notification.isSupported()) new Notification({ title, body, icon: this.iconPath, silent: false }).show();
  }

  async openFolder(path: string): Promise<void> {
    const error = await shell.openPath(path);
    if (error !== '') throw new Error(error);
  }

  copyText(text: string): void {
    clipboard.writeText(text);
  }

  /** Starts the app at login, or stops doing so. */
  async setLaunchAtLogin(enabled: boolean): Promise<void> {
    if (process.platform !== 'linux') {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
      return;
    }
    const dir = join(process.env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'autostart');
    const file = join(dir, 'wsfs.desktop');
    if (!enabled) {
      await rm(file, { force: true });
      return;
    }
    // An AppImage must be started as itself; from a source tree, Electron needs the app's folder.
    const appImage = process.env['APPIMAGE'];
    const program = appImage !== undefined ? [appImage] : app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
    await mkdir(dir, { recursive: true });
    await writeFile(file, autostartEntry([...program, HIDDEN_FLAG]));
  }
}
