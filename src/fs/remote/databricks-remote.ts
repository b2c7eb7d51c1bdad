// RemoteWorkspace over the Databricks REST API: the SDK supplies configuration, auth and the
// generated public-API services, run over our HttpTransport, which also carries what the SDK lacks
// (direct downloads, workspace-files, signed URLs, rename). This file picks endpoints, learns
// capabilities and falls back, keeping bytes on disk. It does not read statuses (remote-error.ts),
// time retries (RetryPolicy) or cache metadata beyond signed URLs.
import { randomUUID } from 'node:crypto';
import { copyFile, link, mkdir, open, readFile, rm, stat as statFile } from 'node:fs/promises';
import { join } from 'node:path';
import { iam, workspace, type Config } from '@databricks/sdk-experimental';
import { LANGUAGES, type Language, type SignedUrl } from '../../shared/workspace-types';
import { baseName, isWithin, joinPath, parentPath } from '../fs-paths';
import { HttpTransport, TransportApiClient, type ExchangeEvent, type HttpRequest, type HttpResponse } from './http-transport';
import { notADirectory, RemoteError, truncatedBody } from './remote-error';
import type {
  DownloadFormat,
  RemoteCapabilities,
  RemoteEntry,
  RemoteObjectType,
  RemoteUser,
  RemoteWorkspace,
  UploadKind,
  UploadSource,
  DownloadOptions,
} from './remote-workspace';
import { RequestLimiter } from './request-limiter';
import { RetryPolicy, type CallSafety } from './retry-policy';
import { SignedUrlCache, type SignedDownload } from './signed-url-cache';
import { multipartBody, sourceSize, uploadBody } from './upload-body';

const MiB = 1024 * 1024;

/** Size thresholds that pick endpoints (docs/remote.md gives the reasons). */
export interface RemoteThresholds {
  /** `workspace/import` sends JSON (base64) up to this size and multipart above: the 10 MiB JSON limit. */
  jsonImportBytes: number;
  /** FILEs known to be larger are read through a signed URL: the disputed 10 MiB direct_download limit. */
  largeReadBytes: number;
  /** FILEs larger than this are written through new-files + a signed PUT, smaller ones through import-file. */
  largeWriteBytes: number;
}

/** The thresholds used unless overridden. */
export const DEFAULT_THRESHOLDS: Readonly<RemoteThresholds> = {
  jsonImportBytes: 10 * MiB,
  largeReadBytes: 10 * MiB,
  largeWriteBytes: 10 * MiB,
};

/** What DatabricksRemote is built from. */
export interface DatabricksRemoteOptions {
  /** The SDK configuration (see createRemoteConfig). */
  config: Config;
  /** A private folder for temporary copies (rename fallback); created when needed. */
  tempDir: string;
  retry?: RetryPolicy;
  limiter?: RequestLimiter;
  /** Clock, ms since the epoch (signed URL expiry). */
  now?: () => number;
  /** Abort a request after this long without progress (default 120 s). */
  idleTimeoutMs?: number;
  thresholds?: Partial<RemoteThresholds>;
  /** Told about every finished HTTP exchange (the engine logs them at debug level). */
  onExchange?: (event: ExchangeEvent) => void;
}

const API = '/api/2.0';
const GET_STATUS = `${API}/workspace/get-status`;
const EXPORT = `${API}/workspace/export`;
const IMPORT = `${API}/workspace/import`;
const RENAME = `${API}/workspace/rename`;
const LIST_FILES = `${API}/workspace-files/list-files`;
const OBJECT_INFO = `${API}/workspace-files/object-info`;
const NEW_FILES = `${API}/workspace-files/new-files`;
const IMPORT_FILE = `${API}/workspace-files/import-file`;

/** ObjectInfo as it comes off the wire: every field may be missing or of an unexpected type. */
interface WireObjectInfo {
  path?: unknown;
  object_type?: unknown;
  object_id?: unknown;
  language?: unknown;
  created_at?: unknown;
  modified_at?: unknown;
  size?: unknown;
  repos_export_format?: unknown;
}

interface FilesEntry {
  object_info?: WireObjectInfo;
  signed_url?: SignedUrl;
}

/** One caller of `downloadTo` waiting on a shared download. */
interface DownloadCaller {
  target: string;
  onProgress: ((bytes: number) => void) | undefined;
  settle(outcome: { bytes: number } | { error: unknown }): void;
  /** The flight it waits on (changes when its owner left and it moved to a new one). */
  flight?: DownloadFlight;
}

/**
 * An in-flight download shared by callers of the same path and format. The bytes stream into the
 * owner's target; the others get a copy at the end. `callers` (the owner included while it waits)
 * changes synchronously only; the flight is aborted, and leaves the map at once, when its owner
 * or its last caller leaves (docs/remote.md "Shared downloads").
 */
interface DownloadFlight {
  path: string;
  owner: DownloadCaller;
  callers: Set<DownloadCaller>;
  controller: AbortController;
  /** Set once the body is complete and the joined callers' copies are being made (nothing to abort). */
  copying?: boolean;
}

/** The remote workspace over the Databricks REST API. */
export class DatabricksRemote implements RemoteWorkspace {
  private readonly transport: HttpTransport;
  private readonly workspace: workspace.WorkspaceService;
  private readonly users: iam.CurrentUserService;
  private readonly limiter: RequestLimiter;
  private readonly retry: RetryPolicy;
  private readonly urls: SignedUrlCache;
  private readonly tempDir: string;
  private readonly thresholds: RemoteThresholds;
  // Learned capabilities: 'unknown' until an answer says otherwise; once false they stay false
  // (a success that was in flight while another call learned the refusal does not undo it).
  // Plain assignments with no await between check and set, so no lock is needed.
  private readonly caps: RemoteCapabilities = { workspaceFiles: 'unknown', rename: 'unknown' };
  /** new-files (signed uploads) is refused in some workspaces where the rest of the family works. */
  private signedUploads: boolean | 'unknown' = 'unknown';
  // Downloads in flight by `format + path`; a reader may join a flight only while it is here.
  // Entries are added and removed synchronously; a change to a path removes its flights so that
  // later readers fetch the new version.
  private readonly downloads = new Map<string, DownloadFlight>();

  constructor(options: DatabricksRemoteOptions) {
    this.limiter = options.limiter ?? new RequestLimiter();
    this.retry = options.retry ?? new RetryPolicy();
    this.tempDir = options.tempDir;
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
    this.urls = new SignedUrlCache({ now: options.now ?? Date.now });
    const sdk: { client?: TransportApiClient } = {};
    this.transport = new HttpTransport(options.config, {
      limiter: this.limiter,
      ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
      userAgent: () => sdk.client?.userAgent() ?? 'wsfs',
      ...(options.onExchange !== undefined && { onExchange: options.onExchange }),
    });
    sdk.client = new TransportApiClient(options.config, this.transport);
    this.workspace = new workspace.WorkspaceService(sdk.client);
    this.users = new iam.CurrentUserService(sdk.client);
  }

  /** The credential's user (`/Me`). */
  async currentUser(): Promise<RemoteUser> {
    const me = await this.limiter.share('me', () => this.retry.run('idempotent', () => this.users.me()));
    if (typeof me.userName !== 'string' || me.userName === '') throw new RemoteError('unknown', 'the workspace did not name the current user');
    return { userName: me.userName, ...(me.displayName !== undefined && { displayName: me.displayName }) };
  }

  /** get-status with export info; for FILEs also object-info for the size, where the workspace offers it. */
  async stat(path: string): Promise<RemoteEntry> {
    return { ...(await this.limiter.share(`stat\0${path}`, () => this.statOnce(path))) };
  }

  /** list-files (sizes and signed URLs), falling back to workspace/list; one request either way. */
  async list(path: string): Promise<RemoteEntry[]> {
    const entries = await this.limiter.share(`list\0${path}`, () =>
      this.viaWorkspaceFiles(
        () => this.listFiles(path),
        () => this.listWorkspace(path),
      ),
    );
    return entries.map((entry) => ({ ...entry }));
  }

  /**
   * Streams a file's bytes or a notebook's export into `target`; see docs/remote.md for the paths.
   * Callers of one path and format share a download; each one's `signal` cancels only its own wait.
   */
  downloadTo(path: string, format: DownloadFormat, target: string, options: DownloadOptions = {}): Promise<number> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const key = `${format}\0${path}`;
      const leave = (): void => {
        if (caller.flight !== undefined) this.leaveDownload(key, format, caller.flight, caller, signal!.reason);
      };
      const caller: DownloadCaller = {
        target,
        onProgress: options.onProgress,
        settle: (outcome) => {
          signal?.removeEventListener('abort', leave);
          if ('error' in outcome) reject(outcome.error);
          else resolve(outcome.bytes);
        },
      };
      signal?.addEventListener('abort', leave, { once: true });
      this.joinDownload(key, path, format, caller);
    });
  }

  /** Adds `caller` to the running download of `key`, or starts one it owns; never joins an aborted one. */
  private joinDownload(key: string, path: string, format: DownloadFormat, caller: DownloadCaller): void {
    const running = this.downloads.get(key);
    if (running !== undefined && !running.controller.signal.aborted) {
      running.callers.add(caller);
      caller.flight = running;
      return;
    }
    const flight: DownloadFlight = { path, owner: caller, callers: new Set([caller]), controller: new AbortController() };
    caller.flight = flight;
    this.downloads.set(key, flight);
    // The bytes stream into the owner's target only; a joined caller hears of its copy when it is made.
    const onProgress = (bytes: number): void => caller.onProgress?.(bytes);
    void (async () => {
      let bytes: number;
      try {
        bytes = await this.download(path, format, caller.target, { onProgress, signal: flight.controller.signal });
      } catch (error) {
        if (this.downloads.get(key) === flight) this.downloads.delete(key);
        for (const each of flight.callers) each.settle({ error });
        flight.callers.clear();
        return;
      }
      // Joined callers want their own file; the iteration sees callers joining during the copies,
      // and the flight leaves the map right after the last one (no await in between). The copies
      // come from a link of the owner's target, which stays whole if the owner leaves meanwhile.
      flight.copying = true;
      const shared = await sharedSource(caller.target, [...flight.callers].some((each) => each !== caller && each.target !== caller.target));
      for (const each of flight.callers) {
        if (each === caller || each.target === caller.target) continue;
        try {
          await copyLocal(shared, each.target);
          each.onProgress?.(bytes);
        } catch (error) {
          if (flight.callers.delete(each)) each.settle({ error });
        }
      }
      if (shared !== caller.target) await rm(shared, { force: true });
      if (this.downloads.get(key) === flight) this.downloads.delete(key);
      for (const each of flight.callers) each.settle({ bytes });
      flight.callers.clear();
    })();
  }

  /**
   * `caller` of `flight` cancelled: it rejects with `reason` at once. The flight is aborted (and
   * leaves the map, so later callers start afresh) when nobody waits any more, or when the owner
   * left, whose target the bytes stream into: the callers still waiting then move to a new download.
   */
  private leaveDownload(key: string, format: DownloadFormat, flight: DownloadFlight, caller: DownloadCaller, reason: unknown): void {
    if (!flight.callers.delete(caller)) return;
    caller.settle({ error: reason });
    // Once copying, the bytes are all there: the rest get their copies whoever left.
    if (flight.copying === true || (flight.callers.size > 0 && caller !== flight.owner)) return;
    if (this.downloads.get(key) === flight) this.downloads.delete(key);
    const rest = [...flight.callers];
    flight.callers.clear();
    flight.controller.abort(reason);
    for (const each of rest) this.joinDownload(key, flight.path, format, each);
  }

  /** Notebooks through workspace/import; files through new-files + signed PUT, import-file or import. */
  async upload(path: string, kind: UploadKind, source: UploadSource, options: { overwrite: boolean }): Promise<void> {
    await checkSource(source);
    this.changed(path);
    try {
      if (kind.type === 'NOTEBOOK') {
        await this.importWorkspace(path, kind.format, kind.language, source, options.overwrite);
      } else {
        await this.viaWorkspaceFiles(
          () => this.uploadThroughFilesApi(path, source, options.overwrite),
          () => this.importWorkspace(path, 'AUTO', undefined, source, options.overwrite),
        );
      }
    } finally {
      this.changed(path);
    }
  }

  /** `mkdir -p` through workspace/mkdirs (idempotent). */
  async mkdirs(path: string): Promise<void> {
    this.changed(path);
    try {
      await this.retry.run('idempotent', () => this.workspace.mkdirs({ path }));
    } finally {
      this.changed(path);
    }
  }

  /** workspace/delete; a retry that finds nothing after an attempt that may have applied counts as done. */
  async delete(path: string, options: { recursive: boolean }): Promise<void> {
    this.changed(path);
    try {
      await this.retry.run('idempotent', async ({ earlierMayHaveApplied }) => {
        try {
          await this.workspace.delete({ path, recursive: options.recursive });
        } catch (error) {
          if (earlierMayHaveApplied && error instanceof RemoteError && error.kind === 'not-found') return;
          throw error;
        }
      });
    } finally {
      this.changed(path);
    }
  }

  /** workspace/rename (never repeated blindly); copy + delete where the endpoint does not exist. */
  async rename(from: string, to: string): Promise<void> {
    this.changed(from);
    this.changed(to);
    try {
      if (this.caps.rename !== false) {
        try {
          await this.retry.run('non-idempotent', () =>
            this.transport.json({ method: 'POST', path: RENAME, body: { kind: 'json', value: { source_path: from, destination_path: to } } }),
          );
          if (this.caps.rename === 'unknown') this.caps.rename = true;
          return;
        } catch (error) {
          if (!(error instanceof RemoteError) || error.kind !== 'not-supported') throw error;
          this.caps.rename = false;
        }
      }
      await this.copyThenDelete(from, to);
    } finally {
      this.changed(from);
      this.changed(to);
    }
  }

  /** What the workspace has shown it supports so far. */
  capabilities(): RemoteCapabilities {
    return { ...this.caps };
  }

  // ---- metadata -------------------------------------------------------------------------------

  private async statOnce(path: string): Promise<RemoteEntry> {
    const info = await this.retry.run('idempotent', () =>
      this.transport.json<WireObjectInfo>({ method: 'GET', path: GET_STATUS, query: { path, return_export_info: true } }),
    );
    const entry = toEntry(info);
    if (entry.type === 'FILE') {
      const extra = await this.viaWorkspaceFiles(
        () => this.objectInfo(path),
        async () => undefined,
      );
      if (extra !== undefined && extra.entry.objectId === entry.objectId && extra.entry.size !== undefined) entry.size = extra.entry.size;
    }
    return entry;
  }

  private async listFiles(path: string): Promise<RemoteEntry[]> {
    const body = await this.retry.run('idempotent', () =>
      this.transport.json<{ objects?: FilesEntry[] }>({ method: 'GET', path: LIST_FILES, query: { path } }),
    );
    const entries = (body.objects ?? []).map((item) => this.filesEntry(item));
    return checkListing(path, entries);
  }

  private async listWorkspace(path: string): Promise<RemoteEntry[]> {
    const entries = await this.retry.run('idempotent', async () => {
      const out: RemoteEntry[] = [];
      for await (const info of this.workspace.list({ path })) out.push(toEntry(info as WireObjectInfo));
      return out;
    });
    return checkListing(path, entries);
  }

  private async objectInfo(path: string): Promise<{ entry: RemoteEntry; signed?: SignedDownload }> {
    const body = await this.retry.run('idempotent', () =>
      this.transport.json<{ wsfs_object_info?: FilesEntry }>({ method: 'GET', path: OBJECT_INFO, query: { path } }),
    );
    const item = body.wsfs_object_info ?? {};
    const entry = this.filesEntry(item);
    const url = item.signed_url;
    if (entry.type !== 'FILE' || url?.url === undefined) return { entry };
    const signed: SignedDownload = { url: url.url, headers: { ...url.headers }, objectId: entry.objectId, ...(url.expiry_time_millis !== undefined && { expiresAt: url.expiry_time_millis }) };
    return { entry, signed };
  }

  /** An entry of list-files / object-info; its signed URL is remembered for a later large read. */
  private filesEntry(item: FilesEntry): RemoteEntry {
    const entry = toEntry(item.object_info ?? {});
    if (entry.type === 'FILE' && item.signed_url?.url !== undefined) this.urls.remember(entry.path, entry.objectId, item.signed_url, entry.size);
    return entry;
  }

  /**
   * Runs `primary` (a workspace-files call) unless the family is known to be off. When the family
   * answers not-supported, or refuses with 403, the capability flips off and `fallback` runs; a
   * 403 flips it only if the fallback then succeeds (else the 403 was about the object itself).
   */
  private async viaWorkspaceFiles<T>(primary: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.caps.workspaceFiles === false) return fallback();
    let refusal: RemoteError;
    try {
      const result = await primary();
      if (this.caps.workspaceFiles === 'unknown') this.caps.workspaceFiles = true;
      return result;
    } catch (error) {
      if (!(error instanceof RemoteError) || (error.kind !== 'not-supported' && error.kind !== 'permission')) throw error;
      refusal = error;
    }
    if (refusal.kind === 'not-supported') {
      this.caps.workspaceFiles = false;
      return fallback();
    }
    const result = await fallback();
    this.caps.workspaceFiles = false;
    return result;
  }

  // ---- downloads ------------------------------------------------------------------------------

  private async download(path: string, format: DownloadFormat, target: string, watch: DownloadOptions): Promise<number> {
    if (format !== 'RAW') return this.exportTo(path, format, target, watch);
    const known = this.urls.get(path);
    if (known?.size !== undefined && known.size > this.thresholds.largeReadBytes) {
      return this.viaWorkspaceFiles(
        async () => (await this.signedDownload(path, target, known, watch)) ?? this.exportTo(path, 'SOURCE', target, watch),
        () => this.exportTo(path, 'SOURCE', target, watch),
      );
    }
    try {
      return await this.exportTo(path, 'SOURCE', target, watch);
    } catch (error) {
      // direct_download is capped in some workspaces (10 MiB observed): a signed URL carries more.
      if (!(error instanceof RemoteError) || error.kind !== 'too-large') throw error;
      const fallback = (): Promise<number> => Promise.reject(error);
      return this.viaWorkspaceFiles(async () => (await this.signedDownload(path, target, undefined, watch)) ?? fallback(), fallback);
    }
  }

  /** export?direct_download=true streamed into `target`; a failed attempt starts over (truncating). */
  private exportTo(path: string, format: 'SOURCE' | 'JUPYTER', target: string, watch: DownloadOptions): Promise<number> {
    return this.retry.run('idempotent', () =>
      this.transport.exchange({ method: 'GET', path: EXPORT, query: { path, format, direct_download: true }, signal: watch.signal }, (response) =>
        writeBody(response, target, 0, (bytes) => watch.onProgress?.(bytes)),
      ),
      watch.signal,
    );
  }

  /**
   * Downloads through a signed URL: `known` (from a recent listing) if given, else a fresh one from
   * object-info; a stale known URL (403/404) is replaced once. Resolves undefined when there is no
   * usable URL (not a FILE, or storage refuses a fresh URL), so the caller uses export instead.
   */
  private async signedDownload(path: string, target: string, known: SignedDownload | undefined, watch: DownloadOptions): Promise<number | undefined> {
    let signed = known;
    for (let round = 1; round <= 2; round++) {
      const fresh = signed === undefined;
      if (signed === undefined) {
        signed = (await this.objectInfo(path)).signed;
        if (signed === undefined) return undefined;
      }
      try {
        return await this.fetchSigned(signed, target, watch);
      } catch (error) {
        if (!(error instanceof RemoteError)) throw error;
        this.urls.forget(path);
        if (fresh && error.kind === 'permission') return undefined;
        if (fresh || (error.kind !== 'permission' && error.kind !== 'not-found')) throw error;
        signed = undefined;
      }
    }
    return undefined;
  }

  /** GET on a signed URL; a body that breaks off is resumed with Range from the bytes on disk. */
  private fetchSigned(signed: SignedDownload, target: string, watch: DownloadOptions): Promise<number> {
    let onDisk = 0; // bytes of `target` known good; survives failed attempts
    return this.retry.run('idempotent', () => {
      const request: HttpRequest = { method: 'GET', url: signed.url, headers: { ...signed.headers }, signal: watch.signal };
      if (onDisk > 0) request.headers!.range = `bytes=${onDisk}-`;
      return this.transport.exchange(request, async (response) => {
        const start = onDisk > 0 && response.status === 206 ? rangeStart(response.headers.get('content-range')) : 0;
        if (start !== 0 && start !== onDisk) throw new RemoteError('network', `the storage resumed at byte ${start}, not ${onDisk}`, { mayHaveApplied: false });
        onDisk = start;
        return writeBody(response, target, start, (position) => {
          onDisk = position;
          watch.onProgress?.(position);
        });
      });
    }, watch.signal);
  }

  // ---- uploads --------------------------------------------------------------------------------

  /** Large files: new-files + signed PUT where offered; otherwise (and below the threshold) import-file. */
  private async uploadThroughFilesApi(path: string, source: UploadSource, overwrite: boolean): Promise<void> {
    if (sourceSize(source) > this.thresholds.largeWriteBytes && this.signedUploads !== false) {
      const signed = await this.newFilesUrl(path, overwrite);
      if (signed !== undefined) {
        try {
          await this.retry.run(safety(overwrite), () =>
            this.transport.exchange({ method: 'PUT', url: signed.url, headers: { ...signed.headers }, body: uploadBody(source) }, (response) =>
              response.text(),
            ),
          );
          return;
        } catch (error) {
          // Storage refusing our PUT (a firewall, a policy) did not store anything: use import-file.
          if (!(error instanceof RemoteError) || error.kind !== 'permission') throw error;
          this.signedUploads = false;
        }
      }
    }
    await this.retry.run(safety(overwrite), () =>
      this.transport.json({ method: 'POST', path: importFilePath(path), query: { overwrite }, body: uploadBody(source) }),
    );
  }

  /** An upload URL from new-files, or undefined when that endpoint is refused (import-file may still work). */
  private async newFilesUrl(path: string, overwrite: boolean): Promise<SignedUrl | undefined> {
    try {
      const body = await this.retry.run('idempotent', () =>
        this.transport.json<{ signed_urls?: SignedUrl[] }>({ method: 'POST', path: NEW_FILES, body: { kind: 'json', value: { path, overwrite } } }),
      );
      const signed = body.signed_urls?.[0];
      this.signedUploads = signed !== undefined;
      return signed;
    } catch (error) {
      if (!(error instanceof RemoteError) || (error.kind !== 'not-supported' && error.kind !== 'permission')) throw error;
      this.signedUploads = false;
      return undefined;
    }
  }

  /** workspace/import: JSON (base64, through the SDK) up to the JSON limit, streamed multipart above. */
  private async importWorkspace(
    path: string,
    format: 'AUTO' | 'SOURCE' | 'JUPYTER',
    language: Language | undefined,
    source: UploadSource,
    overwrite: boolean,
  ): Promise<void> {
    if (sourceSize(source) <= this.thresholds.jsonImportBytes) {
      const bytes = 'bytes' in source ? source.bytes : await readLocal(source.file);
      const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      const request: workspace.Import = { path, content, format, overwrite, ...(language !== undefined && { language }) };
      await this.retry.run(safety(overwrite), () => this.workspace.import(request));
      return;
    }
    const fields: Record<string, string> = { path, format, overwrite: String(overwrite), ...(language !== undefined && { language }) };
    await this.retry.run(safety(overwrite), () => this.transport.json({ method: 'POST', path: IMPORT, body: multipartBody(fields, 'content', source) }));
  }

  // ---- rename fallback ------------------------------------------------------------------------

  /** Copies `from` to the free path `to` (download + upload, folders recursively), then deletes `from`. */
  private async copyThenDelete(from: string, to: string): Promise<void> {
    if (normalize(to).startsWith(`${normalize(from)}/`)) throw new RemoteError('invalid', `cannot move ${from} into itself (${to})`);
    const root = await this.stat(from);
    await this.ensureFree(to);
    const steps = await this.planCopy(root, to);
    await mkdir(this.tempDir, { recursive: true });
    let created = false;
    try {
      for (const step of steps) {
        await this.copyStep(step);
        created = true;
      }
    } catch (error) {
      // Only what this copy created is removed: `to` was free before the first step succeeded.
      if (created) await this.delete(to, { recursive: true }).catch(() => undefined);
      throw error;
    }
    await this.delete(from, { recursive: true });
  }

  private async ensureFree(path: string): Promise<void> {
    try {
      await this.statOnce(path);
    } catch (error) {
      if (error instanceof RemoteError && error.kind === 'not-found') return;
      throw error;
    }
    throw new RemoteError('exists', `${path} already exists`, { mayHaveApplied: false });
  }

  /** The copy steps for `entry` and everything below it; refuses objects that cannot be copied before creating anything. */
  private async planCopy(entry: RemoteEntry, to: string): Promise<CopyStep[]> {
    switch (entry.type) {
      case 'FILE':
        return [{ kind: 'file', from: entry.path, to }];
      case 'NOTEBOOK':
        if (entry.language === undefined) throw new RemoteError('unknown', `${entry.path} is a notebook without a language`);
        return [{ kind: 'notebook', from: entry.path, to, language: entry.language, format: entry.exportFormat }];
      case 'DIRECTORY': {
        const steps: CopyStep[] = [{ kind: 'folder', to }];
        for (const child of await this.list(entry.path)) {
          steps.push(...(await this.planCopy(child, joinPath(to, baseName(child.path)))));
        }
        return steps;
      }
      case 'REPO':
      case 'OTHER':
        throw new RemoteError('not-supported', `${entry.path} is a ${entry.rawType}; this workspace has no rename endpoint and it cannot be copied`);
    }
  }

  private async copyStep(step: CopyStep): Promise<void> {
    if (step.kind === 'folder') {
      await this.mkdirs(step.to);
      return;
    }
    const temp = join(this.tempDir, `copy-${randomUUID()}`);
    try {
      if (step.kind === 'file') {
        const size = await this.download(step.from, 'RAW', temp, {});
        await this.upload(step.to, { type: 'FILE' }, { file: temp, size }, { overwrite: false });
      } else {
        const format = step.format ?? (await this.statOnce(step.from)).exportFormat ?? 'SOURCE';
        const size = await this.download(step.from, format, temp, {});
        await this.upload(step.to, { type: 'NOTEBOOK', language: step.language, format }, { file: temp, size }, { overwrite: false });
      }
    } finally {
      await rm(temp, { force: true });
    }
  }

  // ---- invalidation ---------------------------------------------------------------------------

  /** A change at `path`: reads of it, below it and of its parent listing must not be shared or reused. */
  private changed(path: string): void {
    const changedPath = normalize(path);
    const parent = parentPath(changedPath);
    const affected = (other: string): boolean => {
      const candidate = normalize(other);
      return candidate === parent || isWithin(candidate, changedPath);
    };
    this.limiter.forget((key) => affected(key.slice(key.indexOf('\0') + 1)));
    for (const [key, flight] of this.downloads) if (affected(flight.path)) this.downloads.delete(key);
    this.urls.forget(changedPath);
  }
}

type CopyStep =
  | { kind: 'folder'; to: string }
  | { kind: 'file'; from: string; to: string }
  | { kind: 'notebook'; from: string; to: string; language: Language; format: 'SOURCE' | 'JUPYTER' | undefined };

const KNOWN_TYPES = new Set<RemoteObjectType>(['DIRECTORY', 'REPO', 'FILE', 'NOTEBOOK']);

/** The engine's entry for a wire ObjectInfo: `/Workspace` stripped, unknown types as OTHER. */
function toEntry(info: WireObjectInfo): RemoteEntry {
  const rawType = typeof info.object_type === 'string' && info.object_type !== '' ? info.object_type : 'OBJECT_TYPE_UNSPECIFIED';
  const type: RemoteObjectType = KNOWN_TYPES.has(rawType as RemoteObjectType) ? (rawType as RemoteObjectType) : 'OTHER';
  const entry: RemoteEntry = { path: stripWorkspacePrefix(String(info.path ?? '')), type, rawType, objectId: Number(info.object_id ?? 0) };
  if (type === 'NOTEBOOK') {
    if ((LANGUAGES as readonly unknown[]).includes(info.language)) entry.language = info.language as Language;
    if (info.repos_export_format === 'SOURCE' || info.repos_export_format === 'JUPYTER') entry.exportFormat = info.repos_export_format;
  }
  if (typeof info.created_at === 'number') entry.createdAt = info.created_at;
  if (typeof info.modified_at === 'number') entry.modifiedAt = info.modified_at;
  if (type === 'FILE' && typeof info.size === 'number') entry.size = info.size;
  return entry;
}

/** A listing of a non-folder answers with the object itself (reference §3.1). */
function checkListing(path: string, entries: RemoteEntry[]): RemoteEntry[] {
  const only = entries.length === 1 ? entries[0]! : undefined;
  if (only !== undefined && normalize(only.path) === normalize(path) && only.type !== 'DIRECTORY' && only.type !== 'REPO') {
    throw notADirectory(path);
  }
  return entries;
}

function stripWorkspacePrefix(path: string): string {
  if (path === '/Workspace') return '/';
  return path.startsWith('/Workspace/') ? path.slice('/Workspace'.length) : path;
}

/** Canonical form for comparisons: no `/Workspace`, no duplicate or trailing slashes. */
function normalize(path: string): string {
  const collapsed = stripWorkspacePrefix(path.replace(/\/+/g, '/'));
  return collapsed.length > 1 && collapsed.endsWith('/') ? collapsed.slice(0, -1) : collapsed;
}



/** import-file takes the path in the URL, without its leading slash, each segment escaped. */
function importFilePath(path: string): string {
  return `${IMPORT_FILE}/${path.split('/').filter((segment) => segment !== '').map(encodeURIComponent).join('/')}`;
}

function safety(overwrite: boolean): CallSafety {
  return overwrite ? 'idempotent' : 'non-idempotent';
}

function rangeStart(contentRange: string | null): number {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange?.trim() ?? '');
  return match === null ? -1 : Number(match[1]);
}

/**
 * Writes the response body into `target` from byte `start` (0 truncates the file; otherwise the
 * file is cut back to `start` first), reporting each durable position. Checks the announced
 * length. Resolves with the file's length.
 */
async function writeBody(response: HttpResponse, target: string, start: number, progress: (position: number) => void): Promise<number> {
  const announced = response.headers.get('content-encoding') === null ? Number(response.headers.get('content-length') ?? NaN) : NaN;
  const file = await open(target, start === 0 ? 'w' : 'r+').catch((error: unknown) => {
    throw localError(target, error);
  });
  let position = start;
  try {
    if (start > 0) await file.truncate(start).catch((error: unknown) => Promise.reject(localError(target, error)));
    for await (const chunk of response.chunks()) {
      await file.write(chunk, 0, chunk.length, position).catch((error: unknown) => Promise.reject(localError(target, error)));
      position += chunk.length;
      progress(position);
    }
  } finally {
    await file.close().catch(() => undefined);
  }
  if (Number.isFinite(announced) && position - start !== announced) throw truncatedBody(announced, position - start);
  return position;
}

/**
 * The file the joined callers' copies are made from: a hard link of the owner's complete target
 * (its owner may delete the target when it leaves), or the target itself when nobody else needs it
 * or the folder allows no links.
 */
async function sharedSource(target: string, needed: boolean): Promise<string> {
  if (!needed) return target;
  const shared = `${target}.shared-${randomUUID()}`;
  return link(target, shared).then(
    () => shared,
    () => target,
  );
}

async function copyLocal(from: string, to: string): Promise<void> {
  await copyFile(from, to).catch((error: unknown) => Promise.reject(localError(to, error)));
}

async function readLocal(file: string): Promise<Buffer> {
  return readFile(file).catch((error: unknown) => Promise.reject(localError(file, error)));
}

/** Fails early (and not as a retried network error) when a source file is missing or changed size. */
async function checkSource(source: UploadSource): Promise<void> {
  if ('bytes' in source) return;
  const info = await statFile(source.file).catch((error: unknown) => Promise.reject(localError(source.file, error)));
  if (info.size !== source.size) {
    throw new RemoteError('invalid', `${source.file} is ${info.size} bytes, not the ${source.size} the upload was asked for`);
  }
}

/** A local file problem during a transfer: not a remote failure, and never retried. */
function localError(file: string, error: unknown): RemoteError {
  const code = (error as { code?: string }).code ?? '';
  return new RemoteError('unknown', `local file ${file}: ${code || String(error)}`, { cause: error, mayHaveApplied: false });
}
