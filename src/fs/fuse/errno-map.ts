// The one table from FsError codes to the negative errno numbers FUSE answers with, for the
// platform this process runs on (numbers from os.constants.errno, so macOS gets its own values).
// Anything that is not an FsError becomes EIO and is logged. It does not decide which FsError an
// operation fails with: the filesystem does that (src/fs/errors.ts).
import { constants, platform } from 'node:os';
import { FsError, type FsErrorCode } from '../errors';
import type { Logger } from '../logger';

/**
 * The errno name each FsError code is answered with. The identity, except that "no such
 * attribute" is ENOATTR on macOS (ENODATA there is a STREAMS error that xattr callers never expect).
 */
export const ERRNO_NAME: Readonly<Record<FsErrorCode, string>> = {
  ENOENT: 'ENOENT',
  EEXIST: 'EEXIST',
  ENOTEMPTY: 'ENOTEMPTY',
  ENOTDIR: 'ENOTDIR',
  EISDIR: 'EISDIR',
  EACCES: 'EACCES',
  EPERM: 'EPERM',
  EFBIG: 'EFBIG',
  ENAMETOOLONG: 'ENAMETOOLONG',
  ENOSPC: 'ENOSPC',
  EINVAL: 'EINVAL',
  ENOTSUP: 'ENOTSUP',
  EAGAIN: 'EAGAIN',
  ETIMEDOUT: 'ETIMEDOUT',
  EXDEV: 'EXDEV',
  EBUSY: 'EBUSY',
  ENODATA: platform() === 'darwin' ? 'ENOATTR' : 'ENODATA',
  ENOSYS: 'ENOSYS',
  EROFS: 'EROFS',
  ENFILE: 'ENFILE',
  EIO: 'EIO',
};

/** Numbers os.constants.errno lacks on some platform (ENOATTR is 93 on macOS and the BSDs). */
const MISSING_FROM_NODE: Readonly<Record<string, number>> = { ENOATTR: 93 };

/** Builds the code → positive errno table from a platform's errno constants (exported for tests). */
export function errnoTable(errno: Readonly<Record<string, number | undefined>>): Readonly<Record<FsErrorCode, number>> {
  const table = {} as Record<FsErrorCode, number>;
  for (const [code, name] of Object.entries(ERRNO_NAME) as Array<[FsErrorCode, string]>) {
    const value = errno[name] ?? MISSING_FROM_NODE[name];
    if (value === undefined) throw new Error(`errno ${name} (for ${code}) is unknown on this platform`);
    table[code] = value;
  }
  return table;
}

/** Positive errno numbers of the running platform, per FsError code. */
export const ERRNO: Readonly<Record<FsErrorCode, number>> = errnoTable(constants.errno as Record<string, number>);

/** The negative errno FUSE answers for `code`. */
export function errnoOf(code: FsErrorCode): number {
  return -ERRNO[code];
}

/**
 * The negative errno for a failure of `op` on `path`: the FsError's code, or EIO for anything
 * else (a bug or an unexpected library error), which is logged as an error with its stack at debug.
 */
export function errnoFor(error: unknown, logger: Logger, op: string, path: string): number {
  if (error instanceof FsError && Object.hasOwn(ERRNO, error.code)) return errnoOf(error.code);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.error(`${op} ${path} failed unexpectedly, answering EIO: ${message}`);
  if (error instanceof Error && error.stack !== undefined) logger.debug(`${op} ${path} stack`, { stack: error.stack });
  return errnoOf('EIO');
}
