// What a local rename means in the workspace, decided from the two names and the destination
// folder's view: a plain remote move, a notebook language change, a notebook turned into a plain
// file, or new content for an existing notebook. Pure: it plans, the filesystem carries the plan
// out (and checks what needs a request, such as whether a folder it replaces is empty).
import { NOTEBOOK_SYNTAX, languageForFileName, type Language } from '../../shared/workspace-types';
import type { DownloadFormat, RemoteEntry } from '../remote/remote-workspace';
import { JUPYTER_EXTENSION, childPath, invalidNameReason, type DirectoryView, type VisibleEntry } from './directory-view';

/** Why a rename cannot be carried out. */
export type RenameRefusal = 'invalid-name' | 'is-a-directory' | 'not-a-directory' | 'name-taken';

/**
 * A rename, as remote steps. `replace` is the visible entry already at the destination name,
 * which the rename removes: an upload or import at its path overwrites it; a `move` onto its
 * path needs it deleted first (a folder only when empty); otherwise delete it once the result
 * exists. Every kind creates its result before it deletes the source.
 */
export type RenamePlan =
  /** Nothing changes remotely (the same object under the same or an equivalent name). */
  | { kind: 'noop' }
  /**
   * The source notebook stays where it is; only `replace` goes, and the notebook then shows under
   * its name (`a.ipynb` → `a.py` over the FILE `a.py` that had pushed it to `.ipynb`).
   */
  | { kind: 'remove-destination'; replace: RemoteEntry }
  /** Remote rename `from` → `to`; the object keeps its kind, identity and bytes. */
  | { kind: 'move'; from: string; to: string; replace?: RemoteEntry }
  /**
   * Export `from` as SOURCE, convertSource(fromLanguage → toLanguage), import as SOURCE in
   * `toLanguage` at `to`, then delete `from`. When `to === from` the import overwrites the
   * notebook in place and nothing is deleted.
   */
  | { kind: 'convert-language'; from: string; to: string; fromLanguage: Language; toLanguage: Language; replace?: RemoteEntry }
  /** Export notebook `from` in `format` (the bytes a read shows), upload them as a FILE at `to`, delete `from`. */
  | { kind: 'notebook-to-file'; from: string; format: 'SOURCE' | 'JUPYTER'; to: string; replace?: RemoteEntry }
  /**
   * Give the existing notebook `to` new content and keep its identity: download `from` as `read`
   * (the engine may use its local copy), apply `convert` if set, import at `to` in `language` and
   * `format` with overwrite, then delete `from`. The atomic save of editors lands here.
   */
  | {
      kind: 'replace-notebook-content';
      from: string;
      read: DownloadFormat;
      convert?: { from: Language; to: Language };
      to: string;
      language: Language;
      format: 'SOURCE' | 'JUPYTER';
    }
  | { kind: 'refuse'; reason: RenameRefusal; message: string };

/**
 * Plans renaming the visible entry `from` to the name `toName` in the folder `destination` (which
 * may be `from`'s own folder). It follows the save rules (planUpload) as far as they can be
 * followed without reading content, with the cheapest faithful steps; as it never reads content, a
 * plain FILE stays a FILE under any name (it moves with its identity and bytes). Rules:
 * - folders move; onto an existing folder they replace it; onto anything else: `not-a-directory`;
 * - files move; onto an existing file they replace it; onto a notebook they become its content;
 * - a notebook renamed to a source extension becomes a notebook of that language (a move when the
 *   language is the same, else `convert-language`); to `.ipynb`, a JUPYTER-presented notebook moves
 *   and a SOURCE-presented one becomes a file (its bytes are not nbformat JSON); to any other name
 *   it becomes a plain file holding the bytes it showed; onto a notebook it becomes its content;
 * - nothing may land on a folder (`is-a-directory`), on the name of a hidden object, or on a
 *   workspace name another object holds (`name-taken`, e.g. a notebook `etl` next to folder `etl`).
 */
export function planRename(from: VisibleEntry, toName: string, destination: DirectoryView): RenamePlan {
  const invalid = invalidNameReason(toName);
  if (invalid !== undefined) return refuse('invalid-name', `cannot rename to ${toName}: ${invalid}`);
  const existing = destination.entries.get(toName);
  if (existing?.entry.path === from.entry.path) return { kind: 'noop' };
  switch (from.presentation.kind) {
    case 'DIRECTORY':
      return folderTo(from, toName, existing, destination);
    case 'FILE':
      return fileTo(from, toName, existing, destination);
    case 'NOTEBOOK':
      return notebookTo(from, from.presentation, toName, existing, destination);
  }
}

function folderTo(from: VisibleEntry, toName: string, existing: VisibleEntry | undefined, destination: DirectoryView): RenamePlan {
  const to = childPath(destination.directory, toName);
  if (existing === undefined) return checkFree(destination, toName, undefined) ?? { kind: 'move', from: from.entry.path, to };
  if (existing.presentation.kind !== 'DIRECTORY') return refuse('not-a-directory', `cannot move folder ${from.name} onto ${toName}: it is not a folder`);
  return { kind: 'move', from: from.entry.path, to, replace: existing.entry };
}

function fileTo(from: VisibleEntry, toName: string, existing: VisibleEntry | undefined, destination: DirectoryView): RenamePlan {
  const to = childPath(destination.directory, toName);
  if (existing === undefined) return checkFree(destination, toName, undefined) ?? { kind: 'move', from: from.entry.path, to };
  const target = existing.presentation;
  switch (target.kind) {
    case 'DIRECTORY':
      return refuse('is-a-directory', `cannot move ${from.name} onto folder ${toName}`);
    case 'FILE':
      return { kind: 'move', from: from.entry.path, to, replace: existing.entry };
    case 'NOTEBOOK':
      return intoNotebook(from, 'RAW', undefined, existing.entry.path, target.language, target.format);
  }
}

function notebookTo(
  from: VisibleEntry,
  source: { language: Language; format: 'SOURCE' | 'JUPYTER' },
  toName: string,
  existing: VisibleEntry | undefined,
  destination: DirectoryView,
): RenamePlan {
  if (existing === undefined) return notebookToName(from, source.language, source.format, toName, destination, undefined);
  const target = existing.presentation;
  switch (target.kind) {
    case 'DIRECTORY':
      return refuse('is-a-directory', `cannot move ${from.name} onto folder ${toName}`);
    case 'FILE':
      return notebookToName(from, source.language, source.format, toName, destination, existing.entry);
    case 'NOTEBOOK': {
      const convert = target.format === 'SOURCE' && target.language !== source.language ? { from: source.language, to: target.language } : undefined;
      return intoNotebook(from, target.format, convert, existing.entry.path, target.language, target.format);
    }
  }
}

/** A notebook renamed to a name that is free or held by a FILE (`replace`). */
function notebookToName(
  from: VisibleEntry,
  language: Language,
  format: 'SOURCE' | 'JUPYTER',
  toName: string,
  destination: DirectoryView,
  replace: RemoteEntry | undefined,
): RenamePlan {
  const extra = replace === undefined ? {} : { replace };
  const target = notebookTarget(toName, language, format);
  if (target === undefined) {
    return checkFree(destination, toName, replace) ?? { kind: 'notebook-to-file', from: from.entry.path, format, to: childPath(destination.directory, toName), ...extra };
  }
  const to = childPath(destination.directory, target.remoteName);
  const occupant = destination.byRemoteName.get(target.remoteName);
  if (occupant !== undefined && occupant.path !== from.entry.path) {
    return refuse('name-taken', `cannot rename ${from.name} to ${toName}: ${occupant.path} already exists in the workspace`);
  }
  if (target.language !== language) {
    return { kind: 'convert-language', from: from.entry.path, to, fromLanguage: language, toLanguage: target.language, ...extra };
  }
  if (to !== from.entry.path) return { kind: 'move', from: from.entry.path, to, ...extra };
  return replace === undefined ? { kind: 'noop' } : { kind: 'remove-destination', replace };
}

/**
 * The notebook a notebook becomes under `toName`: a source extension (any case) names a language;
 * `.ipynb` keeps a JUPYTER-presented notebook a notebook. Undefined: it becomes a plain file.
 */
function notebookTarget(toName: string, language: Language, format: 'SOURCE' | 'JUPYTER'): { remoteName: string; language: Language } | undefined {
  const named = languageForFileName(toName);
  if (named !== undefined) {
    const remoteName = toName.slice(0, toName.length - NOTEBOOK_SYNTAX[named].extension.length);
    return remoteName === '' ? undefined : { remoteName, language: named };
  }
  if (format === 'JUPYTER' && toName.toLowerCase().endsWith(JUPYTER_EXTENSION) && toName.length > JUPYTER_EXTENSION.length) {
    return { remoteName: toName.slice(0, -JUPYTER_EXTENSION.length), language };
  }
  return undefined;
}

function intoNotebook(
  from: VisibleEntry,
  read: DownloadFormat,
  convert: { from: Language; to: Language } | undefined,
  to: string,
  language: Language,
  format: 'SOURCE' | 'JUPYTER',
): RenamePlan {
  return { kind: 'replace-notebook-content', from: from.entry.path, read, ...(convert !== undefined && { convert }), to, language, format };
}

/** A refusal when the workspace name `name` is held by an object other than `allowed`. */
function checkFree(destination: DirectoryView, name: string, allowed: RemoteEntry | undefined): RenamePlan | undefined {
  const occupant = destination.byRemoteName.get(name);
  if (occupant === undefined || occupant.path === allowed?.path) return undefined;
  return refuse('name-taken', `cannot rename to ${name}: ${occupant.path} already exists in the workspace`);
}

function refuse(reason: RenameRefusal, message: string): RenamePlan {
  return { kind: 'refuse', reason, message };
}
