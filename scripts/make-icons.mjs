#!/usr/bin/env node
// Draws the app's icons as PNGs into assets/icons/ (checked in; rerun after changing a shape):
// tray icons per state (idle, mounted, busy, problem) at 16 px and @2x, as colour images for Linux
// and Windows and as black-and-alpha `…Template` images for the macOS menu bar; and the app icon
// (1024 px, plus 512 and 256) for electron-builder. Shapes are predicates on the unit square,
// rasterised with 4×4 supersampling; the PNG encoder is node:zlib. No dependencies.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons');
mkdirSync(out, { recursive: true });

// ---- PNG ------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

// ---- Shapes (unit square, y down) ------------------------------------------------------------
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const union = (...shapes) => (x, y) => shapes.some((s) => s(x, y));
const minus = (a, b) => (x, y) => a(x, y) && !b(x, y);
const polygon = (points) => (x, y) => {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};

/** Layers: [shape, [r, g, b, a]] painted in order. */
function render(size, layers) {
  const ss = 4;
  const rgba = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) / size;
          const y = (py + (sy + 0.5) / ss) / size;
          let c = [0, 0, 0, 0];
          for (const [shape, colour] of layers) if (shape(x, y)) c = colour;
          r += c[0] * c[3];
          g += c[1] * c[3];
          b += c[2] * c[3];
          a += c[3];
        }
      }
      const i = (py * size + px) * 4;
      rgba[i] = a === 0 ? 0 : Math.round(r / a);
      rgba[i + 1] = a === 0 ? 0 : Math.round(g / a);
      rgba[i + 2] = a === 0 ? 0 : Math.round(b / a);
      rgba[i + 3] = Math.round(a / (ss * ss));
    }
  }
  return rgba;
}

// The folder: a tab and a body.
const folder = union(roundRect(0.06, 0.16, 0.46, 0.36, 0.06), roundRect(0.06, 0.26, 0.94, 0.86, 0.08));
const folderHole = union(roundRect(0.15, 0.36, 0.85, 0.77, 0.03));
const badgeArea = circle(0.78, 0.74, 0.26);
const badge = circle(0.78, 0.74, 0.2);
const arrow = polygon([[0.78, 0.6], [0.9, 0.74], [0.82, 0.74], [0.82, 0.86], [0.74, 0.86], [0.74, 0.74], [0.66, 0.74]]);
const bang = union(roundRect(0.755, 0.6, 0.805, 0.78, 0.02), circle(0.78, 0.84, 0.03));
const check = polygon([[0.66, 0.74], [0.7, 0.7], [0.76, 0.76], [0.88, 0.63], [0.92, 0.67], [0.76, 0.84]]);

const CLEAR = [0, 0, 0, 0];
const INK = [0, 0, 0, 255];
const GREY = [110, 118, 129, 255];
const BLUE = [37, 99, 235, 255];
const GREEN = [22, 163, 74, 255];
const ORANGE = [234, 88, 12, 255];
const WHITE = [255, 255, 255, 255];

/** Tray layers per state: colour for Linux/Windows, black-only for the macOS template. */
function trayLayers(state, template) {
  const body = template ? INK : state === 'idle' ? GREY : [55, 65, 81, 255];
  const base = state === 'idle' ? [[minus(folder, folderHole), body]] : [[folder, body]];
  if (state === 'idle') return base;
  const [mark, colour] = state === 'mounted' ? [check, GREEN] : state === 'busy' ? [arrow, BLUE] : [bang, ORANGE];
  if (template) return [[minus(folder, badgeArea), INK], [minus(badge, mark), INK]];
  return [...base, [badgeArea, CLEAR], [badge, colour], [mark, WHITE]];
}

for (const state of ['idle', 'mounted', 'busy', 'problem']) {
  for (const [suffix, size] of [['', 16], ['@2x', 32]]) {
    writeFileSync(join(out, `tray-${state}${suffix}.png`), png(size, render(size, trayLayers(state, false))));
    writeFileSync(join(out, `tray-${state}Template${suffix}.png`), png(size, render(size, trayLayers(state, true))));
  }
}

// App icon: a rounded square in the brand orange with a white folder holding stacked layers
// (the workspace's tree, as files).
const ORANGE_BG = [255, 84, 47, 255];
const layer = (cy) => polygon([[0.5, cy - 0.07], [0.68, cy], [0.5, cy + 0.07], [0.32, cy]]);
const layerGap = (cy) => polygon([[0.5, cy - 0.035], [0.74, cy + 0.06], [0.5, cy + 0.155], [0.26, cy + 0.06]]);
const appLayers = [
  [roundRect(0.06, 0.06, 0.94, 0.94, 0.2), ORANGE_BG],
  [roundRect(0.17, 0.24, 0.47, 0.36, 0.04), WHITE],
  [roundRect(0.17, 0.3, 0.83, 0.8, 0.06), WHITE],
  [layer(0.64), ORANGE_BG],
  [layerGap(0.5), WHITE],
  [layer(0.55), ORANGE_BG],
  [layerGap(0.41), WHITE],
  [layer(0.46), ORANGE_BG],
];
for (const size of [1024, 512, 256]) writeFileSync(join(out, size === 1024 ? 'icon.png' : `icon-${size}.png`), png(size, render(size, appLayers)));
console.log(`[icons] wrote ${out}`);
