// The real free-space probe of the content cache's minimum-free guard: bytes available to this
// user on the file system holding a folder. Injected into ContentCache so tests can stand in
// for a nearly full disk; it does not decide what to do about low space.
import { statfs } from 'node:fs/promises';

/** Bytes available to unprivileged writers on the file system of `dir`. Errors: Node errors (ENOENT …). */
export async function diskFree(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}
