// The renderer's only door to the main process: exposes `window.api` (type WsfsApi in
// shared/ipc-contract.ts) — functions only, never ipcRenderer or an IpcRendererEvent. A sandboxed
// preload cannot load our other modules, so the method and event name tables come from main once,
// at load (`api:describe`, answered from the contract's own tables); this file imports types only.
import { contextBridge, ipcRenderer } from 'electron';
import type { API_EVENTS, API_METHODS, IpcResult } from '../shared/ipc-contract';

/** What main answers to `api:describe`. */
interface ApiDescription {
  methods: typeof API_METHODS;
  events: typeof API_EVENTS;
}

const description = ipcRenderer.sendSync('api:describe') as ApiDescription | null;
if (description === null) throw new Error('wsfs: this page is not the wsfs window; window.api is not available');
const api: Record<string, unknown> = {};

for (const [method, channel] of Object.entries(description.methods)) {
  api[method] = async (request?: unknown): Promise<unknown> => {
    const result = (await ipcRenderer.invoke(channel, request)) as IpcResult<unknown>;
    if (result.ok) return result.value;
    throw new Error(result.error.message);
  };
}

for (const [method, event] of Object.entries(description.events)) {
  api[method] = (listener: (payload: unknown) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError(`${method}: expected a function`);
    const forward = (_event: unknown, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, forward);
    return () => void ipcRenderer.removeListener(event, forward);
  };
}

contextBridge.exposeInMainWorld('api', Object.freeze(api));
