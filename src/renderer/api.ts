// The renderer's handle on main: the `window.api` the preload (or, in tests, the harness's init
// script) installs, typed by shared/ipc-contract. The only file that touches `window.api`.
import type { WsfsApi } from '../shared/ipc-contract';

declare global {
  interface Window {
    /** Installed by the preload; functions only. */
    readonly api?: WsfsApi;
  }
}

/** `window.api`, or an Error saying the window was opened outside the app. */
export function wsfsApi(): WsfsApi {
  const api = window.api;
  if (api === undefined) throw new Error('window.api is missing: open this page from the wsfs app, not in a browser.');
  return api;
}

/** The message of a rejected invoke (main's messages are written for the user). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, '');
  return String(error);
}
