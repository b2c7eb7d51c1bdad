// The default content cache folder per platform: XDG_CACHE_HOME (absolute only) or ~/.cache on
// Linux, ~/Library/Caches on macOS, always under wsfs/<mount id>.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCacheDir, mountIdOf } from '../../src/fs/cache/cache-location';

describe('defaultCacheDir', () => {
  it('follows the platform conventions', () => {
    const id = mountIdOf('/home/me/databricks');
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.notEqual(mountIdOf('/home/me/other'), id);
    assert.equal(defaultCacheDir(id, { platform: 'linux', home: '/home/me' }), `/home/me/.cache/wsfs/${id}`);
    assert.equal(defaultCacheDir(id, { platform: 'linux', home: '/home/me', xdgCacheHome: '/var/cache/me' }), `/var/cache/me/wsfs/${id}`);
    assert.equal(defaultCacheDir(id, { platform: 'linux', home: '/home/me', xdgCacheHome: 'relative' }), `/home/me/.cache/wsfs/${id}`, 'a relative XDG path is ignored (XDG spec)');
    assert.equal(defaultCacheDir(id, { platform: 'darwin', home: '/Users/me' }), `/Users/me/Library/Caches/wsfs/${id}`);
  });
});
