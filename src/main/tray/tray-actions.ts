// Runs what a tray menu click asks for (tray-model.ts's TrayAction) against the app controller:
// click-to-mount, unmount, open the folder, copy the mount path, the windows and Quit. A click has
// no window to answer in, so every failure becomes an OS notification through the Desktop port
// (never an unhandled rejection). It does not build the menu nor own any state.
import type { AppView } from '../../shared/ipc-contract';
import type { AppController } from '../app-controller';
import type { Desktop } from '../desktop';
import type { TrayAction } from './tray-model';
import { assertNever } from '../../shared/assert-never';

/** What a tray click may reach besides the controller. */
export interface TrayActionTargets {
  controller: AppController;
  desktop: Desktop;
  /** Shows the app window on a view. */
  showWindow(view: AppView): void;
  /** Starts quitting (Electron: app.quit, which holds until engines have finished). */
  quit(): void;
}

/** Runs `action`; resolves once it is done, failures already notified. */
export async function runTrayAction(action: TrayAction, targets: TrayActionTargets): Promise<void> {
  const { controller, desktop } = targets;
  const attempt = async (title: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      desktop.notify(title, (error as Error).message);
    }
  };
  switch (action.kind) {
    case 'mount':
      return attempt('Cannot mount', () => controller.handle('mount:start', { workspaceId: action.workspaceId }));
    case 'unmount':
      return attempt('Cannot unmount', () => controller.handle('mount:stop', { workspaceId: action.workspaceId }));
    case 'open-folder':
      return attempt('Cannot open the folder', () => controller.handle('folder:open', { workspaceId: action.workspaceId }));
    case 'copy-path':
      return attempt('Cannot copy the mount path', () => controller.handle('folder:copy-path', { workspaceId: action.workspaceId }));
    case 'open-window':
      targets.showWindow('status');
      return;
    case 'open-settings':
      targets.showWindow('settings');
      return;
    case 'quit':
      targets.quit();
      return;
    default:
      return assertNever(action, 'tray action');
  }
}

