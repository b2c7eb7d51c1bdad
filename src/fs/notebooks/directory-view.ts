// The local face of one workspace folder: which names `ls` shows for its children, and for each
// visible name the remote object behind it and how its bytes are presented (file bytes, or a
// notebook exported as SOURCE or JUPYTER). Built from one listing alone (no get-status per child).
// Pure: no I/O, no caching, no remote calls; the engine rebuilds a view when its listing changes.
import type { Language } from '../../shared/workspace-types';
import { NOTEBOOK_SYNTAX } from '../../shared/workspace-types';
import { joinPath } from '../fs-paths';
import type { DownloadFormat, RemoteEntry } from '../remote/remote-workspace';

/** How a visible name is presented locally. */
export type Presentation =
  | { kind: 'FILE' }
  /** DIRECTORY and REPO (Git folder) entries. */
  | { kind: 'DIRECTORY' }
  /** A notebook read and written as SOURCE text (`.py`, `.sql`, …) or as JUPYTER (`.ipynb`). */
  | { kind: 'NOTEBOOK'; language: Language; format: 'SOURCE' | 'JUPYTER' };

/** A child the view shows: its local name, its remote object and its presentation. */
export interface VisibleEntry {
  name: string;
  entry: RemoteEntry;
  presentation: Presentation;
}

/** Why a child of the folder is not shown. */
export type HiddenReason =
  /** A notebook whose source name and `.ipynb` name are both taken by other objects. */
  | 'name-collision'
  /** Two listed objects with the same name (the service should never send this). */
  | 'duplicate-name'
  /** LIBRARY, DASHBOARD, MLFLOW_EXPERIMENT, …: not readable or writable as a file. */
  | 'unsupported-type'
  /** A notebook the listing gave no known language. */
  | 'no-language'
  /** The name cannot be a local file name (empty, `.`, `..`, `/`, NUL, over 255 bytes). */
  | 'invalid-name';

/** A child the view leaves out, with the reason, so the engine can log it or raise a problem. */
export interface HiddenEntry {
  /** The object's name in the workspace (notebooks: without extension). */
  remoteName: string;
  entry: RemoteEntry;
  reason: HiddenReason;
  message: string;
}

/** The visible names of one folder and the reverse lookup; immutable. */
export interface DirectoryView {
  /** Workspace path of the folder. */
  readonly directory: string;
  /** Visible names, sorted by UTF-16 code units. */
  readonly names: readonly string[];
  /** Visible name → entry (exact, case-sensitive). */
  readonly entries: ReadonlyMap<string, VisibleEntry>;
  /** Workspace name → object, for every listed child (shown or hidden): what a new name would clash with. */
  readonly byRemoteName: ReadonlyMap<string, RemoteEntry>;
  /** Children left out, sorted by remote name. */
  readonly hidden: readonly HiddenEntry[];
}

/** Longest local file name in bytes (NAME_MAX on Linux and macOS). */
export const NAME_MAX_BYTES = 255;

/** The extension a Jupyter-presented notebook gets. */
export const JUPYTER_EXTENSION = '.ipynb';

/**
 * Builds the view of `directory` from its listed children. Rules, in order:
 * 1. Files, folders and repos show under their exact names; these names are theirs even when a
 *    notebook would want them ("real entries always win"). OTHER objects are hidden
 *    (`unsupported-type`) but keep their names too, so a notebook never shows under one.
 * 2. A notebook `foo` shows as `foo` + its language's extension, presented as SOURCE; when that
 *    name belongs to another object, as `foo.ipynb` presented as JUPYTER; when both do, it is
 *    hidden (`name-collision`). Names compare case-sensitively. The notebook's own export format
 *    is not consulted: listings do not carry it, and the view must not depend on extra requests.
 * 3. Names that cannot be local file names are hidden (`invalid-name`).
 * The result does not depend on the order of `entries`.
 */
export function buildDirectoryView(directory: string, entries: readonly RemoteEntry[]): DirectoryView {
  const prefix = directory.endsWith('/') ? directory : `${directory}/`;
  const named = entries
    .map((entry) => ({ entry, remoteName: entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : '' }))
    .sort((a, b) => compare(a.remoteName, b.remoteName) || rank(a.entry) - rank(b.entry) || a.entry.objectId - b.entry.objectId);

  const visible = new Map<string, VisibleEntry>();
  const byRemoteName = new Map<string, RemoteEntry>();
  const hidden: HiddenEntry[] = [];
  const hide = (remoteName: string, entry: RemoteEntry, reason: HiddenReason, message: string): void => {
    hidden.push({ remoteName, entry, reason, message });
  };

  for (const { entry, remoteName } of named) {
    if (remoteName === '' || remoteName.includes('/')) {
      hide(remoteName, entry, 'invalid-name', `${entry.path} is not a direct child of ${directory}`);
      continue;
    }
    if (byRemoteName.has(remoteName)) {
      // Impossible in a sane listing; files and folders win, then notebooks, then the lowest id.
      hide(remoteName, entry, 'duplicate-name', `${entry.path} is listed twice`);
      continue;
    }
    byRemoteName.set(remoteName, entry);
  }

  // Pass 1: every non-notebook claims its exact name (shown or not).
  const claimed = new Set<string>();
  for (const [remoteName, entry] of byRemoteName) {
    if (entry.type === 'NOTEBOOK') continue;
    claimed.add(remoteName);
    const invalid = invalidNameReason(remoteName);
    if (invalid !== undefined) hide(remoteName, entry, 'invalid-name', `${entry.path}: ${invalid}`);
    else if (entry.type === 'OTHER') hide(remoteName, entry, 'unsupported-type', `${entry.path} is a ${entry.rawType}, which cannot be read or written as a file`);
    else visible.set(remoteName, { name: remoteName, entry, presentation: entry.type === 'FILE' ? { kind: 'FILE' } : { kind: 'DIRECTORY' } });
  }

  // Pass 2: notebooks take their source name, else their `.ipynb` name, else nothing.
  for (const [remoteName, entry] of byRemoteName) {
    if (entry.type !== 'NOTEBOOK') continue;
    const language = entry.language;
    if (language === undefined) {
      hide(remoteName, entry, 'no-language', `${entry.path} is a notebook of unknown language`);
      continue;
    }
    const candidates = [
      { name: remoteName + NOTEBOOK_SYNTAX[language].extension, format: 'SOURCE' as const },
      { name: remoteName + JUPYTER_EXTENSION, format: 'JUPYTER' as const },
    ];
    const free = candidates.find(
      (candidate) => invalidNameReason(candidate.name) === undefined && !claimed.has(candidate.name) && !visible.has(candidate.name),
    );
    if (free === undefined) {
      const invalid = invalidNameReason(candidates[0]!.name);
      if (invalid !== undefined) hide(remoteName, entry, 'invalid-name', `${entry.path}: ${invalid}`);
      else hide(remoteName, entry, 'name-collision', `notebook ${entry.path} is hidden: ${candidates[0]!.name} and ${candidates[1]!.name} are both taken by other objects`);
      continue;
    }
    visible.set(free.name, { name: free.name, entry, presentation: { kind: 'NOTEBOOK', language, format: free.format } });
  }

  const names = [...visible.keys()].sort(compare);
  hidden.sort((a, b) => compare(a.remoteName, b.remoteName) || a.entry.objectId - b.entry.objectId);
  return {
    directory,
    names,
    entries: new Map(names.map((name) => [name, visible.get(name)!])),
    byRemoteName,
    hidden,
  };
}

/** Why `name` cannot be a local file name, or undefined when it can. */
export function invalidNameReason(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return `"${name}" is not a usable file name`;
  if (name.includes('/')) return 'the name contains "/"';
  if (name.includes('\0')) return 'the name contains a NUL character';
  if (Buffer.byteLength(name, 'utf8') > NAME_MAX_BYTES) return `the name is longer than ${NAME_MAX_BYTES} bytes`;
  return undefined;
}

/** What to download to read an entry presented as `presentation`; undefined for folders. */
export function downloadFormat(presentation: Presentation): DownloadFormat | undefined {
  switch (presentation.kind) {
    case 'FILE':
      return 'RAW';
    case 'NOTEBOOK':
      return presentation.format;
    case 'DIRECTORY':
      return undefined;
  }
}

/** The workspace path of the child `name` of `directory`. */
export const childPath = joinPath;

/** Which of two objects listed under one name is kept: real entries first, OTHER last. */
function rank(entry: RemoteEntry): number {
  return entry.type === 'NOTEBOOK' ? 1 : entry.type === 'OTHER' ? 2 : 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
