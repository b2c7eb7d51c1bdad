// The filesystem's error type: FsError with a closed set of codes named after the errno a program
// will see, the one mapping from the remote taxonomy (RemoteErrorKind) onto those codes, and the
// one mapping of local-disk (node:fs) failures (LOCAL_ERRNO, fromLocalError). The numeric errno
// per platform is decided later, in fs/fuse, from these names only.
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
  | 'EROFS'
  | 'ENFILE'
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

/**
 * Any failure on `path` as an FsError: FsError as is, RemoteError mapped, a local-disk (node:fs)
 * failure through fromLocalError (the folder unnamed) — also when the remote client wrapped it
 * (a download's local file: `unknown` with the system error as its cause) — anything else EIO.
 */
export function toFsError(error: unknown, path: string): FsError {
  if (error instanceof FsError) return error;
  if (error instanceof RemoteError && error.kind === 'unknown' && isLocalSystemError(error.details.cause)) return fromLocalError(error.details.cause, path);
  if (error instanceof RemoteError) return fsErrorFromRemote(error, path);
  if (isLocalSystemError(error)) return fromLocalError(error, path);
  return new FsError('EIO', `${path}: ${error instanceof Error ? error.message : String(error)}`, error);
}

/**
 * The errno a failure of the engine's own local disk (state folder: working copies, write
 * journal, local-only files) becomes. A program's write fails for the reason the disk gave, not
 * with an unexplained EIO: a full disk or quota is ENOSPC, a read-only disk EROFS (the program's
 * file is not read-only, the disk behind the mount is; the message says which), refused access
 * EACCES, running out of descriptors ENFILE (the engine's limit, not the program's: EMFILE would
 * blame the program's own table), a file over the disk's size limit EFBIG. Anything else is EIO.
 */
export const LOCAL_ERRNO: Readonly<Record<string, FsErrorCode>> = {
  ENOSPC: 'ENOSPC',
  EDQUOT: 'ENOSPC',
  EROFS: 'EROFS',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EMFILE: 'ENFILE',
  ENFILE: 'ENFILE',
  EFBIG: 'EFBIG',
};

/** A failure of the engine's local disk, mapped by fromLocalError; `folder` is the local folder concerned, when known. */
export class LocalDiskError extends FsError {
  constructor(
    code: FsErrorCode,
    message: string,
    /** The Node error code (`ENOSPC`, `EDQUOT`, …). */
    readonly localCode: string,
    readonly folder: string | undefined,
    cause: unknown,
  ) {
    super(code, message, cause);
    this.name = 'LocalDiskError';
  }
}

/** True for an error a node:fs call raised from a system call (it carries `code` and `syscall`). */
export function isLocalSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof syscall === 'string';
}

/** What the engine was doing on its local disk when it failed: the message's advice depends on it. */
export type LocalOperation = 'write' | 'read';

/**
 * A local-disk failure (`error`, from node:fs) of the work described by `what` (`/a/b.txt`, or
 * `/a/b.txt: cannot record the save in the write journal`) as an FsError whose message names the
 * problem and the fix; `folder` is the local folder the work was in (the state folder), when known.
 * `operation`: `write` (a save: "then save again"), `read` (a copy of workspace content for a
 * reader: "then open the file again").
 */
export function fromLocalError(failure: unknown, what: string, folder?: string, operation: LocalOperation = 'write'): LocalDiskError {
  const error = failure instanceof LocalDiskError ? failure.cause : failure; // mapped once already: map its cause again
  const local = isLocalSystemError(error) ? (error.code ?? 'EIO') : 'EIO';
  const code = LOCAL_ERRNO[local] ?? 'EIO';
  const disk =
    folder !== undefined ? `the disk holding ${folder}` : operation === 'read' ? 'the local disk wsfs copies workspace files to' : 'the local disk wsfs keeps its working copies on';
  const retry = operation === 'read' ? 'then open the file again' : 'then save again';
  const detail = error instanceof Error ? error.message : String(error);
  const explained = ((): string => {
    switch (code) {
      case 'ENOSPC':
        return local === 'EDQUOT'
          ? `your disk quota on ${disk} is used up: free space there (or raise the quota), ${retry}`
          : `${disk} is full: free space there, ${retry}`;
      case 'EROFS':
        return `${disk} is read-only: make it writable, or set XDG_STATE_HOME to a writable folder and mount again`;
      case 'EACCES':
        return `wsfs may not write to ${disk}: give the mounting user write access to it, or set XDG_STATE_HOME to a folder you own and mount again`;
      case 'ENFILE':
        return 'the engine has too many files open: close files you no longer need, or raise the open-file limit (ulimit -n) and mount again';
      case 'EFBIG':
        return `the file is larger than ${disk} allows for one file: ${operation === 'read' ? 'read it elsewhere' : 'save it elsewhere'}, or set XDG_STATE_HOME to another disk and mount again`;
      default:
        return `the local disk failed (${disk})`;
    }
  })();
  return new LocalDiskError(code, `${what}: ${explained} (${detail})`, local, folder, error);
}
