// What saved bytes become in the workspace, and the rewriting of notebook source between languages.
// Owns the rule "a file becomes a notebook only when the workspace would make it one" (a source
// extension with its exact header as line 1, or a `.ipynb` holding nbformat JSON) and the
// header/separator/MAGIC conversion. Pure: no I/O; renames are planned in rename-plan.ts.
import {
  NOTEBOOK_SYNTAX,
  detectSourceNotebook,
  type Language,
} from '../../shared/workspace-types';
import { JUPYTER_EXTENSION, childPath, invalidNameReason, type DirectoryView } from './directory-view';
import type { RemoteEntry } from '../remote/remote-workspace';

/** The notebook a file's name and bytes make on a workspace upload. */
export interface DetectedNotebook {
  /** The notebook's workspace name: the file name without its extension. */
  remoteName: string;
  language: Language;
  format: 'SOURCE' | 'JUPYTER';
}

/** Bytes that always suffice for source detection: the longest header plus CRLF. */
export const HEADER_PROBE_BYTES = Math.max(...Object.values(NOTEBOOK_SYNTAX).map((syntax) => syntax.header.length)) + 2;

const JUPYTER_LANGUAGES: Readonly<Record<string, Language>> = { python: 'PYTHON', sql: 'SQL', scala: 'SCALA', r: 'R' };

/**
 * The notebook the workspace makes of a file named `name` holding `content`, or undefined when it
 * stays a plain file. Mirrors the service's AUTO detection (reference §3, §5): the extension is
 * matched case-insensitively (`a.R`, `a.PY` count) and its header must be line 1 exactly (LF or
 * CRLF); a `.ipynb` must hold nbformat JSON. A bare extension (`.py`) stays a file.
 * `content` needs only HEADER_PROBE_BYTES for source names, but the whole file for `.ipynb`.
 */
export function detectNotebook(name: string, content: Uint8Array): DetectedNotebook | undefined {
  const language = detectSourceNotebook(name, content);
  if (language !== undefined) {
    const remoteName = name.slice(0, name.length - NOTEBOOK_SYNTAX[language].extension.length);
    return remoteName === '' ? undefined : { remoteName, language, format: 'SOURCE' };
  }
  if (!name.toLowerCase().endsWith(JUPYTER_EXTENSION) || name.length === JUPYTER_EXTENSION.length) return undefined;
  const jupyterLanguage = jupyterNotebookLanguage(content);
  return jupyterLanguage === undefined
    ? undefined
    : { remoteName: name.slice(0, -JUPYTER_EXTENSION.length), language: jupyterLanguage, format: 'JUPYTER' };
}

/**
 * The language of `content` if it is an nbformat notebook (a JSON object with a `cells` array and a
 * numeric `nbformat`): `metadata.language_info.name`, else `metadata.kernelspec.language`, else
 * PYTHON. Undefined when it is not a notebook.
 */
export function jupyterNotebookLanguage(content: Uint8Array): Language | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(content));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.cells) || typeof parsed.nbformat !== 'number') return undefined;
  const metadata = isRecord(parsed.metadata) ? parsed.metadata : {};
  const named = [
    isRecord(metadata.language_info) ? metadata.language_info.name : undefined,
    isRecord(metadata.kernelspec) ? metadata.kernelspec.language : undefined,
  ];
  for (const name of named) {
    if (typeof name === 'string' && JUPYTER_LANGUAGES[name.toLowerCase()] !== undefined) return JUPYTER_LANGUAGES[name.toLowerCase()];
  }
  return 'PYTHON';
}

/** Why a save cannot be carried out. */
export type UploadRefusal = 'invalid-name' | 'is-a-directory' | 'name-taken';

/** What saving bytes under a visible name does remotely. */
export type UploadPlan =
  /** Upload a plain FILE at `path` (overwriting the file there, if any). */
  | { kind: 'file'; path: string }
  /**
   * Import a notebook at `path` (extension-less), overwriting the notebook there, if any. When
   * `replaces` is set, the save turned that FILE into this notebook: delete it after the import.
   */
  | { kind: 'notebook'; path: string; language: Language; format: 'SOURCE' | 'JUPYTER'; replaces?: RemoteEntry }
  | { kind: 'refuse'; reason: UploadRefusal; message: string };

/**
 * What saving `content` (see detectNotebook for how much of it) as visible `name` in `view` does:
 * - an existing notebook stays that notebook, in its language and presented format, whatever the
 *   bytes (the workspace re-adds a missing SOURCE header; a `.ipynb` save must be nbformat JSON);
 * - any other name becomes a notebook exactly when detectNotebook says the workspace would make
 *   one, else a plain FILE; an existing FILE whose new bytes make a notebook is replaced by it;
 * - a notebook's bare workspace name must be free (`name-taken`: a folder `etl` and a notebook
 *   `etl` cannot coexist), as must the name of a hidden object.
 */
export function planUpload(name: string, content: Uint8Array, view: DirectoryView): UploadPlan {
  const invalid = invalidNameReason(name);
  if (invalid !== undefined) return refuse('invalid-name', `cannot save ${name}: ${invalid}`);
  const current = view.entries.get(name);
  if (current === undefined && view.byRemoteName.has(name)) {
    return refuse('name-taken', `cannot save ${name}: the workspace already holds a hidden object of that name`);
  }
  switch (current?.presentation.kind) {
    case 'DIRECTORY':
      return refuse('is-a-directory', `cannot save ${name}: it is a folder`);
    case 'NOTEBOOK':
      return { kind: 'notebook', path: current.entry.path, language: current.presentation.language, format: current.presentation.format };
    case 'FILE':
    case undefined: {
      const notebook = detectNotebook(name, content);
      if (notebook === undefined) return { kind: 'file', path: childPath(view.directory, name) };
      const occupant = view.byRemoteName.get(notebook.remoteName);
      if (occupant !== undefined) {
        return refuse('name-taken', `cannot save ${name} as a notebook: ${occupant.path} already exists in the workspace`);
      }
      const path = childPath(view.directory, notebook.remoteName);
      const plan: UploadPlan = { kind: 'notebook', path, language: notebook.language, format: notebook.format };
      return current === undefined ? plan : { ...plan, replaces: current.entry };
    }
  }
}

/**
 * Rewrites SOURCE text of a `from` notebook as a `to` notebook: the header on line 1, cell
 * separator lines, `MAGIC` lines and `DBTITLE` lines get the target's comment marker; every other
 * line, and every line ending, is left as it is. PYTHON and R share their syntax, so between them
 * the text is unchanged. Converting back restores the text byte for byte, unless the code itself
 * holds lines that look like the target language's markers.
 */
export function convertSource(text: string, from: Language, to: Language): string {
  const source = markers(from);
  const target = markers(to);
  if (source.comment === target.comment) return text;
  return text
    .split('\n')
    .map((raw, index) => {
      const cr = raw.endsWith('\r') ? '\r' : '';
      const line = cr === '' ? raw : raw.slice(0, -1);
      if (index === 0 && line === source.header) return target.header + cr;
      if (line === source.separator) return target.separator + cr;
      if (line === source.magic) return target.magic + cr;
      if (line.startsWith(source.magicPrefix)) return target.magicPrefix + line.slice(source.magicPrefix.length) + cr;
      if (line.startsWith(source.titlePrefix)) return target.titlePrefix + line.slice(source.titlePrefix.length) + cr;
      return raw;
    })
    .join('\n');
}

interface Markers {
  comment: string;
  header: string;
  separator: string;
  /** A MAGIC line with nothing after it (`# MAGIC`, trailing space trimmed). */
  magic: string;
  magicPrefix: string;
  titlePrefix: string;
}

function markers(language: Language): Markers {
  const syntax = NOTEBOOK_SYNTAX[language];
  const comment = syntax.header.slice(0, syntax.header.indexOf(' '));
  return {
    comment,
    header: syntax.header,
    separator: syntax.separator,
    magic: syntax.magicPrefix.trimEnd(),
    magicPrefix: syntax.magicPrefix,
    titlePrefix: `${comment} DBTITLE `,
  };
}

function refuse(reason: UploadRefusal, message: string): UploadPlan {
  return { kind: 'refuse', reason, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
