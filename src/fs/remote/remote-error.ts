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
      /** Set by RetryPolicy when it gave up after more than one attempt: how many were made. */
      attempts?: number;
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

const REDIRECT_MESSAGE =
  'the workspace answered with a redirect (a login page or a proxy?); check that the host is the workspace URL, e.g. https://<workspace>.cloud.databricks.com';

/**
 * Builds a RemoteError from an HTTP error response (status >= 300; redirects are never followed).
 * `body` is the raw response text, `retryAfter` the `Retry-After` header. Also fills
 * `mayHaveApplied`: false for answers that certainly did not carry the request out (4xx, 429, 503,
 * redirects), true for other 5xx (the server may have acted before failing).
 */
export function classifyResponse(status: number, body: string, retryAfter?: string | null): RemoteError {
  const { errorCode, message, retryDelayMs } = parseErrorBody(body);
  const numeric = typeof errorCode === 'number' ? errorCode : undefined;
  const code = typeof errorCode === 'string' ? errorCode.toUpperCase() : '';
  const text = shorten(message) || `HTTP ${status}`;
  const lower = text.toLowerCase();
  const wait = retryAfterMs(retryAfter) ?? retryDelayMs;
  const mayHaveApplied = status >= 500 && status !== 503;
  const details = { status, errorCode, mayHaveApplied, ...(wait !== undefined && { retryAfterMs: wait }) };
  const make = (kind: RemoteErrorKind): RemoteError => new RemoteError(kind, text, details);
  const effective = numeric ?? status;

  if (status >= 300 && status < 400) {
    return new RemoteError('invalid', `${REDIRECT_MESSAGE} (HTTP ${status})`, details);
  }
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

/**
 * Builds a RemoteError from a failure below HTTP (reset, refused, timeout, truncated body, DNS,
 * TLS). `requestSent` tells whether the request may have reached the server; a refused
 * connection or a failed name lookup certainly did not. Untrusted certificates are not transient.
 */
export function classifyNetworkError(error: unknown, requestSent: boolean): RemoteError {
  if (error instanceof RemoteError) return error;
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code ?? '';
  const message = err.cause?.message ?? err.message ?? String(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RemoteError('network', `cannot resolve the workspace host (${message})`, { cause: error, mayHaveApplied: false });
  }
  if (/CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) {
    return new RemoteError('invalid', `the workspace host's TLS certificate is not trusted (${code}: ${message})`, {
      cause: error,
      mayHaveApplied: false,
    });
  }
  if (message === 'unexpected redirect') {
    return new RemoteError('invalid', REDIRECT_MESSAGE, { cause: error, mayHaveApplied: false });
  }
  if (err.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new RemoteError('network', `the workspace stopped answering (${message})`, { cause: error, mayHaveApplied: requestSent });
  }
  const refused = code === 'ECONNREFUSED';
  const reason = code && message && !message.includes(code) ? `${code} (${message})` : code || message;
  return new RemoteError('network', `network error talking to the workspace: ${reason}`, {
    cause: error,
    mayHaveApplied: requestSent && !refused,
  });
}

/** A `list` that answered with the object itself: `path` is not a folder (reference §3.1). */
export function notADirectory(path: string): RemoteError {
  return new RemoteError('not-a-directory', `${path} is not a folder`, { mayHaveApplied: false });
}

/** A body that ended before the length the server announced (retried like a reset). */
export function truncatedBody(expected: number, received: number): RemoteError {
  return new RemoteError('network', `the response body ended early: ${received} of ${expected} bytes`, { mayHaveApplied: true });
}

/** A success status whose body is not what the endpoint returns (a proxy or login page, …). */
export function unexpectedBody(status: number, body: string): RemoteError {
  const sample = shorten(stripTags(body)) || '(empty)';
  return new RemoteError('unknown', `unexpected answer from the workspace (HTTP ${status}): ${sample}; check the host`, { status });
}

/**
 * Builds a RemoteError from a failure to configure or authenticate (the SDK's ConfigError, a
 * malformed host). Credential problems are `unauthenticated`; a missing or bad host is `invalid`.
 */
export function classifyConfigError(error: unknown): RemoteError {
  if (error instanceof RemoteError) return error;
  const message = (error as { message?: string }).message ?? String(error);
  const lower = message.toLowerCase();
  const hostProblem =
    lower.includes('invalid url') ||
    lower.includes('no host') ||
    lower.includes('more than one authorization method') ||
    (lower.includes('has no') && lower.includes('profile'));
  return new RemoteError(hostProblem ? 'invalid' : 'unauthenticated', shorten(message, 600), { cause: error, mayHaveApplied: false });
}

/** `{error_code, message}` from any of the service's error body shapes (reference §4). */
export function parseErrorBody(body: string): { errorCode?: string | number; message: string; retryDelayMs?: number } {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as { error_code?: unknown; message?: unknown; error?: unknown; details?: unknown };
      const errorCode = typeof json.error_code === 'string' || typeof json.error_code === 'number' ? json.error_code : undefined;
      const retryDelayMs = retryInfoDelay(json.details);
      const extra = { ...(errorCode !== undefined && { errorCode }), ...(retryDelayMs !== undefined && { retryDelayMs }) };
      if (typeof json.message === 'string') return { ...extra, message: json.message };
      if (typeof json.error === 'string') return splitCodeMessage(json.error);
    } catch {
      // not JSON after all: fall through to the text shapes
    }
  }
  // Cloud storage behind signed URLs answers in XML: <Error><Code>…</Code><Message>…</Message></Error>.
  const xmlCode = /<Code>([^<]*)<\/Code>/.exec(trimmed);
  if (trimmed.startsWith('<?xml') || (xmlCode !== null && trimmed.includes('<Error>'))) {
    const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(trimmed);
    return { ...(xmlCode?.[1] && { errorCode: xmlCode[1] }), message: (xmlMessage?.[1] ?? xmlCode?.[1] ?? '').trim() };
  }
  const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(trimmed);
  if (pre?.[1] !== undefined) return splitCodeMessage(pre[1].trim());
  if (/^<(!doctype|html)/i.test(trimmed)) return { message: stripTags(trimmed) };
  return splitCodeMessage(trimmed);
}

/** The wait a google.rpc.RetryInfo detail asks for (`"1.5s"` or `{seconds, nanos}`), in ms. */
function retryInfoDelay(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details as Array<Record<string, unknown>>) {
    if (typeof detail?.['@type'] !== 'string' || !detail['@type'].endsWith('RetryInfo')) continue;
    const delay = detail.retry_delay;
    if (typeof delay === 'string' && /^\d+(\.\d+)?s$/.test(delay)) return Number(delay.slice(0, -1)) * 1000;
    if (delay !== null && typeof delay === 'object') {
      const { seconds, nanos } = delay as { seconds?: unknown; nanos?: unknown };
      return Number(seconds ?? 0) * 1000 + Number(nanos ?? 0) / 1e6;
    }
  }
  return undefined;
}

function stripTags(text: string): string {
  return text
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
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
