// The window's security settings as main applies them: the BrowserWindow options (context
// isolation, sandbox, no Node integration anywhere, no webview, DevTools only when asked), the CSP
// every app:// response carries and the one the built page declares (nothing inline, nothing
// remote), and the request filter (only the app's own origin).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { APP_PAGE_URL } from '../../src/main/renderer-files';
import { CONTENT_SECURITY_POLICY, requestAllowed, SECURITY_HEADERS, windowOptions } from '../../src/main/window-security';

const RENDERER = resolve(__dirname, '../../renderer');

/** Directive name -> its sources. */
function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '') out.set(name, sources);
  }
  return out;
}

describe('window security', () => {
  it('builds window options with isolation, sandbox and no Node in any page', () => {
    const options = windowOptions({ preloadPath: '/app/dist/src/preload/index.js', iconPath: '/app/assets/icons/icon-512.png', devTools: false });
    assert.equal(options.show, false, 'shown on ready-to-show, not before');
    assert.deepEqual(options.webPreferences, {
      preload: '/app/dist/src/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
    });
    assert.equal(windowOptions({ preloadPath: 'p', iconPath: 'i', devTools: true }).webPreferences?.devTools, true);
  });

  it('defines the headers the app protocol sends: a strict CSP and nosniff', () => {
    assert.equal(SECURITY_HEADERS['Content-Security-Policy'], CONTENT_SECURITY_POLICY);
    assert.equal(SECURITY_HEADERS['X-Content-Type-Options'], 'nosniff');
    const policy = directives(SECURITY_HEADERS['Content-Security-Policy']!);
    assert.deepEqual(policy.get('default-src'), ["'self'"]);
    assert.deepEqual(policy.get('script-src'), ["'self'"]);
    assert.deepEqual(policy.get('style-src'), ["'self'"]);
    for (const name of ['object-src', 'base-uri', 'form-action', 'frame-ancestors']) assert.deepEqual(policy.get(name), ["'none'"], name);
    for (const [name, sources] of policy) {
      for (const source of sources) assert.match(source, /^('self'|'none'|data:)$/, `${name} allows ${source}`);
    }
  });

  it('the built page declares a CSP no looser than the header', () => {
    const html = readFileSync(resolve(RENDERER, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    assert.ok(meta !== undefined, 'index.html declares no CSP');
    const header = directives(CONTENT_SECURITY_POLICY);
    const page = directives(meta);
    assert.deepEqual(page.get('default-src'), ["'self'"]);
    for (const [name, sources] of page) assert.deepEqual(sources, header.get(name), `${name} differs from the header's`);
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'an inline script');
    assert.doesNotMatch(html, /<style|\sstyle=/, 'an inline style');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'remote content');
  });

  it('lets a page load only the app origin (and DevTools only while allowed)', () => {
    assert.ok(requestAllowed(APP_PAGE_URL, false));
    assert.ok(requestAllowed('app://wsfs/app.js', false));
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://wsfs.evil.example/', 'app://other/index.html', 'data:text/html,hi', 'devtools://devtools/bundled/x.html']) {
      assert.equal(requestAllowed(url, false), false, url);
    }
    assert.ok(requestAllowed('devtools://devtools/bundled/x.html', true));
  });
});
