// The `upload-failed` problem a user reads when the workspace refused a save for good (permission,
// size, name, a full folder): which file, why, where its bytes are, and what to do. Pure wording;
// it does not decide when a failure is permanent or reported (WorkspaceFs does), and it does not
// move any bytes (they stay in the staging file and the write journal until a save succeeds).
import type { FsError, FsErrorCode } from '../errors';
import type { UploadFailedProblem } from '../../shared/problem';

/** The problem for a save of mount path `path` that the workspace refused with `failure`; its bytes are in `stagingFile`. */
export function uploadFailedProblem(path: string, failure: FsError, stagingFile: string): UploadFailedProblem {
  return {
    kind: 'upload-failed',
    path,
    message:
      `${path} could not be saved to the workspace (${failure.code}: ${failure.message}). Nothing is lost: ${path} keeps showing ` +
      `your version on the mount, also after an unmount and the next mount, and its bytes are in ${stagingFile} until a save succeeds.`,
    fix: `${fixFor(failure.code)} Each later close of the file, the unmount and the next mount try the upload again.`,
  };
}

function fixFor(code: FsErrorCode): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'Ask for write permission on the workspace folder, or copy the file (cp) to a folder you can write and delete it here.';
    case 'EFBIG':
      return 'The workspace does not take a file this large: copy it to local disk (cp reads it from the mount), then delete it here or make it smaller.';
    case 'EINVAL':
    case 'ENAMETOOLONG':
      return 'The workspace refused the name: copy the file (cp) to a shorter name without special characters and delete this one.';
    case 'ENOSPC':
      return 'The workspace folder holds as many objects as it can: delete some, or copy the file (cp) to another folder and delete it here.';
    default:
      return 'Fix the cause named above, then save the file again.';
  }
}
