// The undocumented workspace-files endpoints (`/api/2.0/workspace-files/*`, reference §3) and the
// signed URLs they hand out: import-file, list-files and object-info (with sizes and signed URLs),
// new-files (an upload URL), raw GET of a file, and GET (with Range) / PUT on signed URLs. The
// server switches the whole family off on request; this file does not know about that.
import { ApiError, fileExists, importFileOntoNotebook, invalidParameter, tooLarge } from './api-error';
import {
  booleanParam,
  jsonBody,
  objectInfo,
  type EmulatorContext,
  type EmulatorRequest,
} from './emulator-context';
import type { Reply } from './http-exchange';
import { UPLOAD_HEADERS, type SignedGrant } from './signed-urls';
import { autoImport } from './workspace-api';
import { childPath, displayPath, parseRequestPath, type RequestPath } from './workspace-paths';
import { isFolder, type WorkspaceNode } from './workspace-tree';

const IMPORT_FILE_PREFIX = '/api/2.0/workspace-files/import-file/';
const FILES_PREFIX = '/api/2.0/workspace-files/';

/** `POST /api/2.0/workspace-files/import-file/{path}?overwrite=`: raw bytes, AUTO detection. */
export function importFile(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = pathFromUrl(req.pathname.slice(IMPORT_FILE_PREFIX.length));
  const overwrite = booleanParam(req.query.get('overwrite') ?? undefined, 'overwrite');
  if (req.body.length > ctx.limits.fileBytes) throw tooLarge(req.body.length, ctx.limits.fileBytes);
  const { target, node } = autoImport(ctx.limits, path.canonical, req.body);
  ctx.tree.parentFolder(target, path.prefix);
  checkReplace(ctx.tree.find(target), path.prefix + target, overwrite);
  ctx.tree.write(target, node, path.prefix);
  return { status: 200, body: {} };
}

/** `GET /api/2.0/workspace-files/list-files?path=`: children with sizes and signed URLs. */
export function listFiles(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(req.query.get('path') ?? undefined);
  const node = ctx.tree.get(path.canonical, displayPath(path));
  const entries: Array<[string, string, WorkspaceNode]> = isFolder(node)
    ? [...node.children].map(([name, child]) => [childPath(path.canonical, name), path.prefix + childPath(path.canonical, name), child])
    : [[path.canonical, displayPath(path), node]];
  const objects = entries.map(([canonical, shown, child]) => filesEntry(ctx, canonical, shown, child));
  return { status: 200, body: objects.length === 0 ? {} : { objects } };
}

/** `GET /api/2.0/workspace-files/object-info?path=`: one entry with size and signed URL. */
export function objectInfoWithUrl(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(req.query.get('path') ?? undefined);
  const node = ctx.tree.get(path.canonical, displayPath(path));
  return { status: 200, body: { wsfs_object_info: filesEntry(ctx, path.canonical, displayPath(path), node) } };
}

function filesEntry(ctx: EmulatorContext, canonical: string, shown: string, node: WorkspaceNode): Record<string, unknown> {
  const entry: Record<string, unknown> = { object_info: objectInfo(shown, node, { includeSize: true }) };
  if (node.kind === 'FILE') entry.signed_url = ctx.signer.issue({ method: 'GET', path: canonical, objectId: node.objectId });
  return entry;
}

/**
 * `POST /api/2.0/workspace-files/new-files` `{path, overwrite?}`: checks the target like
 * import-file would and returns a signed URL the client PUTs the bytes to (with every header).
 */
export function newFiles(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const body = jsonBody(req);
  const path = parseRequestPath(body.path);
  const overwrite = booleanParam(body.overwrite, 'overwrite');
  ctx.tree.parentFolder(path.canonical, path.prefix);
  checkReplace(ctx.tree.find(path.canonical), displayPath(path), overwrite);
  return { status: 200, body: { signed_urls: [ctx.signer.issue({ method: 'PUT', path: path.canonical, overwrite })] } };
}

/** `GET /api/2.0/workspace-files/{path}`: the raw bytes of a FILE (Range supported). */
export function getFile(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = pathFromUrl(req.pathname.slice(FILES_PREFIX.length));
  const node = ctx.tree.get(path.canonical, displayPath(path));
  if (node.kind !== 'FILE') throw new ApiError(404, { error_code: 'NOT_FOUND', message: 'File Not Found' });
  return rangeReply(node.content, req.headers.range);
}

/** `GET /__emulator/signed/{token}`: the file's bytes, honouring Range. */
export function signedGet(ctx: EmulatorContext, req: EmulatorRequest, token: string): Reply {
  const verified = verifyGrant(ctx, token, 'GET');
  if ('refused' in verified) return verified.refused;
  const node = ctx.tree.find(verified.grant.path);
  if (node === undefined || node.kind !== 'FILE' || node.objectId !== verified.grant.objectId) {
    return storageError(404, 'BlobNotFound', 'The specified blob does not exist.');
  }
  return rangeReply(node.content, req.headers.range);
}

/** `PUT /__emulator/signed/{token}`: stores the body as the file the URL was issued for. */
export function signedPut(ctx: EmulatorContext, req: EmulatorRequest, token: string): Reply {
  const verified = verifyGrant(ctx, token, 'PUT');
  if ('refused' in verified) return verified.refused;
  for (const [name, value] of Object.entries(UPLOAD_HEADERS)) {
    if (req.headers[name] !== value) {
      return storageError(400, 'MissingRequiredHeader', `An HTTP header that's mandatory for this request is not specified: ${name}`);
    }
  }
  if (req.body.length > ctx.limits.fileBytes) return storageError(413, 'RequestBodyTooLarge', 'The request body is too large.');
  const { path, overwrite } = verified.grant;
  try {
    ctx.tree.parentFolder(path);
    checkReplace(ctx.tree.find(path), path, overwrite === true);
  } catch (error) {
    if (error instanceof ApiError) return storageError(409, 'BlobConflict', error.body.message);
    throw error;
  }
  ctx.tree.write(path, { kind: 'FILE', content: req.body });
  return { status: 201, body: '' };
}

function verifyGrant(ctx: EmulatorContext, token: string, method: 'GET' | 'PUT'): { grant: SignedGrant } | { refused: Reply } {
  const result = ctx.signer.verify(token);
  if (!result.ok) {
    const message = result.reason === 'expired' ? 'Signed expiry time has passed.' : 'Signature did not match.';
    return { refused: storageError(403, 'AuthenticationFailed', message) };
  }
  if (result.grant.method !== method) {
    return { refused: storageError(403, 'AuthorizationPermissionMismatch', `This URL does not allow ${method}.`) };
  }
  return { grant: result.grant };
}

/** Import-file's conflict rules: FILE → 409 unless overwrite; notebook or folder → 400, empty code. */
function checkReplace(existing: WorkspaceNode | undefined, shown: string, overwrite: boolean): void {
  if (existing === undefined) return;
  if (isFolder(existing)) throw importFileOntoNotebook(shown);
  if (overwrite) return;
  throw existing.kind === 'FILE' ? fileExists(shown) : importFileOntoNotebook(shown);
}

/** A workspace path from the URL form (no leading slash, each segment URL-escaped). */
function pathFromUrl(encoded: string): RequestPath {
  let decoded: string;
  try {
    decoded = encoded.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw invalidParameter(`Path (${encoded}) is not a valid URL-escaped path.`);
  }
  return parseRequestPath('/' + decoded);
}

/** A 200 with the whole body, or 206/416 for a `Range: bytes=` request. */
function rangeReply(content: Buffer, range: string | undefined): Reply {
  const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
  if (range === undefined) return { status: 200, headers, body: content };
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  const size = content.length;
  let start: number;
  let end: number;
  if (match === null || (match[1] === '' && match[2] === '')) return { status: 200, headers, body: content };
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` }, body: '' };
  }
  return {
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}` },
    body: content.subarray(start, end + 1),
  };
}

/** An error as cloud storage answers it (XML), not the workspace envelope. */
function storageError(status: number, code: string, message: string): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml' },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}
