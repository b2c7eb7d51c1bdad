// Lets main-process modules that load electron-store run under plain Node: `require('electron')`
// outside Electron would try to download Electron's binary, so this registers an empty module in
// its place. electron-store then needs no `app` (callers pass `cwd`). Import it before anything
// that loads electron-store. This is the only fake of Electron's own API in the tests.

const electronId = require.resolve('electron');
if (require.cache[electronId] === undefined && process.versions['electron'] === undefined) {
  const shim = new (require('node:module') as { new (id: string): NodeJS.Module })(electronId);
  shim.filename = electronId;
  shim.loaded = true;
  shim.exports = {};
  require.cache[electronId] = shim;
}

export {};
