#!/usr/bin/env node
'use strict'
// Builds node_modules/fuse-native from source against the system libfuse 2 (pkg-config `fuse`).
// Runs from the root package's postinstall, right after `patch-package` applied
// patches/fuse-native+2.2.6.patch (binding.gyp -> pkg-config, no external buffers, ...).
// fuse-native's own install script (node-gyp-build, which would pick the bundled prebuild)
// is denied in package.json "allowScripts", so this is the only place it gets built.
//
// Linux: apt-get install libfuse-dev pkg-config build-essential python3 (runtime: libfuse2 + fuse3|fuse)
// macOS: macFUSE (ships fuse.pc for libfuse 2) + `brew install pkg-config` + Xcode CLT
// Set WSFS_SKIP_FUSE_BUILD=1 to skip (e.g. CI jobs that never mount).

const { execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')
const { gypRebuild } = require('./gyp-rebuild')

if (process.env.WSFS_SKIP_FUSE_BUILD) {
  console.log('[fuse-native] WSFS_SKIP_FUSE_BUILD set, not building')
  process.exit(0)
}
if (process.platform !== 'linux' && process.platform !== 'darwin') {
  console.log(`[fuse-native] ${process.platform}: no FUSE, not building`)
  process.exit(0)
}

const dir = path.dirname(require.resolve('fuse-native/package.json'))

if (!fs.readFileSync(path.join(dir, 'binding.gyp'), 'utf8').includes('pkg-config')) {
  fail('node_modules/fuse-native is not patched (run patch-package first)')
}
try {
  execFileSync('pkg-config', ['--exists', 'fuse'], { stdio: 'ignore' })
} catch {
  fail('pkg-config cannot find libfuse 2 ("fuse").\n' +
    '  Debian/Ubuntu: sudo apt-get install libfuse-dev pkg-config build-essential python3\n' +
    '  macOS: install macFUSE, then brew install pkg-config')
}

try {
  gypRebuild(dir, 'fuse-native')
} catch (err) {
  fail(`node-gyp rebuild failed (${err.message})`)
}

// Never ship or load the upstream prebuilds (bundled libfuse, external buffers).
fs.rmSync(path.join(dir, 'prebuilds'), { recursive: true, force: true })

const addon = path.join(dir, 'build', 'Release', 'fuse.node')
if (!fs.existsSync(addon)) fail(`${addon} missing after build`)
console.log(`[fuse-native] built ${addon}`)

function fail (msg) {
  console.error(`[fuse-native] ${msg}`)
  process.exit(1)
}
