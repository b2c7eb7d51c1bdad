// The engine's one error taxonomy for remote failures (ARCHITECTURE.md §3), and the single place
// that maps what the workspace answered — HTTP status, `error_code` (string, numeric or empty),
// message — or a network failure onto it. Nothing else in the engine looks at statuses or codes.

/** What went wrong, as far as the engine needs to know. */
export type RemoteErrorKind =
  | 'not-found'
  | 'not-a-directory'
  | 'exists'
  | 'not-empty'
  | 'permission'
  | 'unauthenticated'
  | 'too-large'
  | 'name-too-long'
  | 'child-limit'
  | 'rate-limited'
  | 'unavailable'
  | 'network'
  | 'invalid'
  | 'conflict'
  | 'not-supported'
  | 'unknown';

/** A classified remote failure. `transient` kinds are worth retrying. */
export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    message: string,
    readonly details: {
      status?: number;
      errorCode?: string | number;
      /** Server-requested wait before retrying (from `Retry-After`), in ms. */
      retryAfterMs?: number;
      /** Whether the request may have reached the server and taken effect. */
      mayHaveApplied?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  /** Worth retrying: the same request may succeed later. */
  get transient(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'unavailable' || this.kind === 'network';
  }
}

/** Builds a RemoteError from an HTTP error response. `body` is the raw response text. */
export function classifyResponse(status: number, body: string, retryAfter?: string | null): RemoteError {
  const { errorCode, message } = parseErrorBody(body);
  const numeric = typeof errorCode === 'number' ? errorCode : undefined;
  const code = typeof errorCode === 'string' ? errorCode.toUpperCase() : '';
  const text = message || `HTTP ${status}`;
  const lower = text.toLowerCase();
  const details = { status, errorCode, ...(retryAfterMs(retryAfter) !== undefined && { retryAfterMs: retryAfterMs(retryAfter) }) };
  const make = (kind: RemoteErrorKind): RemoteError => new RemoteError(kind, text, details);
  const effective = numeric ?? status;

  if (code === 'ENDPOINT_NOT_FOUND' || code === 'FEATURE_DISABLED' || code === 'NOT_IMPLEMENTED' || effective === 501) {
    return make('not-supported');
  }
  if (code === 'MAX_CHILD_NODE_SIZE_EXCEEDED') return make('child-limit');
  if (code === 'MAX_NOTEBOOK_SIZE_EXCEEDED' || code === 'MAX_READ_SIZE_EXCEEDED' || lower.includes('exceeded max size')) {
    return make('too-large');
  }
  if (effective === 413) return make('too-large');
  if (code === 'DIRECTORY_NOT_EMPTY' || lower.includes('is not empty')) return make('not-empty');
  if (code === 'RESOURCE_ALREADY_EXISTS' || code === 'ALREADY_EXISTS' || effective === 409 || lower.includes('already exists')) {
    return make('exists');
  }
  if (lower.includes('name too long') || lower.includes('path too long') || lower.includes('is too long')) return make('name-too-long');
  if (effective === 401 || code === 'UNAUTHENTICATED' || lower.includes('invalid access token') || lower.includes('token is expired')) {
    return make('unauthenticated');
  }
  if (effective === 403 || code === 'PERMISSION_DENIED') return make('permission');
  if (effective === 404 || code === 'RESOURCE_DOES_NOT_EXIST' || code === 'NOT_FOUND') return make('not-found');
  if (effective === 429 || code === 'REQUEST_LIMIT_EXCEEDED' || code === 'RESOURCE_EXHAUSTED' || code === 'TOO_MANY_REQUESTS') {
    return make('rate-limited');
  }
  if (effective >= 500) return make('unavailable');
  if (effective >= 400) return make('invalid');
  return make('unknown');
}

/** Builds a RemoteError from a failure below HTTP (reset, refused, timeout, truncated body). */
export function classifyNetworkError(error: unknown, requestSent: boolean): RemoteError {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code ?? '';
  const message = err.cause?.message ?? err.message ?? String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RemoteError('network', `cannot resolve the workspace host (${message})`, { cause: error, mayHaveApplied: false });
  }
  const refused = code === 'ECONNREFUSED';
  return new RemoteError('network', `network error talking to the workspace: ${code || message}`, {
    cause: error,
    mayHaveApplied: requestSent && !refused,
  });
}

/** `{error_code, message}` from any of the service's error body shapes (reference §4). */
export function parseErrorBody(body: string): { errorCode?: string | number; message: string } {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as { error_code?: unknown; message?: unknown; error?: unknown };
      const errorCode = typeof json.error_code === 'string' || typeof json.error_code === 'number' ? json.error_code : undefined;
      if (typeof json.message === 'string') return { ...(errorCode !== undefined && { errorCode }), message: json.message };
      if (typeof json.error === 'string') return splitCodeMessage(json.error);
    } catch {
      // not JSON after all: fall through to the text shapes
    }
  }
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(trimmed);
  if (pre?.[1] !== undefined) return splitCodeMessage(pre[1].trim());
  return splitCodeMessage(trimmed);
}

function splitCodeMessage(text: string): { errorCode?: string; message: string } {
  const match = /^([A-Z][A-Z_]+):\s*(.*)$/s.exec(text);
  return match ? { errorCode: match[1]!, message: match[2]! } : { message: text };
}

function retryAfterMs(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
