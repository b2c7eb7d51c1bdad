// What main asks of the desktop besides windows and the tray: OS notifications, opening folders in
// Finder / the file manager, the clipboard. An interface so the controller runs under plain Node;
// implementations: electron/electron-desktop.ts, and test/support/recording-desktop.ts for tests.
// No policy about when to notify.

/** The desktop services the app controller uses. */
export interface Desktop {
  /** Shows an OS notification. */
  notify(title: string, body: string): void;
  /** Opens a local folder in the file manager; rejects with the OS's reason. Never call it on a mount this process serves. */
  openFolder(path: string): Promise<void>;
  /** Puts text on the clipboard. */
  copyText(text: string): void;
}
