// Failures of the engine's own local disk (the state folder: working copies, write journal,
// local-only files, transient copies) as FsErrors with their errno (errors.ts fromLocalError), and
// the one problem that tells the user about them: raised when the disk first fails for a reason
// the user can fix (full, read-only, no access, out of descriptors), and again only after a save
// was recorded in between (the disk recovered). It does not retry, move or delete any bytes.
import { FsError, fromLocalError, isLocalSystemError, LocalDiskError, type LocalOperation } from '../errors';
import type { OtherProblem, Problem } from '../../shared/problem';

/** What LocalDiskFailures needs. */
export interface LocalDiskFailuresOptions {
  /** The state folder (named in messages: the disk that holds it must be fixed). */
  stateDir: string;
  /** Where the problem goes (the engine's problem events). */
  onProblem: (problem: Problem) => void;
}

/** The local-disk failures of one filesystem and the problem they raise. */
export class LocalDiskFailures {
  /** Set when the problem was raised; cleared by `recovered`. Changes only synchronously on the JS thread. */
  private reported = false;

  constructor(private readonly options: LocalDiskFailuresOptions) {}

  /**
   * `error` of the work on mount path `path`, as the error to answer with: a local-disk failure
   * as a LocalDiskError (reported, see above), anything else unchanged. `operation`: what the
   * work was (a read's failure is answered with EIO by the caller; the problem says so).
   */
  check(error: unknown, path: string, operation: LocalOperation = 'write'): unknown {
    const failure =
      error instanceof LocalDiskError ? error : isLocalSystemError(error) ? fromLocalError(error, path, this.options.stateDir, operation) : undefined;
    if (failure === undefined) return error;
    if (!this.reported && failure.code !== 'EIO') {
      this.reported = true;
      this.options.onProblem(localDiskProblem(path, failure, failure.folder ?? this.options.stateDir, this.options.stateDir, operation));
    }
    return failure;
  }

  /** A save was recorded on the local disk again: the next failure is reported anew. */
  recovered(): void {
    this.reported = false;
  }
}

/** The problem for a local-disk failure of the work on `path`. */
export function localDiskProblem(path: string, failure: FsError, folder: string, stateDir: string, operation: LocalOperation = 'write'): OtherProblem {
  const who = operation === 'read' ? `Programs reading files not copied yet get EIO, programs writing get ${failure.code}` : `Programs writing to the mount get ${failure.code}`;
  return {
    kind: 'other',
    path,
    message:
      `wsfs cannot write to its local disk (${failure.code}): ${failure.message}. ${who}. ` +
      `Nothing written before is lost: unsaved changes stay in their working copies in ${stateDir}/staging, and the files keep showing them.`,
    fix: `${fixOf(failure, folder)}, then close the files again or unmount: their saves are tried again`,
  };
}

function fixOf(failure: FsError, folder: string): string {
  switch (failure.code) {
    case 'ENOSPC':
      return `free space on the disk holding ${folder} (see \`df ${folder}\`)`;
    case 'ENFILE':
      return 'close files you no longer need, or raise the open-file limit (ulimit -n) and mount again';
    default:
      return `make ${folder} writable, or set XDG_STATE_HOME to a writable folder and mount again`;
  }
}
