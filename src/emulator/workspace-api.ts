// The public workspace API (`/api/2.0/workspace/*`, reference §2): list, get-status, export,
// import (JSON and multipart), mkdirs, delete, and the undocumented rename. Each handler follows
// the reference's status codes and messages; the tree does the mutations.
import busboy from 'busboy';
import {
  LANGUAGES,
  NOTEBOOK_SYNTAX,
  detectSourceNotebook,
  type ExportFormat,
  type Language,
} from '../shared/workspace-types';
import {
  directoryNotEmpty,
  invalidParameter,
  nodeExists,
  notAFolder,
  permissionDenied,
  tooLarge,
} from './api-error';
import {
  booleanParam,
  enumParam,
  jsonBody,
  objectInfo,
  stringParam,
  type EmulatorContext,
  type EmulatorLimits,
  type EmulatorRequest,
} from './emulator-context';
import type { Reply } from './http-exchange';
import { exportJupyter, exportSource, jupyterLanguage, parseJupyter, sourceCells } from './notebook-format';
import { baseName, childPath, displayPath as shown, parentOf, parseRequestPath, segmentsOf, type RequestPath } from './workspace-paths';
import { isFolder, type NodeContent, type NotebookNode, type WorkspaceNode } from './workspace-tree';
import { zipArchive } from './zip-archive';

const EXPORT_FORMATS: readonly ExportFormat[] = ['SOURCE', 'HTML', 'JUPYTER', 'DBC', 'R_MARKDOWN', 'AUTO', 'RAW'];
const IMPORT_FORMATS = ['SOURCE', 'HTML', 'JUPYTER', 'DBC', 'R_MARKDOWN', 'AUTO'] as const;
type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** `GET /api/2.0/workspace/list`: direct children; a file lists as itself; empty omits `objects`. */
export function list(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(req.query.get('path') ?? undefined);
  const node = ctx.tree.get(path.canonical, shown(path));
  const after = req.query.get('notebooks_modified_after');
  const modifiedAfter = after === null ? undefined : Number(after);
  if (modifiedAfter !== undefined && !Number.isFinite(modifiedAfter)) {
    throw invalidParameter(`Invalid value for parameter notebooks_modified_after: '${after}'`);
  }
  const options = { includeSize: ctx.switches.includeSize };
  if (!isFolder(node)) return { status: 200, body: { objects: [objectInfo(shown(path), node, options)] } };
  const objects = [...node.children]
    .filter(([, child]) => modifiedAfter === undefined || child.kind !== 'NOTEBOOK' || child.modifiedAt > modifiedAfter)
    .map(([name, child]) => objectInfo(path.prefix + childPath(path.canonical, name), child, options));
  return { status: 200, body: objects.length === 0 ? {} : { objects } };
}

/** `GET /api/2.0/workspace/get-status`: a bare ObjectInfo. */
export function getStatus(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(req.query.get('path') ?? undefined);
  const node = ctx.tree.get(path.canonical, shown(path));
  const exportInfo = booleanParam(req.query.get('return_export_info') ?? undefined, 'return_export_info');
  booleanParam(req.query.get('return_git_info') ?? undefined, 'return_git_info');
  return { status: 200, body: objectInfo(shown(path), node, { includeSize: ctx.switches.includeSize, exportInfo }) };
}

/** `GET /api/2.0/workspace/export`: JSON with base64 content, or raw bytes with direct_download. */
export function exportObject(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(req.query.get('path') ?? undefined);
  const format = enumParam(req.query.get('format') ?? undefined, 'format', EXPORT_FORMATS, 'SOURCE');
  const direct = booleanParam(req.query.get('direct_download') ?? undefined, 'direct_download');
  const node = ctx.tree.get(path.canonical, shown(path));
  const { content, fileType } = exportBytes(node, path, format);
  const limit = direct ? ctx.limits.directDownloadBytes : ctx.limits.jsonContentBytes;
  if (content.length > limit) throw tooLarge(content.length, limit);
  if (direct) {
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: content };
  }
  return { status: 200, body: { content: content.toString('base64'), file_type: fileType } };
}

function exportBytes(node: WorkspaceNode, path: RequestPath, format: ExportFormat): { content: Buffer; fileType: string } {
  if (isFolder(node)) {
    if (format !== 'SOURCE' && format !== 'AUTO' && format !== 'DBC') {
      throw invalidParameter(`Folder (${shown(path)}) cannot be exported in ${format} format.`);
    }
    return { content: folderArchive(node, format === 'AUTO'), fileType: format === 'DBC' ? 'dbc' : 'zip' };
  }
  if (node.kind === 'FILE') {
    if (format !== 'SOURCE' && format !== 'AUTO' && format !== 'RAW') {
      throw invalidParameter(`File (${shown(path)}) cannot be exported in ${format} format. Use SOURCE, AUTO or RAW.`);
    }
    const dot = baseName(path.canonical).lastIndexOf('.');
    return { content: node.content, fileType: dot > 0 ? baseName(path.canonical).slice(dot + 1) : '' };
  }
  const sourceType = NOTEBOOK_SYNTAX[node.language].extension.slice(1);
  switch (format) {
    case 'SOURCE':
    case 'RAW':
      return { content: exportSource(node), fileType: sourceType };
    case 'AUTO':
      return node.format === 'JUPYTER'
        ? { content: exportJupyter(node), fileType: 'ipynb' }
        : { content: exportSource(node), fileType: sourceType };
    case 'JUPYTER':
      return { content: exportJupyter(node), fileType: 'ipynb' };
    case 'HTML':
      return { content: Buffer.from(notebookHtml(baseName(path.canonical), exportSource(node))), fileType: 'html' };
    case 'R_MARKDOWN':
      if (node.language !== 'R') throw invalidParameter('R Markdown export is only available for R notebooks.');
      return { content: Buffer.from(rMarkdown(node)), fileType: 'Rmd' };
    case 'DBC':
      return { content: zipArchive([[`${baseName(path.canonical)}.${sourceType}`, exportSource(node)]]), fileType: 'dbc' };
  }
}

function folderArchive(folder: WorkspaceNode, includeFiles: boolean): Buffer {
  const entries: Array<[string, Buffer]> = [];
  const visit = (node: WorkspaceNode, prefix: string): void => {
    if (!isFolder(node)) return;
    for (const [name, child] of node.children) {
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      if (isFolder(child)) visit(child, relative);
      else if (child.kind === 'NOTEBOOK') entries.push([relative + NOTEBOOK_SYNTAX[child.language].extension, exportSource(child)]);
      else if (includeFiles) entries.push([relative, child.content]);
    }
  };
  visit(folder, '');
  return zipArchive(entries);
}

function notebookHtml(title: string, source: Buffer): string {
  const escaped = source.toString('utf8').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title.replace(/</g, '&lt;')}</title></head><body><pre>${escaped}</pre></body></html>\n`;
}

function rMarkdown(node: NotebookNode): string {
  const cells = sourceCells(exportSource(node).toString('utf8'), 'R');
  return cells.map((cell) => '```{r}\n' + cell + '\n```\n').join('\n');
}

/** `POST /api/2.0/workspace/import`, JSON or multipart/form-data. */
export async function importObject(ctx: EmulatorContext, req: EmulatorRequest): Promise<Reply> {
  const fields = isMultipart(req) ? await multipartFields(req) : jsonImportFields(ctx.limits, req);
  const path = parseRequestPath(stringParam(fields.path, 'path'));
  const format = enumParam(stringParam(fields.format, 'format'), 'format', IMPORT_FORMATS, 'SOURCE');
  const language = stringParam(fields.language, 'language');
  if (language !== undefined && !(LANGUAGES as readonly string[]).includes(language)) {
    throw invalidParameter(`Invalid value '${language}' for field language. Expected one of: ${LANGUAGES.join(', ')}`);
  }
  const overwrite = booleanParam(fields.overwrite, 'overwrite');
  const content = fields.content ?? Buffer.alloc(0);
  const { target, node } = importContent(ctx.limits, path.canonical, format, language as Language | undefined, content);
  const existing = ctx.tree.find(target);
  if (existing !== undefined && (isFolder(existing) || !overwrite)) throw nodeExists(baseName(target));
  ctx.tree.write(target, node, path.prefix);
  return { status: 200, body: {} };
}

interface ImportFields {
  path?: unknown;
  format?: unknown;
  language?: unknown;
  overwrite?: unknown;
  content?: Buffer;
}

function jsonImportFields(limits: EmulatorLimits, req: EmulatorRequest): ImportFields {
  const body = jsonBody(req);
  const encoded = stringParam(body.content, 'content');
  const fields: ImportFields = { path: body.path, format: body.format, language: body.language, overwrite: body.overwrite };
  if (encoded !== undefined) {
    if (!/^[A-Za-z0-9+/\r\n]*={0,2}[\r\n]*$/.test(encoded)) throw invalidParameter('Field content is not valid base64.');
    fields.content = Buffer.from(encoded, 'base64');
    if (fields.content.length > limits.jsonContentBytes) throw tooLarge(fields.content.length, limits.jsonContentBytes);
  }
  return fields;
}

function isMultipart(req: EmulatorRequest): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}

function multipartFields(req: EmulatorRequest): Promise<ImportFields> {
  return new Promise((resolve, reject) => {
    const fields: ImportFields = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers });
    } catch (error) {
      reject(invalidParameter(`Malformed multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => {
      if (name === 'path' || name === 'format' || name === 'language' || name === 'overwrite') fields[name] = value;
      if (name === 'content') fields.content = Buffer.from(value, 'base64');
    });
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (name === 'content') fields.content = Buffer.concat(chunks);
      });
    });
    parser.on('error', (error: Error) => reject(invalidParameter(`Malformed multipart body: ${error.message}`)));
    parser.on('close', () => resolve(fields));
    parser.end(req.body);
  });
}

/**
 * What an import creates and where: SOURCE + language keeps the path verbatim; AUTO turns a known
 * extension with its exact header (or a valid `.ipynb`) into a notebook without the extension and
 * anything else into a FILE (reference §2.4, §5).
 */
function importContent(
  limits: EmulatorLimits,
  canonical: string,
  format: ImportFormat,
  language: Language | undefined,
  content: Buffer,
): { target: string; node: NodeContent } {
  switch (format) {
    case 'SOURCE':
      if (language === undefined) {
        throw invalidParameter('The language field is required to import a single notebook in SOURCE format (directory imports are not supported by the wsfs emulator).');
      }
      return { target: canonical, node: notebook(limits, language, 'SOURCE', content) };
    case 'JUPYTER': {
      const detected = jupyterLanguage(parseJupyter(content));
      return { target: canonical, node: notebook(limits, language ?? detected ?? 'PYTHON', 'JUPYTER', content) };
    }
    case 'AUTO':
      return autoImport(limits, canonical, content);
    case 'HTML':
    case 'R_MARKDOWN':
    case 'DBC':
      throw invalidParameter(`Import in ${format} format is not supported by the wsfs emulator.`);
  }
}

/** AUTO detection, shared with `import-file`. */
export function autoImport(limits: EmulatorLimits, canonical: string, content: Buffer): { target: string; node: NodeContent } {
  const name = baseName(canonical);
  const language = detectSourceNotebook(name, content);
  if (language !== undefined) {
    const stripped = name.slice(0, name.length - NOTEBOOK_SYNTAX[language].extension.length);
    if (stripped.length > 0) {
      return { target: childPath(parentOf(canonical), stripped), node: notebook(limits, language, 'SOURCE', content) };
    }
  }
  if (name.toLowerCase().endsWith('.ipynb') && name.length > '.ipynb'.length && looksLikeJupyter(content)) {
    const detected = jupyterLanguage(parseJupyter(content)) ?? 'PYTHON';
    return { target: childPath(parentOf(canonical), name.slice(0, -'.ipynb'.length)), node: notebook(limits, detected, 'JUPYTER', content) };
  }
  if (content.length > limits.fileBytes) throw tooLarge(content.length, limits.fileBytes);
  return { target: canonical, node: { kind: 'FILE', content } };
}

function looksLikeJupyter(content: Buffer): boolean {
  try {
    parseJupyter(content);
    return true;
  } catch {
    return false;
  }
}

function notebook(limits: EmulatorLimits, language: Language, format: 'SOURCE' | 'JUPYTER', content: Buffer): NodeContent {
  const limit = format === 'JUPYTER' ? limits.jupyterBytes : limits.notebookBytes;
  if (content.length > limit) throw tooLarge(content.length, limit);
  return { kind: 'NOTEBOOK', language, format, content };
}

/** `POST /api/2.0/workspace/mkdirs`: `mkdir -p`; a non-folder on the way is 400. */
export function mkdirs(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const path = parseRequestPath(jsonBody(req).path);
  let current = '/';
  for (const segment of segmentsOf(path.canonical)) {
    current = childPath(current, segment);
    const node = ctx.tree.find(current);
    if (node === undefined) ctx.tree.createFolder(current, 'DIRECTORY', path.prefix);
    else if (!isFolder(node)) throw notAFolder(path.prefix + current);
  }
  return { status: 200, body: {} };
}

/** `POST /api/2.0/workspace/delete`: non-recursive refuses non-empty folders. */
export function deleteObject(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const body = jsonBody(req);
  const path = parseRequestPath(body.path);
  const recursive = booleanParam(body.recursive, 'recursive');
  if (isProtected(ctx, path.canonical)) throw permissionDenied(`Cannot delete ${shown(path)}: it is a system folder.`);
  const node = ctx.tree.get(path.canonical, shown(path));
  if (isFolder(node) && node.children.size > 0 && !recursive) throw directoryNotEmpty(shown(path));
  ctx.tree.remove(path.canonical);
  return { status: 200, body: {} };
}

/**
 * `POST /api/2.0/workspace/rename` (undocumented, reference §2.7): moves files, notebooks and
 * folders, keeping their identity. An existing destination is 400 RESOURCE_ALREADY_EXISTS unless
 * the `renameOverwrites` switch is on (then non-folders are replaced).
 */
export function rename(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const body = jsonBody(req);
  const from = parseRequestPath(body.source_path, 'source_path');
  const to = parseRequestPath(body.destination_path, 'destination_path');
  if (isProtected(ctx, from.canonical)) throw permissionDenied(`Cannot move ${shown(from)}: it is a system folder.`);
  const node = ctx.tree.get(from.canonical, shown(from));
  if (from.canonical === to.canonical) return { status: 200, body: {} };
  if (to.canonical.startsWith(from.canonical + '/')) {
    throw invalidParameter(`Cannot move ${shown(from)} into itself (${shown(to)}).`);
  }
  ctx.tree.parentFolder(to.canonical, to.prefix);
  const existing = ctx.tree.find(to.canonical);
  if (existing !== undefined) {
    if (!ctx.switches.renameOverwrites || isFolder(existing) || isFolder(node)) throw nodeExists(baseName(to.canonical));
    ctx.tree.remove(to.canonical);
  }
  ctx.tree.move(from.canonical, to.canonical, to.prefix);
  return { status: 200, body: {} };
}

function isProtected(ctx: EmulatorContext, canonical: string): boolean {
  return ['/', '/Users', '/Shared', '/Repos', `/Users/${ctx.userName}`].includes(canonical);
}
