// The inode numbers the mount reports: object ids as they are, the root 1, provisional ids,
// path-hash numbers (entries without a usable id) and local-only files in disjoint ranges above
// the ids workspaces hand out (below 2^52), all exact as JavaScript numbers (stat().ino is a double).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inodeOfEntry, inodeOfLocalOnly, isProvisionalId, PATH_HASH_BASE, PROVISIONAL_ID_BASE, ROOT_INO } from '../../src/fs/inode-numbers';

it('reports object ids unchanged and the root without an id as 1', () => {
  assert.equal(inodeOfEntry(1_000_000_000_042, '/a'), 1_000_000_000_042);
  assert.equal(inodeOfEntry(4_363_185_416_588_232, '/a'), 4_363_185_416_588_232, 'a 16-digit id of a real workspace is exact');
  assert.equal(inodeOfEntry(0, '/Users/me', true), ROOT_INO);
  assert.equal(ROOT_INO, 1);
  assert.equal(inodeOfEntry(77, '/Users/me', true), 77);
});

it('never reports 0 or 1 for an entry other than the root: a stable hash of its workspace path, in a range of its own', () => {
  for (const id of [0, 1, -1, 2 ** 60]) {
    const ino = inodeOfEntry(id, '/Users/me/no-id');
    assert.ok(ino >= PATH_HASH_BASE && ino < 2 ** 53 - 2 ** 40, `id ${id} -> ${ino}`);
    assert.ok(Number.isSafeInteger(ino));
    assert.equal(ino, inodeOfEntry(0, '/Users/me/no-id'), 'stable: the same path gives the same number');
  }
  assert.notEqual(inodeOfEntry(0, '/Users/me/a'), inodeOfEntry(0, '/Users/me/b'));
  assert.ok(PATH_HASH_BASE > PROVISIONAL_ID_BASE + 2 ** 50, 'far above the provisional ids handed out');
});

it('keeps provisional ids above the object ids, distinct and exact', () => {
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE - 1), false);
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE), true);
  const first = inodeOfEntry(PROVISIONAL_ID_BASE, '/a');
  const second = inodeOfEntry(PROVISIONAL_ID_BASE + 1, '/a');
  assert.equal(second - first, 1);
  assert.ok(Number.isSafeInteger(second));
});

it('maps local-only files into a range of their own, below 2^53', () => {
  const local = inodeOfLocalOnly(12345);
  assert.ok(local > PROVISIONAL_ID_BASE + 2 ** 51, 'far above the provisional ids and path-hash numbers');
  assert.ok(local > inodeOfEntry(0, '/x'));
  assert.ok(Number.isSafeInteger(inodeOfLocalOnly(2 ** 53 - 1)));
  assert.notEqual(inodeOfLocalOnly(1), inodeOfLocalOnly(2));
});
