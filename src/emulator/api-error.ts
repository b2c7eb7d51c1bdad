// The emulator's error type and the exact error shapes of the Databricks workspace service
// (reference §2–§4). Handlers throw ApiError; the server turns it into a response. This file does
// not decide when an error happens, only what it looks like on the wire.
import type { ErrorBody } from '../shared/workspace-types';

/** An error response: HTTP status plus the JSON body the service sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${String(body.error_code)}: ${body.message}`);
  }
}

/** 404 `RESOURCE_DOES_NOT_EXIST` for a missing object. */
export function notFound(path: string): ApiError {
  return new ApiError(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Path (${path}) doesn't exist.` });
}

/** 404 `RESOURCE_DOES_NOT_EXIST` for a missing parent folder (import does not create parents). */
export function parentNotFound(parent: string): ApiError {
  return new ApiError(404, {
    error_code: 'RESOURCE_DOES_NOT_EXIST',
    message: `The parent folder (${parent}) does not exist.`,
  });
}

/** 400 `RESOURCE_ALREADY_EXISTS` as `import` answers it. */
export function nodeExists(name: string): ApiError {
  return new ApiError(400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: `Node named '${name}' already exists` });
}

/** 400 `RESOURCE_ALREADY_EXISTS` as `mkdirs` answers a non-folder in the way. */
export function notAFolder(path: string): ApiError {
  return new ApiError(400, {
    error_code: 'RESOURCE_ALREADY_EXISTS',
    message: `${path} already exists and it is not a folder`,
  });
}

/** 400 `DIRECTORY_NOT_EMPTY` for a non-recursive delete of a non-empty folder. */
export function directoryNotEmpty(path: string): ApiError {
  return new ApiError(400, { error_code: 'DIRECTORY_NOT_EMPTY', message: `Folder (${path}) is not empty` });
}

/** 400 `INVALID_PARAMETER_VALUE` for a malformed request. */
export function invalidParameter(message: string): ApiError {
  return new ApiError(400, { error_code: 'INVALID_PARAMETER_VALUE', message });
}

/** 400 `MAX_NOTEBOOK_SIZE_EXCEEDED` with the service's message shape (used for exports too). */
export function tooLarge(size: number, limit: number): ApiError {
  return new ApiError(400, {
    error_code: 'MAX_NOTEBOOK_SIZE_EXCEEDED',
    message: `File size imported is (${size} bytes), exceeded max size (${limit} bytes)`,
  });
}

/** 403 `MAX_CHILD_NODE_SIZE_EXCEEDED` when a folder is at its child limit. */
export function childLimit(parent: string, limit: number): ApiError {
  return new ApiError(403, {
    error_code: 'MAX_CHILD_NODE_SIZE_EXCEEDED',
    message: `The folder (${parent}) has reached the maximum number of children (${limit}).`,
  });
}

/** 403 `PERMISSION_DENIED`. */
export function permissionDenied(message: string): ApiError {
  return new ApiError(403, { error_code: 'PERMISSION_DENIED', message });
}

/** 403 with a numeric `error_code`: how the service answers an invalid or missing token. */
export function invalidToken(): ApiError {
  return new ApiError(403, { error_code: 403, message: 'Invalid access token.' });
}

/** 409 from `import-file` onto an existing FILE without overwrite (body code not captured: L). */
export function fileExists(path: string): ApiError {
  return new ApiError(409, { error_code: 'ALREADY_EXISTS', message: `The file ${path} already exists.` });
}

/** 400 with an EMPTY `error_code` from `import-file` onto a notebook (reference §3). */
export function importFileOntoNotebook(path: string): ApiError {
  return new ApiError(400, {
    error_code: '',
    message: `RESOURCE_ALREADY_EXISTS: ${path} already exists. Use overwrite=true to replace it.`,
  });
}

/** 404 `ENDPOINT_NOT_FOUND`: what a workspace without an endpoint answers. */
export function endpointNotFound(method: string, apiPath: string): ApiError {
  return new ApiError(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${method} ${apiPath}'` });
}
