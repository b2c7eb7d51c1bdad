// The one error type handlers throw on purpose: an IpcError code and a message for the user that
// names the problem and the fix. Anything else a handler throws is reported as `failed` with its
// message (ipc-router.ts). No logging here.
import type { IpcError } from '../shared/ipc-contract';

/** A handler's deliberate failure. */
export class AppError extends Error {
  constructor(
    readonly code: IpcError['code'],
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
