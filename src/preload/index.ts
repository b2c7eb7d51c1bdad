// The renderer's only door to the main process: exposes a typed `window.api` built from
// shared/ipc-contract.ts (added with the tray app). Functions only, never ipcRenderer itself.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('api', Object.freeze({}));
