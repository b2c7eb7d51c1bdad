// The inode numbers the mount reports (docs/semantics.md, "inode"): a remote object's is its
// workspace object id, the mount root's is 1, and files that have no object id yet (created here,
// not read back) or never get one (local-only clutter) take numbers from ranges above 2^63 that no
// int64 object id reaches. It does not allocate provisional ids (WorkspaceFs counts them) and does
// not decide which entry is provisional beyond the id range below.

/**
 * Engine-internal object ids of provisional entries start here: workspaces hand out ids below
 * 2^52 (they are sent as JSON numbers, exact in JavaScript only up to 2^53).
 */
export const PROVISIONAL_ID_BASE = 2 ** 52;
/** The inode number of the mount root (and of a folder known only from its own listing). */
export const ROOT_INO = 1;
/** Provisional ids map to [2^63, 2^63 + 2^52). */
const PROVISIONAL_INO_BASE = 1n << 63n;
/** Local-only files map to [3 * 2^62, 2^64): their local inode number modulo 2^62. */
const LOCAL_ONLY_INO_BASE = 3n << 62n;
const LOCAL_ONLY_INO_SPAN = 1n << 62n;

/** Whether `objectId` is an engine-internal provisional id (a file not read back from the workspace yet). */
export function isProvisionalId(objectId: number): boolean {
  return objectId >= PROVISIONAL_ID_BASE;
}

/**
 * The inode number of a remote entry (or of a provisional one) by its object id: the id itself
 * (exact below 2^53), a bigint in the provisional range for provisional ids, undefined for none (0).
 */
export function inodeOfObject(objectId: number): number | bigint | undefined {
  if (!(objectId > 0) || !Number.isInteger(objectId)) return undefined;
  if (isProvisionalId(objectId) && Number.isSafeInteger(objectId)) return PROVISIONAL_INO_BASE + BigInt(objectId - PROVISIONAL_ID_BASE);
  return objectId;
}

/** The inode number of a folder: its object id, or the root's number when it has none (the root). */
export function inodeOfFolder(objectId: number): number | bigint {
  return inodeOfObject(objectId) ?? ROOT_INO;
}

/** The inode number of a local-only file (kept on local disk) from its local inode number. */
export function inodeOfLocalOnly(localIno: number | bigint): bigint {
  return LOCAL_ONLY_INO_BASE + (BigInt(localIno) % LOCAL_ONLY_INO_SPAN);
}
