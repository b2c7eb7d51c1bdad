// The filesystem's error type: FsError with a closed set of codes named after the errno a program
// will see, and the one mapping from the remote taxonomy (RemoteErrorKind) onto those codes. The
// numeric errno per platform is decided later, in fs/fuse, from these names only.
import { RemoteError, type RemoteErrorKind } from './remote/remote-error';

/** Every code the filesystem may fail with. */
export type FsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTEMPTY'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'EACCES'
  | 'EPERM'
  | 'EFBIG'
  | 'ENAMETOOLONG'
  | 'ENOSPC'
  | 'EINVAL'
  | 'ENOTSUP'
  | 'EAGAIN'
  | 'ETIMEDOUT'
  | 'EXDEV'
  | 'EBUSY'
  | 'ENODATA'
  | 'ENOSYS'
  | 'EIO';

/** A filesystem failure: the errno name for programs and a message that names problem and fix. */
export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'FsError';
  }
}

/**
 * The errno a remote failure becomes. Transient kinds only reach here once retries ran out:
 * rate limiting is EAGAIN ("try again later"), an unreachable or failing workspace ETIMEDOUT
 * ("it did not answer in time"); EIO is kept for what nothing explains.
 */
export const REMOTE_ERRNO: Readonly<Record<RemoteErrorKind, FsErrorCode>> = {
  'not-found': 'ENOENT',
  'not-a-directory': 'ENOTDIR',
  exists: 'EEXIST',
  'not-empty': 'ENOTEMPTY',
  permission: 'EACCES',
  unauthenticated: 'EACCES',
  'too-large': 'EFBIG',
  'name-too-long': 'ENAMETOOLONG',
  'child-limit': 'ENOSPC',
  'rate-limited': 'EAGAIN',
  unavailable: 'ETIMEDOUT',
  network: 'ETIMEDOUT',
  invalid: 'EINVAL',
  conflict: 'EIO',
  'not-supported': 'ENOTSUP',
  unknown: 'EIO',
};

/** Turns a remote failure on `path` into an FsError, keeping the remote message and cause. */
export function fsErrorFromRemote(error: RemoteError, path: string): FsError {
  return new FsError(REMOTE_ERRNO[error.kind], `${path}: ${error.message}`, error);
}

/** Any failure on `path` as an FsError: FsError as is, RemoteError mapped, anything else EIO. */
export function toFsError(error: unknown, path: string): FsError {
  if (error instanceof FsError) return error;
  if (error instanceof RemoteError) return fsErrorFromRemote(error, path);
  return new FsError('EIO', `${path}: ${error instanceof Error ? error.message : String(error)}`, error);
}
