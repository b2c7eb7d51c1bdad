#!/usr/bin/env node
// Bundles the React renderer with esbuild into a static dist/renderer/: index.html (no inline
// script or style, so the window's CSP `default-src 'self'` holds), app.js and app.css; the page
// works on the app's app://wsfs origin and from file:// (the UI tests) because app.js is a classic script.
// Type-checking is not done here: `tsc -b` checks src/renderer through its own tsconfig.
// Runs from `npm run build`, `prepare` and `pretest`; `--watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/renderer');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const options = {
  absWorkingDir: root,
  entryPoints: { app: 'src/renderer/main.tsx' },
  outdir,
  bundle: true,
  // A classic script (not a module): Chromium refuses module scripts from file://, where the UI tests load it.
  format: 'iife',
  platform: 'browser',
  target: ['chrome130'],
  jsx: 'automatic',
  minify: !watch,
  sourcemap: true,
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': JSON.stringify(watch ? 'development' : 'production') },
  logLevel: 'warning',
};

await mkdir(outdir, { recursive: true });
await copyFile(join(root, 'src/renderer/index.html'), join(outdir, 'index.html'));
if (watch) {
  const ctx = await context(options);
  await ctx.watch();
  console.log('[renderer] watching src/renderer for changes');
} else {
  await build(options);
}
