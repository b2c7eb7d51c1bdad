// One HTTP exchange with the workspace (or a signed URL), and nothing more: authentication through
// the SDK's Config, a limiter slot for the whole exchange (body included), global fetch without
// following redirects (they fail), an inactivity deadline, and every failure turned into a RemoteError by
// remote-error.ts. It does not retry (RetryPolicy does, around it) and does not know endpoints.
// TransportApiClient lets the SDK's generated services run over this transport.
import { ApiClient, type Config } from '@databricks/sdk-experimental';
import { resolveRemoteConfig } from './remote-config';
import { classifyConfigError, classifyNetworkError, classifyResponse, RemoteError, unexpectedBody } from './remote-error';
import type { RequestLimiter } from './request-limiter';

/** A request body: JSON, a small buffer, or a stream opened afresh for every attempt. */
export type RequestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'bytes'; bytes: Uint8Array; contentType?: string }
  | { kind: 'stream'; open: () => ReadableStream<Uint8Array>; length: number; contentType?: string };

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One request: to the workspace API (`path`, authenticated) or to a signed URL (`url`, never authenticated). */
export interface HttpRequest {
  method: string;
  /** API path on the workspace, already URL-encoded (`/api/2.0/...`). */
  path?: string;
  /** Absolute URL of a signed URL; only `headers` are sent with it, never the workspace credential. */
  url?: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: RequestBody;
  /** Cancels the exchange: it then rejects with the signal's reason (not a RemoteError, so never retried). */
  signal?: AbortSignal;
}

/** A response whose status was < 300, with its body as chunks that keep the deadline alive. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body; iterate at most once. */
  chunks(): AsyncIterable<Uint8Array>;
  /** The whole body as text (for small JSON answers). */
  text(): Promise<string>;
}

/** Options of HttpTransport. */
export interface HttpTransportOptions {
  limiter: RequestLimiter;
  /** Abort an exchange after this long without progress (no headers, no body bytes either way); default 120 s. */
  idleTimeoutMs?: number;
  /** The User-Agent header value. */
  userAgent?: () => string;
  /** Told about every finished exchange (for `--debug`); never given headers, bodies or signed URLs. */
  onExchange?: (event: ExchangeEvent) => void;
}

/** One finished HTTP exchange, as reported to `onExchange`. */
export interface ExchangeEvent {
  method: string;
  /** The API path with its query, or `signed URL` (a signed URL's query is a credential). */
  target: string;
  /** HTTP status, or undefined when no response arrived. */
  status?: number;
  ms: number;
  /** The error kind when the exchange failed. */
  error?: string;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 120_000;

/** Sends single requests to the workspace and to signed URLs. */
export class HttpTransport {
  private readonly idleTimeoutMs: number;
  // The resolved workspace origin, computed once; a rejected resolution is not kept, so a
  // credential helper that failed once is asked again on the next request.
  private origin: Promise<URL> | undefined;

  constructor(
    private readonly config: Config,
    private readonly options: HttpTransportOptions,
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** The workspace origin (resolving the configuration on first use). Rejects with RemoteError. */
  host(): Promise<URL> {
    if (this.origin === undefined) {
      const pending = resolveRemoteConfig(this.config);
      this.origin = pending;
      pending.catch(() => {
        if (this.origin === pending) this.origin = undefined;
      });
    }
    return this.origin;
  }

  /**
   * Sends `request` once, inside a limiter slot held until `read` has consumed the response, and
   * resolves with what `read` returns. Rejects with RemoteError: a status >= 300 through
   * classifyResponse, a failure below HTTP (also mid-body) through classifyNetworkError.
   */
  exchange<T>(request: HttpRequest, read: (response: HttpResponse) => Promise<T>): Promise<T> {
    return this.options.limiter.run(() => this.once(request, read));
  }

  /** Sends `request` once and parses the JSON answer (an empty body is `{}`). */
  json<T>(request: HttpRequest): Promise<T> {
    return this.exchange(request, async (response) => {
      const text = await response.text();
      if (text.trim() === '') return {} as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw unexpectedBody(response.status, text);
      }
    });
  }

  private async once<T>(request: HttpRequest, read: (response: HttpResponse) => Promise<T>): Promise<T> {
    const url = await this.url(request);
    const started = performance.now();
    let status: number | undefined;
    let failure: string | undefined;
    try {
      return await this.attempt(request, url, read, (code) => (status = code));
    } catch (error) {
      failure = (error as { kind?: string }).kind ?? 'error';
      throw error;
    } finally {
      this.options.onExchange?.({
        method: request.method,
        target: request.url === undefined ? pathAndQuery(url) : 'signed URL',
        ...(status !== undefined && { status }),
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(failure !== undefined && { error: failure }),
      });
    }
  }

  private async attempt<T>(request: HttpRequest, url: string, read: (response: HttpResponse) => Promise<T>, onStatus: (status: number) => void): Promise<T> {
    const headers = new Headers(request.headers);
    if (request.url === undefined) {
      if (this.options.userAgent !== undefined) headers.set('User-Agent', this.options.userAgent());
      try {
        await this.config.authenticate(headers);
      } catch (error) {
        throw classifyConfigError(error);
      }
    }
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const touch = (): void => {
      clearTimeout(timer);
      timer = setTimeout(
        () => controller.abort(new DOMException(`no progress for ${Math.round(this.idleTimeoutMs / 1000)} s`, 'TimeoutError')),
        this.idleTimeoutMs,
      );
    };
    const cancelled = request.signal;
    // Checked before the idle timer starts: a throw here would leave the timer running.
    if (cancelled?.aborted) throw cancelled.reason;
    touch();
    const cancel = (): void => controller.abort(cancelled?.reason);
    cancelled?.addEventListener('abort', cancel);
    let response: Response | undefined;
    try {
      try {
        response = await fetch(url, {
          method: request.method,
          headers,
          // `redirect: 'error'` with no window keeps undici from cloning the request, which would
          // tee a streamed body and buffer all of it; a redirect then fails as a network error.
          redirect: 'error',
          window: null,
          signal: controller.signal,
          ...this.body(request.body, headers, touch),
        });
      } catch (error) {
        if (cancelled?.aborted) throw cancelled.reason;
        throw classifyNetworkError(error, true);
      }
      touch();
      onStatus(response.status);
      if (response.status >= 300) {
        const text = await boundedText(response, ERROR_BODY_LIMIT).catch(() => '');
        throw classifyResponse(response.status, text, response.headers.get('retry-after'));
      }
      const body = response.body;
      let used = false;
      const chunks = async function* (): AsyncIterable<Uint8Array> {
        if (used) throw new Error('the response body was already read');
        used = true;
        if (body === null) return;
        for await (const chunk of body) {
          touch();
          yield chunk;
        }
      };
      const wrapped: HttpResponse = {
        status: response.status,
        headers: response.headers,
        chunks,
        text: async () => {
          const parts: Buffer[] = [];
          for await (const chunk of chunks()) parts.push(Buffer.from(chunk));
          return Buffer.concat(parts).toString('utf8');
        },
      };
      try {
        return await read(wrapped);
      } catch (error) {
        if (cancelled?.aborted) throw cancelled.reason;
        throw classifyNetworkError(error, true);
      }
    } finally {
      cancelled?.removeEventListener('abort', cancel);
      clearTimeout(timer);
      // A body nobody read would pin the connection; one read to the end or broken off is released already.
      if (response?.body && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
    }
  }

  private async url(request: HttpRequest): Promise<string> {
    let url: URL;
    if (request.url !== undefined) url = new URL(request.url);
    else if (request.path !== undefined) url = new URL(request.path, await this.host());
    else throw new TypeError('an HttpRequest needs a path or a url');
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.append(name, String(value));
    return url.toString();
  }

  private body(body: RequestBody | undefined, headers: Headers, touch: () => void): { body?: RequestInit['body']; duplex?: 'half' } {
    if (body === undefined) return {};
    switch (body.kind) {
      case 'json':
        headers.set('Content-Type', 'application/json');
        return { body: JSON.stringify(body.value) };
      case 'bytes':
        if (body.contentType !== undefined) headers.set('Content-Type', body.contentType);
        return { body: body.bytes };
      case 'stream': {
        if (body.contentType !== undefined) headers.set('Content-Type', body.contentType);
        // An explicit length: storage services (Azure PUT Blob) refuse chunked uploads.
        headers.set('Content-Length', String(body.length));
        const progress = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            touch();
            controller.enqueue(chunk);
          },
        });
        return { body: body.open().pipeThrough(progress), duplex: 'half' };
      }
    }
  }
}

/** The SDK's ApiClient over HttpTransport: the generated services, our transport (no SDK retry loop). */
export class TransportApiClient extends ApiClient {
  constructor(
    config: Config,
    private readonly transport: HttpTransport,
    productVersion: `${number}.${number}.${number}` = '0.1.0',
  ) {
    super(config, { product: 'wsfs', productVersion });
  }

  /** One attempt of a generated service call; rejects with RemoteError. */
  override async request(options: Parameters<ApiClient['request']>[0]): Promise<unknown> {
    if (options.raw) throw new RemoteError('unknown', 'raw SDK requests are not routed through the wsfs transport');
    const headers: Record<string, string> = {};
    options.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const sendsBody = options.payload !== undefined && (options.method === 'POST' || options.method === 'PUT');
    return this.transport.json({
      method: options.method,
      path: options.path,
      query: flattenQuery(options.query ?? {}),
      headers,
      ...(sendsBody && { body: { kind: 'json', value: options.payload } }),
    });
  }
}

/** The SDK's query objects hold primitives for the endpoints used here; nested objects are flattened as the SDK does. */
function flattenQuery(query: Record<string, unknown>, prefix = '', out: Query = {}): Query {
  for (const [key, value] of Object.entries(query)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && !Array.isArray(value)) flattenQuery(value as Record<string, unknown>, name, out);
    else out[name] = String(value);
  }
  return out;
}

async function boundedText(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    parts.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

/** The path and query of a URL, for logs. */
function pathAndQuery(url: string): string {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
