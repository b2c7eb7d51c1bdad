// What every endpoint handler of the emulator receives: the tree, limits, switches, the URL
// signer and the parsed request; plus the helpers they share (ObjectInfo, parameters). Handlers
// are plain functions of (context, request) returning a Reply or throwing ApiError.
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectInfo } from '../shared/workspace-types';
import { invalidParameter } from './api-error';
import type { UrlSigner } from './signed-urls';
import type { WorkspaceNode, WorkspaceTree } from './workspace-tree';

/** Size limits the service applies (reference §6). */
export interface EmulatorLimits {
  /** Content of a JSON `import` or `export` (base64-decoded): 10 MiB. */
  jsonContentBytes: number;
  /** An `export?direct_download=true` body (disputed in the reference: 10 MiB or ~500 MB). */
  directDownloadBytes: number;
  /** A workspace file through import-file, multipart import or a signed PUT (~500 MB). */
  fileBytes: number;
  /** A notebook's source (10 MiB). */
  notebookBytes: number;
  /** A notebook imported as `.ipynb` (100 MiB). */
  jupyterBytes: number;
}

/** Behaviour switches that may change while the emulator runs. */
export interface EmulatorSwitches {
  /** Serve the workspace-files endpoints and signed URLs. */
  workspaceFiles: boolean;
  /** Serve `POST /api/2.0/workspace/rename`. */
  rename: boolean;
  /** Include `size` in `list`/`get-status` (the real service omits it). */
  includeSize: boolean;
  /** Let `workspace/rename` replace an existing destination (the reference is unsure). */
  renameOverwrites: boolean;
}

/** A parsed request. */
export interface EmulatorRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The handlers' shared state. */
export interface EmulatorContext {
  tree: WorkspaceTree;
  limits: EmulatorLimits;
  switches: EmulatorSwitches;
  signer: UrlSigner;
  userName: string;
}

/** Options of `objectInfo`. */
export interface ObjectInfoOptions {
  includeSize?: boolean;
  exportInfo?: boolean;
}

/** The ObjectInfo of a node as the service returns it; `shownPath` is the path to echo. */
export function objectInfo(shownPath: string, node: WorkspaceNode, options: ObjectInfoOptions = {}): ObjectInfo {
  const info: ObjectInfo = {
    path: shownPath,
    object_type: node.kind,
    object_id: node.objectId,
    resource_id: String(node.objectId),
  };
  if (node.kind === 'NOTEBOOK') info.language = node.language;
  if (node.kind === 'FILE' || node.kind === 'NOTEBOOK') {
    info.created_at = node.createdAt;
    info.modified_at = node.modifiedAt;
    if (options.includeSize) info.size = node.content.length;
  }
  if (node.kind === 'NOTEBOOK' && options.exportInfo) info.repos_export_format = node.format;
  return info;
}

/** Parses a JSON request body; an empty body is `{}`, anything but an object is 400. */
export function jsonBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw invalidParameter('Invalid JSON given in the body of the request - expected a map');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter('Invalid JSON given in the body of the request - expected a map');
  }
  return parsed as Record<string, unknown>;
}

/** A boolean from a query string or JSON field (`true`/`false`, any case); 400 otherwise. */
export function booleanParam(value: unknown, name: string): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidParameter(`Invalid value for parameter ${name}: expected a boolean, got '${String(value)}'`);
}

/** An optional string field; 400 when present but not a string. */
export function stringParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`Invalid value for field ${name}: expected a string`);
  return value;
}

/** An enum field; 400 naming the allowed values when it is not one of them. */
export function enumParam<T extends string>(value: string | undefined, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw invalidParameter(`Invalid value '${value}' for parameter ${name}. Expected one of: ${allowed.join(', ')}`);
}
