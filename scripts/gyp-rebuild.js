'use strict'
// Runs `node-gyp rebuild` in an addon's folder without downloading anything: npm's bundled
// node-gyp when run from an npm script (else one on PATH), and a configured nodedir or the headers
// next to this Node. Shared by the install-time builds of fuse-native and keytar (both N-API).

const { execFileSync } = require('child_process')
const fs = require('fs')
const path = require('path')

/** Rebuilds the addon in `dir`; throws if node-gyp fails. `label` prefixes the log lines. */
function gypRebuild (dir, label) {
  const gyp = process.env.npm_config_node_gyp
  const cmd = gyp ? process.execPath : 'node-gyp'
  const args = gyp ? [gyp, 'rebuild'] : ['rebuild']
  // N-API addon: any Node >= 12 headers will do. Use a configured nodedir, else the headers that sit next
  // to this Node (/usr/include/node, Homebrew, official tarballs), so nothing is downloaded.
  if (!process.env.npm_config_nodedir) {
    const prefix = path.resolve(process.execPath, '..', '..')
    if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`)
  }
  console.log(`[${label}] building from source in ${dir}`)
  execFileSync(cmd, args, { cwd: dir, stdio: 'inherit' })
}

module.exports = { gypRebuild }
