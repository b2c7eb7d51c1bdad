// The checks a front end runs before it starts an engine, so the common mistakes fail at once with
// their fix: the same checks the engine's mount session runs (src/fs/fuse/mount-checks.ts), with
// their MountError turned into the host's EngineError codes. Also the lazy unmount of `wsfs unmount`.
// It does not clear a stale mount: the new engine's mount session does.
import { checkFuseAvailable, checkMountPoint as checkMountPointOf, isStaleMount, MountError, run, type MountProblemReason } from '../fuse/mount-checks';
import { EngineError } from './engine-host';

export { isMountPoint } from '../fuse/mount-checks';

const CODES: Record<MountProblemReason, string> = {
  'mount-point-missing': 'mount-point-missing',
  'mount-point-not-directory': 'mount-point-not-directory',
  'mount-point-not-empty': 'mount-point-not-empty',
  'mount-point-unusable': 'mount-point-unusable',
  'already-mounted': 'mount-point-mounted',
  'stale-mount': 'mount-point-mounted',
  'fuse-unavailable': 'fuse-missing',
  'mount-failed': 'mount-failed',
};

/** The host's EngineError for a MountError: its code, the session's message (without the fix) and fix. */
export function engineErrorFor(error: MountError): EngineError {
  const suffix = ` Fix: ${error.fix}`;
  const message = error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
  return new EngineError(CODES[error.reason], message, error.fix);
}

/** Throws EngineError (code `mount-point-*`) unless `mountPoint` is an empty folder that is not mounted (a dead mount passes). */
export async function checkMountPoint(mountPoint: string): Promise<void> {
  if (await isStaleMount(mountPoint)) return;
  await checkMountPointOf(mountPoint).catch(rethrowAsEngineError);
}

/** Throws EngineError `fuse-missing` with the install hint for this OS when FUSE is unavailable. */
export async function checkFuseInstalled(): Promise<void> {
  await checkFuseAvailable().catch(rethrowAsEngineError);
}

/** Unmounts `mountPoint` with fusermount (or umount on macOS); `lazy` detaches a busy or dead mount. */
export async function fuseUnmount(mountPoint: string, lazy: boolean): Promise<{ ok: boolean; message: string }> {
  const result =
    process.platform === 'linux' ? await run('fusermount', [lazy ? '-uz' : '-u', mountPoint]) : await run('umount', lazy ? ['-f', mountPoint] : [mountPoint]);
  return { ok: result.code === 0, message: result.stderr.trim() };
}

function rethrowAsEngineError(error: unknown): never {
  throw error instanceof MountError ? engineErrorFor(error) : error;
}
