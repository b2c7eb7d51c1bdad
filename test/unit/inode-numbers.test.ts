// The inode numbers the mount reports: object ids as they are, the root 1, provisional ids and
// local-only files in disjoint ranges above the ids workspaces hand out (below 2^52), all exact as
// JavaScript numbers (Node's stat().ino is a double).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inodeOfFolder, inodeOfLocalOnly, inodeOfObject, isProvisionalId, PROVISIONAL_ID_BASE, ROOT_INO } from '../../src/fs/inode-numbers';

it('reports object ids unchanged and the root as 1', () => {
  assert.equal(inodeOfObject(1_000_000_000_042), 1_000_000_000_042);
  assert.equal(inodeOfObject(4_363_185_416_588_232), 4_363_185_416_588_232, 'a 16-digit id of a real workspace is exact');
  assert.equal(inodeOfObject(0), undefined);
  assert.equal(inodeOfFolder(0), ROOT_INO);
  assert.equal(ROOT_INO, 1);
  assert.equal(inodeOfFolder(77), 77);
});

it('keeps provisional ids above the object ids, distinct and exact', () => {
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE - 1), false);
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE), true);
  const first = inodeOfObject(PROVISIONAL_ID_BASE)!;
  const second = inodeOfObject(PROVISIONAL_ID_BASE + 1)!;
  assert.equal(second - first, 1);
  assert.ok(Number.isSafeInteger(second));
});

it('maps local-only files into a range of their own, below 2^53', () => {
  const local = inodeOfLocalOnly(12345);
  assert.ok(local > PROVISIONAL_ID_BASE + 2 ** 51, 'far above the provisional ids handed out');
  assert.ok(Number.isSafeInteger(inodeOfLocalOnly(2 ** 53 - 1)));
  assert.notEqual(inodeOfLocalOnly(1), inodeOfLocalOnly(2));
});
