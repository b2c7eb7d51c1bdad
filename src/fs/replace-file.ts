// Replacing a small state file atomically: write a temp file next to it, fsync, rename over it,
// so a crash or a full disk leaves the old or the new content, never a torn one. It does not
// decide what goes in the file nor when it is written (its callers do).
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';

/** Replaces `target` with `data` atomically (mode 0600). Errors: disk errors (ENOSPC …); the old file stays. */
export async function replaceFile(target: string, data: string | Uint8Array): Promise<void> {
  const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
