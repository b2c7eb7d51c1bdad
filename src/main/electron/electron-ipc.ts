// Wires the IPC router to Electron: one `ipcMain.handle` per contract channel (the sender's frame
// URL goes to the router's check), the synchronous `api:describe` the preload builds window.api
// from, and the controller's push events sent to the window. Nothing else crosses to the renderer.
import { ipcMain } from 'electron';
import { API_EVENTS, API_METHODS, INVOKE_CHANNELS } from '../../shared/ipc-contract';
import type { AppController } from '../app-controller';
import type { IpcRouter, SenderCheck } from '../ipc-router';
import type { AppWindow } from './app-window';

/** Registers the handlers and forwards push events to `window`. */
export function registerIpc(router: IpcRouter, trusted: SenderCheck, controller: AppController, window: AppWindow): void {
  ipcMain.on('api:describe', (event) => {
    event.returnValue = trusted(event.senderFrame?.url ?? '') ? { methods: API_METHODS, events: API_EVENTS } : null;
  });
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event, request: unknown) => router.invoke(channel, request, event.senderFrame?.url ?? ''));
  }
  controller.onEvent((event, payload) => {
    const contents = window.contents;
    if (contents !== undefined && !contents.isDestroyed()) contents.send(event, payload);
  });
}
