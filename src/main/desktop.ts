// What main asks of the desktop besides windows and the tray: OS notifications, opening folders in
// Finder / the file manager, the clipboard. An interface so the controller runs under plain Node;
// the Electron implementation is in electron/electron-desktop.ts. No policy about when to notify.

/** The desktop services the app controller uses. */
export interface Desktop {
  /** Shows an OS notification. */
  notify(title: string, body: string): void;
  /** Opens a local folder in the file manager; rejects with the OS's reason. Never call it on a mount this process serves. */
  openFolder(path: string): Promise<void>;
  /** Puts text on the clipboard. */
  copyText(text: string): void;
}

/** A Desktop that records what it was asked to do (under Node: tests, the UI tests' controller). */
export class RecordingDesktop implements Desktop {
  readonly notifications: Array<{ title: string; body: string }> = [];
  readonly openedFolders: string[] = [];
  clipboard = '';

  notify(title: string, body: string): void {
    this.notifications.push({ title, body });
  }

  async openFolder(path: string): Promise<void> {
    this.openedFolders.push(path);
  }

  copyText(text: string): void {
    this.clipboard = text;
  }
}
