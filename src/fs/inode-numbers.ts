// The inode numbers the mount reports (docs/semantics.md, "inode"): a remote object's is its
// workspace object id, the mount root's is 1, files created here get provisional ids from
// [2^52, 2^53 - 2^40) and local-only clutter numbers from [2^53 - 2^40, 2^53): above the ids
// workspaces hand out, and exact as a JavaScript number (Node's `stat().ino` is a double). It does
// not allocate provisional ids (inode-aliases.ts does) nor decide which entry is provisional.

/**
 * Engine-internal ids of provisional entries start here: workspaces hand out object ids below 2^52
 * (16 digits; they travel as JSON numbers, exact in JavaScript only up to 2^53).
 */
export const PROVISIONAL_ID_BASE = 2 ** 52;
/** The inode number of the mount root (and of a folder known only from its own listing). */
export const ROOT_INO = 1;
/** Local-only files take the top 2^40 numbers below 2^53. */
const LOCAL_ONLY_SPAN = 2 ** 40;
const LOCAL_ONLY_BASE = 2 ** 53 - LOCAL_ONLY_SPAN;

/** Whether `objectId` is an engine-internal provisional id (a file created here). */
export function isProvisionalId(objectId: number): boolean {
  return objectId >= PROVISIONAL_ID_BASE;
}

/** The inode number of a file by its object id (or provisional id): the id itself; undefined for none (0). */
export function inodeOfObject(objectId: number): number | undefined {
  return objectId > 0 && Number.isSafeInteger(objectId) ? objectId : undefined;
}

/** The inode number of a folder: its object id, or the root's number when it has none (the root). */
export function inodeOfFolder(objectId: number): number {
  return inodeOfObject(objectId) ?? ROOT_INO;
}

/** The inode number of a local-only file (kept on local disk) from its local inode number. */
export function inodeOfLocalOnly(localIno: number): number {
  return LOCAL_ONLY_BASE + (localIno % LOCAL_ONLY_SPAN);
}
