// The byte sizes the CLI (`wsfs status`) and the cache's messages print: 1024-based units with
// one decimal, plain bytes below 1 KiB.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatByteSize } from '../../src/shared/cache-usage';

describe('formatByteSize', () => {
  it('prints bytes below 1 KiB as they are and larger sizes in 1024-based units', () => {
    assert.equal(formatByteSize(0), '0 B');
    assert.equal(formatByteSize(1023), '1023 B');
    assert.equal(formatByteSize(1536), '1.5 KiB');
    assert.equal(formatByteSize(512 * 1024 ** 2), '512.0 MiB');
    assert.equal(formatByteSize(5 * 1024 ** 3), '5.0 GiB');
    assert.equal(formatByteSize(3 * 1024 ** 5), '3072.0 TiB');
  });
});
