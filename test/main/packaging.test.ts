// The packaging configuration points at real things: electron-builder.yml's main is package.json's
// main and exists once built; the renderer page, preload and engine entry it ships exist; native
// addons are unpacked from the asar; the deb declares libfuse2; every tray icon (4 states, colour
// and macOS template, 1x and @2x) and the app icon are PNGs of the right size.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { ENGINE_ENTRY } from '../../src/main/supervisor/engine-spawner';

const ROOT = resolve(__dirname, '../../..');

interface BuilderConfig {
  appId: string;
  extraMetadata: { main: string };
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  linux: { target: string[]; icon: string };
  deb: { depends: string[] };
  mac: { target: string; icon: string; extendInfo: Record<string, unknown> };
  dmg: { contents: Array<{ path?: string }> };
}

/** Width and height from a PNG's IHDR chunk (throws if it is not a PNG). */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${path} is not a PNG`);
  assert.equal(bytes.subarray(12, 16).toString('ascii'), 'IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('packaging', () => {
  const config = load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

  it('starts the compiled main process, which exists with the page, preload and engine it loads', () => {
    assert.equal(config.extraMetadata.main, pkg.main);
    assert.equal(pkg.main, 'dist/src/main/index.js');
    for (const file of [pkg.main, 'dist/src/preload/index.js', 'dist/renderer/index.html']) assert.ok(existsSync(join(ROOT, file)), `${file} missing (run npm run build)`);
    assert.ok(existsSync(ENGINE_ENTRY), `${ENGINE_ENTRY} missing`);
    assert.equal(ENGINE_ENTRY, join(ROOT, 'dist/src/fs/host/engine-main.js'));
    assert.match(pkg.scripts['start'] ?? '', /npm run build && electron \./);
    assert.ok(config.files.includes('dist/renderer/**') && config.files.includes('assets/icons/**'));
  });

  it('unpacks the native addons, does not rebuild them, and declares FUSE', () => {
    assert.ok(config.asarUnpack.includes('node_modules/fuse-native/**'));
    assert.ok(config.asarUnpack.includes('node_modules/keytar/**'));
    assert.equal(config.npmRebuild, false);
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.ok(config.deb.depends.some((d) => /^libfuse2\b/.test(d)));
    assert.equal(config.mac.target, 'dmg');
    assert.equal(config.mac.extendInfo['LSUIElement'], true);
    const note = config.dmg.contents.find((c) => c.path?.includes('macFUSE'));
    assert.ok(note?.path !== undefined && /macfuse/i.test(readFileSync(join(ROOT, note.path), 'utf8')));
  });

  it('has every tray icon and the app icon at the right sizes', () => {
    for (const state of ['idle', 'mounted', 'busy', 'problem']) {
      for (const variant of ['', 'Template']) {
        assert.deepEqual(pngSize(join(ROOT, 'assets/icons', `tray-${state}${variant}.png`)), [16, 16]);
        assert.deepEqual(pngSize(join(ROOT, 'assets/icons', `tray-${state}${variant}@2x.png`)), [32, 32]);
      }
    }
    assert.deepEqual(pngSize(join(ROOT, config.linux.icon)), [1024, 1024]);
    assert.deepEqual(pngSize(join(ROOT, 'assets/icons/icon-512.png')), [512, 512]);
  });
});
