// The UI tests' backend: the real app controller (test/support/app-controller-fixture.ts: real
// settings file, real engine child processes, real mounts under a temp home) behind the real
// IpcRouter, trusting exactly the built renderer's page — what Electron main wires to ipcMain,
// minus Electron. Owns nothing else; `stop()` quits the controller and cleans up.
import { IpcRouter, samePage } from '../../src/main/ipc-router';
import { startAppController, type AppFixture } from './app-controller-fixture';
import { RENDERER_PAGE_URL, type UiBackend } from './ui-window';

/** A controller the window can be bridged to. */
export interface AppBackend extends UiBackend {
  fixture: AppFixture;
  /** The temp home folder (default mount points are under it). */
  home: string;
  stop(): Promise<void>;
}

/** Starts the controller on temp folders. */
export async function startAppBackend(): Promise<AppBackend> {
  const fixture = await startAppController();
  const router = new IpcRouter(fixture.controller, samePage(RENDERER_PAGE_URL));
  return {
    fixture,
    home: fixture.home,
    invoke: (channel, request, senderUrl) => router.invoke(channel, request, senderUrl),
    subscribe: (listener) => fixture.controller.onEvent(listener),
    stop: () => fixture.stop(),
  };
}
