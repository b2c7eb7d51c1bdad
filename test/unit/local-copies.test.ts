// LocalCopies: one download per version shared by concurrent callers, a failed download leaves
// nothing behind, adopt installs a file as a version, and a newer version replaces the older file.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalCopies } from '../../src/fs/content/local-copies';
import { removeFolder, tempFolder } from '../support/remote-fixture';

describe('LocalCopies', () => {
  let dir: string;
  before(async () => {
    dir = await tempFolder('copies');
  });
  after(() => removeFolder(dir));

  it('shares one download between concurrent callers and serves it afterwards', async () => {
    const copies = new LocalCopies(join(dir, 'a'));
    let downloads = 0;
    const download = async (target: string): Promise<void> => {
      downloads++;
      await writeFile(target, 'bytes');
    };
    const v1 = { objectId: 7, modifiedAt: 100, size: 5, format: 'RAW' as const };
    const [x, y] = await Promise.all([copies.fetch(v1, download), copies.fetch(v1, download)]);
    assert.equal(downloads, 1);
    assert.equal(x.file, y.file);
    assert.equal(x.size, 5);
    assert.deepEqual(copies.get(v1), x);
    await copies.fetch(v1, download);
    assert.equal(downloads, 1);
  });

  it('leaves nothing after a failed download; a newer version replaces the older file', async () => {
    const folder = join(dir, 'b');
    const copies = new LocalCopies(folder);
    const v1 = { objectId: 8, modifiedAt: 100, format: 'SOURCE' as const };
    await assert.rejects(
      copies.fetch(v1, async (target) => {
        await writeFile(target, 'partial');
        throw new Error('broken');
      }),
      /broken/,
    );
    assert.deepEqual(await readdir(folder), []);
    const old = await copies.fetch(v1, (target) => writeFile(target, 'one'));
    const staged = join(dir, 'staged');
    await writeFile(staged, 'two!');
    const v2 = { ...v1, modifiedAt: 200 };
    const adopted = await copies.adopt(v2, staged);
    assert.equal(await readFile(adopted.file, 'utf8'), 'two!');
    assert.equal(copies.get(v1), undefined);
    assert.equal(copies.get(v2)?.size, 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(existsSync(old.file), false);
  });
});
