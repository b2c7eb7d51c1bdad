// Composition root of the Electron main process. The tray, engine supervisor, settings and IPC
// are built by the tray-app issue; until then this entry holds the single-instance lock and says
// plainly that the desktop app is not ready, pointing at the headless `wsfs` command.
import { app, dialog } from 'electron';

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void app.whenReady().then(async () => {
    await dialog.showMessageBox({
      type: 'info',
      title: 'wsfs',
      message: 'The wsfs tray app is not built yet.',
      detail: 'Use the headless command for now: `npx wsfs emulator --seed demo`.',
    });
    app.quit();
  });
}
