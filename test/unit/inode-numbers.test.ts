// The inode numbers the mount reports: object ids as they are (exact up to 2^53), the root 1,
// provisional ids and local-only files in disjoint ranges above 2^63 that no int64 object id
// reaches, and a one-to-one mapping within each range.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { inodeOfFolder, inodeOfLocalOnly, inodeOfObject, isProvisionalId, PROVISIONAL_ID_BASE, ROOT_INO } from '../../src/fs/inode-numbers';

const INT64_MAX = (1n << 63n) - 1n;

it('reports object ids unchanged and the root as 1', () => {
  assert.equal(inodeOfObject(1_000_000_000_042), 1_000_000_000_042);
  assert.equal(inodeOfObject(4_363_185_416_588_232), 4_363_185_416_588_232, 'a 16-digit id of a real workspace is exact');
  assert.equal(inodeOfObject(0), undefined);
  assert.equal(inodeOfFolder(0), ROOT_INO);
  assert.equal(ROOT_INO, 1);
  assert.equal(inodeOfFolder(77), 77);
});

it('maps provisional ids above every int64 object id, one to one', () => {
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE - 1), false);
  assert.equal(isProvisionalId(PROVISIONAL_ID_BASE), true);
  const first = inodeOfObject(PROVISIONAL_ID_BASE);
  const second = inodeOfObject(PROVISIONAL_ID_BASE + 1);
  assert.equal(typeof first, 'bigint');
  assert.ok((first as bigint) > INT64_MAX && (second as bigint) > INT64_MAX);
  assert.notEqual(first, second);
  assert.equal((second as bigint) - (first as bigint), 1n);
});

it('maps local-only files into a range of their own', () => {
  const highestProvisional = inodeOfObject(Number.MAX_SAFE_INTEGER) as bigint;
  const local = inodeOfLocalOnly(12345);
  assert.ok(local > highestProvisional, 'above every provisional number');
  assert.ok(local < 1n << 64n);
  assert.notEqual(inodeOfLocalOnly(1), inodeOfLocalOnly(2));
  assert.ok(inodeOfLocalOnly((1n << 64n) - 1n) < 1n << 64n);
});
