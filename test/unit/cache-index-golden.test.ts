// Golden test of the content cache's on-disk format (test/fixtures/content-cache-v1, checked in):
// the writer produces exactly the fixture's bytes for its records, and a cache opened on a copy
// of the fixture serves both versions with no download. A change of the format must bump
// CACHE_INDEX_VERSION and add a new fixture, not edit this one.
import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CACHE_INDEX_VERSION, parseCacheIndex, serializeCacheIndex } from '../../src/fs/cache/cache-index';
import { ContentCache } from '../../src/fs/cache/content-cache';
import { silentLogger } from '../../src/fs/logger';
import { removeFolder, tempFolder } from '../support/remote-fixture';

const FIXTURE = resolve(__dirname, '../../../test/fixtures/content-cache-v1');

describe('content cache on-disk format, version 1 (golden)', () => {
  let dir: string;
  before(async () => {
    dir = await tempFolder('cache-golden');
  });
  after(() => removeFolder(dir));

  it('reads the fixture and writes it back byte for byte', async () => {
    const text = await readFile(join(FIXTURE, 'index.json'), 'utf8');
    const index = parseCacheIndex(text);
    assert.equal(CACHE_INDEX_VERSION, 1);
    assert.deepEqual(
      index.records.map((r) => [r.objectId, r.modifiedAt, r.size, r.format, r.bytes]),
      [
        [1002, 1700000001000, undefined, 'SOURCE', 38],
        [1001, 1700000000000, 12, 'RAW', 12],
      ],
    );
    assert.equal(serializeCacheIndex(index), text);
  });

  it('refuses other versions and malformed records with a message naming the problem', () => {
    const text = (changes: Record<string, unknown>): string => JSON.stringify({ format: 'wsfs-content-cache', version: 1, workspace: 'w', records: [], ...changes });
    assert.throws(() => parseCacheIndex(text({ version: 2 })), /index version 2, this engine reads 1/);
    assert.throws(() => parseCacheIndex(text({ format: 'other' })), /not a wsfs-content-cache index/);
    assert.throws(() => parseCacheIndex(text({ records: [{ objectId: 1, modifiedAt: 2, format: 'RAW', file: '../etc/passwd', bytes: 1, sha256: 'a'.repeat(64), lastUsed: 1 }] })), /bad file name/);
  });

  it('serves the fixture versions with no download (and verifies their checksums)', async () => {
    const copy = join(dir, 'cache');
    await cp(FIXTURE, copy, { recursive: true });
    const cache = new ContentCache({
      dir: copy,
      transientDir: join(dir, 'transient'),
      workspace: 'https://example.cloud.databricks.com',
      enabled: true,
      minFreeBytes: 0,
      now: () => 1700000300000,
      logger: silentLogger(),
    });
    const refuse = (): Promise<never> => Promise.reject(new Error('no download expected'));
    const raw = await cache.acquire({ objectId: 1001, modifiedAt: 1700000000000, size: 12, format: 'RAW' }, refuse);
    assert.equal(await readFile(raw.file, 'utf8'), 'hello world\n');
    raw.release();
    const notebook = await cache.acquire({ objectId: 1002, modifiedAt: 1700000001000, format: 'SOURCE' }, refuse);
    assert.equal(await readFile(notebook.file, 'utf8'), '# Databricks notebook source\nprint(1)\n');
    notebook.release();
    assert.deepEqual([cache.usage().hits, cache.usage().misses, cache.usage().files, cache.usage().bytesUsed], [2, 0, 2, 50]);
  });
});
