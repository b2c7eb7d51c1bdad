// Path rules of the workspace API: absolute, `/`-separated, duplicate slashes collapsed, and an
// optional `/Workspace` prefix that is accepted on requests and echoed back (reference §0).
// Only string handling here; whether a path exists is the tree's business.
import { invalidParameter } from './api-error';

/** A request path split into the canonical tree path and the prefix to echo back. */
export interface RequestPath {
  /** Canonical absolute path without `/Workspace`, no trailing slash (`/` for the root). */
  canonical: string;
  /** `/Workspace` when the request used it, else the empty string. */
  prefix: string;
}

const WORKSPACE_PREFIX = '/Workspace';

/** Parses a `path` parameter; a missing, relative or malformed path is 400 INVALID_PARAMETER_VALUE. */
export function parseRequestPath(raw: unknown, field = 'path'): RequestPath {
  if (typeof raw !== 'string' || raw.length === 0) throw invalidParameter(`Missing required field: ${field}`);
  if (!raw.startsWith('/')) throw invalidParameter(`Path (${raw}) is not absolute. Paths must start with '/'.`);
  if (raw.includes('\0')) throw invalidParameter(`Path (${raw}) contains an invalid character.`);
  const segments = raw.split('/').filter((segment) => segment.length > 0);
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw invalidParameter(`Path (${raw}) must not contain '.' or '..' segments.`);
  }
  if (segments[0] === WORKSPACE_PREFIX.slice(1)) {
    return { canonical: '/' + segments.slice(1).join('/'), prefix: WORKSPACE_PREFIX };
  }
  return { canonical: '/' + segments.join('/'), prefix: '' };
}

/** The path segments of a canonical path (`/` has none). */
export function segmentsOf(canonical: string): string[] {
  return canonical.split('/').filter((segment) => segment.length > 0);
}

/** The parent of a canonical path (`/` for top-level entries). */
export function parentOf(canonical: string): string {
  const cut = canonical.lastIndexOf('/');
  return cut <= 0 ? '/' : canonical.slice(0, cut);
}

/** The last segment of a canonical path. */
export function baseName(canonical: string): string {
  return canonical.slice(canonical.lastIndexOf('/') + 1);
}

/** Joins a canonical directory path and a child name. */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The path to show in responses and messages: as the request spelled it, canonicalised. */
export function displayPath(path: RequestPath): string {
  return path.prefix + path.canonical;
}
