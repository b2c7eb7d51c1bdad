// Replacing a small state file atomically: write a temp file next to it, rename it over the file,
// so a crash or a full disk leaves the old or the new content, never a torn one; `durable` also
// fsyncs the temp file and the folder (a power loss keeps the new content). It does not decide
// what goes in the file nor when it is written (its callers do).
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How a file is replaced. */
export interface ReplaceOptions {
  /** fsync the new content and the folder entry before resolving (default true). */
  durable?: boolean;
}

/** Replaces `target` with `data` atomically (mode 0600). Errors: disk errors (ENOSPC …); the old file stays. */
export async function replaceFile(target: string, data: string | Uint8Array, { durable = true }: ReplaceOptions = {}): Promise<void> {
  const temp = tempNameOf(target);
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }); // a full disk leaves no half-written temp file behind
    throw error;
  }
  if (durable) await syncFolder(dirname(target));
}

/** replaceFile, durable, blocking the event loop (for a rare write that must be done before the caller returns). */
export function replaceFileSync(target: string, data: string | Uint8Array): void {
  const temp = tempNameOf(target);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
    const folder = openSync(dirname(target), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** fsyncs a folder, so a rename or a new entry in it survives a power loss. */
export async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether `name` (a file name in the target's folder) is a temp file of a replace of `target`'s name cut short by a crash. */
export function isTornReplace(name: string, targetName: string): boolean {
  return name.startsWith(`${targetName}.`) && name.endsWith('.tmp');
}

function tempNameOf(target: string): string {
  return `${target}.${randomBytes(4).toString('hex')}.tmp`;
}
