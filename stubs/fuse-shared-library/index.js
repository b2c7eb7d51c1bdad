'use strict'
// fuse-native's macOS kext helpers (configure/isConfigured/...) are not used: macFUSE installs itself.
const unsupported = name => () => { throw new Error(`fuse-shared-library.${name} is stubbed out in wsfs`) }
for (const name of ['beforeMount', 'beforeUnmount', 'configure', 'unconfigure', 'isConfigured']) module.exports[name] = unsupported(name)
