// The app:// origin serves only files of the bundled renderer, with their content types: no path
// traversal (plain or percent-encoded), no other host or scheme, no unknown file kinds.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { APP_PAGE_URL, rendererFile } from '../../src/main/renderer-files';

const RENDERER = resolve(__dirname, '../../renderer');

describe('renderer files on app://wsfs', () => {
  it('maps the page and its assets into dist/renderer', () => {
    assert.deepEqual(rendererFile(RENDERER, APP_PAGE_URL), { path: join(RENDERER, 'index.html'), type: 'text/html; charset=utf-8' });
    assert.deepEqual(rendererFile(RENDERER, 'app://wsfs/'), { path: join(RENDERER, 'index.html'), type: 'text/html; charset=utf-8' });
    assert.deepEqual(rendererFile(RENDERER, 'app://wsfs/app.js?v=1#x'), { path: join(RENDERER, 'app.js'), type: 'text/javascript; charset=utf-8' });
    for (const file of ['index.html', 'app.js', 'app.css']) assert.ok(existsSync(join(RENDERER, file)), `${file} is not built`);
  });

  it('refuses everything else', () => {
    // URL parsing removes dot segments first, so this stays inside dist/renderer (and does not exist there).
    assert.equal(rendererFile(RENDERER, 'app://wsfs/../../src/main/index.js')?.path, join(RENDERER, 'src/main/index.js'));
    for (const url of [
      'app://wsfs/../package.json',
      'app://wsfs/%2e%2e/%2e%2e/package.json',
      'app://wsfs/..%2fsrc%2fmain%2findex.js',
      'app://wsfs/index.html%00.png',
      'app://other/index.html',
      'file:///etc/passwd',
      'https://wsfs/index.html',
      'app://wsfs/secret.key',
      'app://wsfs/%E0%A4%A',
      'not a url',
    ]) {
      assert.equal(rendererFile(RENDERER, url), undefined, url);
    }
  });
});
