// String helpers for the engine's `/`-separated absolute paths, local (`/etl/Ingest.scala`) and
// remote (`/Users/me/etl/Ingest`) alike. Pure; no normalisation policy beyond what each says.

/** The parent of an absolute path (`/` for top-level entries and for `/`). */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last segment of an absolute path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The path of the child `name` of `directory`. */
export function joinPath(directory: string, name: string): string {
  return directory.endsWith('/') ? `${directory}${name}` : `${directory}/${name}`;
}

/** True when `path` is `folder` or lies beneath it. */
export function isWithin(path: string, folder: string): boolean {
  return folder === '/' || path === folder || path.startsWith(`${folder}/`);
}
