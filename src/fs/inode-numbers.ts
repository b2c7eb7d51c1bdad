// The inode numbers the mount reports (docs/semantics.md, "inode"): a remote object's is its
// workspace object id, the mount root's is 1; files created here get provisional ids from
// [2^52, 1.5 * 2^52), entries without a usable object id a hash of their workspace path from
// [1.5 * 2^52, 2^53 - 2^40), local-only clutter numbers from [2^53 - 2^40, 2^53): all exact as
// JavaScript numbers. It does not allocate provisional ids (inode-aliases.ts) nor decide which entry is provisional.
import { createHash } from 'node:crypto';

/**
 * Engine-internal ids of provisional entries start here: workspaces hand out object ids below 2^52
 * (16 digits; they travel as JSON numbers, exact in JavaScript only up to 2^53).
 */
export const PROVISIONAL_ID_BASE = 2 ** 52;
/** Provisional ids end below this; path-hash numbers start here. */
export const PATH_HASH_BASE = 1.5 * 2 ** 52;
/** The inode number of the mount root when it has no object id. */
export const ROOT_INO = 1;
/** Local-only files take the top 2^40 numbers below 2^53. */
const LOCAL_ONLY_SPAN = 2 ** 40;
const LOCAL_ONLY_BASE = 2 ** 53 - LOCAL_ONLY_SPAN;
const PATH_HASH_SPAN = LOCAL_ONLY_BASE - PATH_HASH_BASE;

/** Whether `objectId` is an engine-internal provisional id (a file created here). */
export function isProvisionalId(objectId: number): boolean {
  return objectId >= PROVISIONAL_ID_BASE;
}

/**
 * The inode number of the entry with object id (or provisional id) `objectId` at workspace path
 * `remotePath`: the id itself, or for an entry without a usable id (0, or 1 = the root's number) a
 * stable hash of its path. `root`: the mount root, which shows 1 when it has no id.
 */
export function inodeOfEntry(objectId: number, remotePath: string, root = false): number {
  if (objectId > ROOT_INO && Number.isSafeInteger(objectId)) return objectId;
  if (root) return ROOT_INO;
  const digest = createHash('sha256').update(remotePath).digest();
  return PATH_HASH_BASE + (digest.readUIntBE(0, 6) % PATH_HASH_SPAN);
}

/** The inode number of a local-only file (kept on local disk) from its local inode number. */
export function inodeOfLocalOnly(localIno: number): number {
  return LOCAL_ONLY_BASE + (localIno % LOCAL_ONLY_SPAN);
}
