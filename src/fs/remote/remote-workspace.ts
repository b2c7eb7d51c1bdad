// The engine's port to a Databricks workspace: what the filesystem asks of the remote, in the
// engine's own terms (entries, streams, local files), independent of endpoints. Implementations:
// DatabricksRemote (REST through the SDK, with retries and fallbacks). Every method rejects with
// RemoteError only; bytes move through streams and local files, never whole large files in memory.
import type { Language } from '../../shared/workspace-types';

/** The kind of a workspace object, as the engine sees it. */
export type RemoteObjectType = 'DIRECTORY' | 'REPO' | 'FILE' | 'NOTEBOOK' | 'OTHER';

/** Metadata of one workspace object. */
export interface RemoteEntry {
  /** Absolute workspace path (notebooks without extension), without a `/Workspace` prefix. */
  path: string;
  type: RemoteObjectType;
  /** The service's type name, kept for OTHER (LIBRARY, DASHBOARD, MLFLOW_EXPERIMENT, …). */
  rawType: string;
  objectId: number;
  /** Notebooks only. */
  language?: Language;
  /**
   * Notebooks only: how the notebook round-trips (`.ipynb` notebooks are JUPYTER). Only `stat`
   * reports it (get-status with export info); listings never carry it.
   */
  exportFormat?: 'SOURCE' | 'JUPYTER';
  /** ms since the epoch; files and notebooks. */
  createdAt?: number;
  modifiedAt?: number;
  /**
   * Exact byte size, for FILEs, when the endpoint used reports it (workspace-files: list-files,
   * object-info); absent where the workspace lacks them; never for notebooks.
   */
  size?: number;
  /**
   * Never set by a remote: WorkspaceFs tags a FILE version it just uploaded, whose workspace
   * object id and modified_at it has not read back yet, with a number unique in the engine run.
   * While tagged, its content is the local copy adopted under the tag; a listing replaces it.
   */
  localVersion?: number;
}

/** What to download: a file's bytes, or a notebook in one of its source forms. */
export type DownloadFormat = 'RAW' | 'SOURCE' | 'JUPYTER';

/** What an upload creates. */
export type UploadKind =
  | { type: 'FILE' }
  | { type: 'NOTEBOOK'; language: Language; format: 'SOURCE' | 'JUPYTER' };

/**
 * Where upload bytes come from: a local file (streamed; `onProgress` is told how many bytes of it
 * the current attempt has handed to the connection, starting again at 0 on a retry) or a small buffer.
 */
export type UploadSource = { file: string; size: number; onProgress?: (sent: number) => void } | { bytes: Buffer };

/** The workspace user a credential belongs to. */
export interface RemoteUser {
  userName: string;
  displayName?: string;
}

/** Optional endpoint families; learned at run time, see `capabilities()`. */
export interface RemoteCapabilities {
  /** `/api/2.0/workspace-files/*` answers (sizes in listings, signed URLs, import-file). */
  workspaceFiles: boolean | 'unknown';
  /** `/api/2.0/workspace/rename` answers. */
  rename: boolean | 'unknown';
}

/** Options of `RemoteWorkspace.downloadTo`. */
export interface DownloadOptions {
  /**
   * Told after every write how many leading bytes of the target the current attempt has written
   * (an attempt that starts over counts again from where it starts).
   */
  onProgress?: (bytes: number) => void;
  /** Cancels the download: it rejects with the signal's reason and leaves the target to the caller. */
  signal?: AbortSignal;
}

/** The remote workspace as the engine uses it. */
export interface RemoteWorkspace {
  /** The credential's user (`/Me`); rejects `unauthenticated` for a bad token. */
  currentUser(): Promise<RemoteUser>;

  /** Metadata of one object; `not-found` when missing. */
  stat(path: string): Promise<RemoteEntry>;

  /**
   * Direct children of a folder, with sizes where the workspace offers them; one listing request.
   * `not-a-directory` for a file or notebook, `not-found` when missing.
   */
  list(path: string): Promise<RemoteEntry[]>;

  /**
   * Downloads an object into the local file `target` (created or truncated; retried downloads
   * start over or resume, never append twice): a file's bytes (`RAW`) or a notebook's SOURCE or
   * JUPYTER export. Large files go through a signed URL where the workspace offers one. Resolves
   * with the byte count; `too-large` when no path can carry it; with `options.signal`'s reason
   * once it aborts (no retry after that). Callers joining a download of the same object already
   * running get a copy at its end and no progress (and share its cancellation).
   */
  downloadTo(path: string, format: DownloadFormat, target: string, options?: DownloadOptions): Promise<number>;

  /**
   * Creates or replaces (`overwrite`) a file or notebook at `path` from `source`. Large files go
   * through new-files + signed URL where offered, falling back to import-file, then import.
   * Notebook paths carry no extension. A FILE is created with the service's AUTO detection, so a
   * `.py`/`.sql`/`.scala`/`.r` whose first line is the notebook header (or a Jupyter `.ipynb`)
   * becomes a notebook. `exists` without overwrite; `not-found` when the parent is missing. An
   * upload without overwrite that failed in a way that may have applied is not repeated: it
   * rejects (`network`/`unavailable`) and the caller may stat to find out.
   */
  upload(path: string, kind: UploadKind, source: UploadSource, options: { overwrite: boolean }): Promise<void>;

  /** `mkdir -p`; `exists` when a non-folder is in the way. */
  mkdirs(path: string): Promise<void>;

  /**
   * Deletes an object; folders only when empty unless `recursive` (`not-empty`). A retry that finds
   * nothing after an attempt that may have applied counts as success.
   */
  delete(path: string, options: { recursive: boolean }): Promise<void>;

  /**
   * Moves an object to a free destination (the caller removes a destination it wants replaced).
   * Uses workspace/rename (never repeated blindly); where it does not exist, copies (download +
   * upload, recursively for folders, notebooks keeping language and format) then deletes the
   * source. `exists` for a taken destination; `not-supported` for Git folders and other objects
   * that cannot be copied when the endpoint is missing.
   */
  rename(from: string, to: string): Promise<void>;

  /** What the workspace has shown it supports so far. */
  capabilities(): RemoteCapabilities;
}
