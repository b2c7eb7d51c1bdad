#!/usr/bin/env node
'use strict'
// Builds node_modules/keytar (the OS keychain addon main/secrets uses) from source. Its own install
// script (prebuild-install, which downloads a prebuilt binary and fails offline) is denied in
// package.json "allowScripts"; the root postinstall runs this instead. keytar is N-API, so the
// same build loads in Node (tests) and in Electron.
//
// Linux: apt-get install libsecret-1-dev pkg-config build-essential python3 (runtime: libsecret-1-0 and
// a Secret Service such as gnome-keyring). macOS and Windows: nothing extra (Keychain, Credential Vault).
// Set WSFS_SKIP_KEYTAR_BUILD=1 to skip (the app then cannot store tokens).

const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')
const { gypRebuild } = require('./gyp-rebuild')

if (process.env.WSFS_SKIP_KEYTAR_BUILD) {
  console.log('[keytar] WSFS_SKIP_KEYTAR_BUILD set, not building')
  process.exit(0)
}

const dir = path.dirname(require.resolve('keytar/package.json'))
if (process.platform === 'linux') {
  try {
    execFileSync('pkg-config', ['--exists', 'libsecret-1'], { stdio: 'ignore' })
  } catch {
    fail('pkg-config cannot find libsecret-1.\n  Debian/Ubuntu: sudo apt-get install libsecret-1-dev pkg-config build-essential python3')
  }
}
try {
  gypRebuild(dir, 'keytar')
} catch (err) {
  fail(`node-gyp rebuild failed (${err.message})`)
}
const addon = path.join(dir, 'build', 'Release', 'keytar.node')
if (!fs.existsSync(addon)) fail(`${addon} missing after build`)
console.log(`[keytar] built ${addon}`)

function fail (msg) {
  console.error(`[keytar] ${msg}`)
  process.exit(1)
}
