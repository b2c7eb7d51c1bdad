// The emulator's composition and HTTP front: a local Databricks workspace on 127.0.0.1 that tests,
// benchmarks and the no-account demo share. It routes requests, checks the bearer token, counts
// requests, carries out injected faults and serves the admin endpoints (`/__emulator/*`). The
// workspace semantics live in the endpoint files; persistence in DataDirStore.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, endpointNotFound, invalidParameter, invalidToken } from './api-error';
import { DataDirStore } from './data-dir-store';
import type { EmulatorContext, EmulatorLimits, EmulatorRequest, EmulatorSwitches } from './emulator-context';
import { FaultInjector, validateFaultConfig, type FaultConfig, type RequestPlan } from './fault-injector';
import { encodeReply, readBody, sendReply, type Reply } from './http-exchange';
import { endpointKey, RequestStats } from './request-stats';
import { seedWorkspace, type SeedName } from './seed';
import { UrlSigner } from './signed-urls';
import * as workspace from './workspace-api';
import * as files from './workspace-files-api';
import { WorkspaceTree } from './workspace-tree';

const MiB = 1024 * 1024;

/** Limits as the reference gives them (§6); each can be overridden. */
export const DEFAULT_LIMITS: EmulatorLimits = {
  jsonContentBytes: 10 * MiB,
  directDownloadBytes: 500 * MiB,
  fileBytes: 500 * MiB,
  notebookBytes: 10 * MiB,
  jupyterBytes: 100 * MiB,
};

/** Endpoint families that can be switched off. */
export type Feature = 'workspace-files' | 'rename';

/** How to start an emulator. Everything is optional. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The bearer token clients must send; random (`dapi…`) by default. */
  token?: string;
  /** Initial content of a fresh workspace (default `empty`). */
  seed?: SeedName;
  /** Persist the tree here (crash-safe); memory only when absent. */
  dataDir?: string;
  /** The current user (`/Users/<userName>`). */
  userName?: string;
  /** Maximum children per folder (default unlimited). */
  childLimit?: number;
  /** Endpoint families that answer as a workspace without them. */
  disable?: Feature[];
  /** Include `size` in list/get-status (default false, like the service). */
  includeSize?: boolean;
  /** `workspace/rename` replaces an existing destination (default false). */
  renameOverwrites?: boolean;
  limits?: Partial<EmulatorLimits>;
  /** Lifetime of signed URLs (default 15 minutes). */
  signedUrlTtlMs?: number;
  faults?: FaultConfig;
  /** Clock, ms since the epoch. */
  now?: () => number;
}

/** A running emulator. Create with `WorkspaceEmulator.start()`. */
export class WorkspaceEmulator {
  /** `http://127.0.0.1:<port>`. */
  readonly host: string;
  /** The token clients must send; replace it to revoke the old one (tests of expired tokens). */
  token: string;
  readonly port: number;
  /** The object tree, for out-of-band changes in tests. */
  readonly tree: WorkspaceTree;
  readonly faults: FaultInjector;
  readonly stats = new RequestStats();
  /** Told of every API request (method and URL, query included) as it arrives; tests that need paths, not only counts. */
  onRequest: ((method: string, url: URL) => void) | undefined;
  /** Switches that may be flipped while running. */
  readonly switches: EmulatorSwitches;
  readonly limits: EmulatorLimits;
  readonly userName: string;
  signedUrlTtlMs: number;

  private readonly sockets = new Set<Socket>();
  private readonly context: EmulatorContext;
  /** Set by `stop()`; requests still waiting on latency or a body are then dropped, not served. */
  private stopped = false;

  private constructor(
    private readonly server: Server,
    private readonly store: DataDirStore | undefined,
    options: EmulatorOptions,
    tree: WorkspaceTree,
  ) {
    const address = server.address() as AddressInfo;
    const now = options.now ?? Date.now;
    this.port = address.port;
    this.host = `http://127.0.0.1:${this.port}`;
    this.token = options.token ?? `dapi${randomBytes(16).toString('hex')}`;
    this.tree = tree;
    this.faults = new FaultInjector(options.faults ?? {});
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.userName = options.userName ?? DEFAULT_USER;
    this.signedUrlTtlMs = options.signedUrlTtlMs ?? 15 * 60 * 1000;
    this.switches = {
      workspaceFiles: !(options.disable ?? []).includes('workspace-files'),
      rename: !(options.disable ?? []).includes('rename'),
      includeSize: options.includeSize ?? false,
      renameOverwrites: options.renameOverwrites ?? false,
    };
    const signer = new UrlSigner(() => this.host, () => this.signedUrlTtlMs, now);
    this.context = { tree, limits: this.limits, switches: this.switches, signer, userName: this.userName };
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts an emulator on 127.0.0.1 and resolves once it listens. */
  static async start(options: EmulatorOptions = {}): Promise<WorkspaceEmulator> {
    const now = options.now ?? Date.now;
    // The child limit applies to clients only: a seed or a stored tree may already exceed it.
    const tree = new WorkspaceTree({ now, childLimit: Infinity });
    const userName = options.userName ?? DEFAULT_USER;
    let store: DataDirStore | undefined;
    if (options.dataDir !== undefined) {
      store = DataDirStore.open(options.dataDir, tree);
      if (store.isNew) seedWorkspace(tree, options.seed ?? 'empty', userName);
      store.attach();
    } else {
      seedWorkspace(tree, options.seed ?? 'empty', userName);
    }
    tree.childLimit = options.childLimit ?? Infinity;
    const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 0 });
    try {
      validateFaultConfig(options.faults ?? {});
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 0, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      store?.close();
      throw error;
    }
    return new WorkspaceEmulator(server, store, options, tree);
  }

  /** Stops listening, drops open connections and flushes the data directory. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.faults.releaseHeld('reset');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.store?.close();
  }

  /** Switches an endpoint family on or off while running. */
  setFeature(feature: Feature, enabled: boolean): void {
    if (feature === 'workspace-files') this.switches.workspaceFiles = enabled;
    else this.switches.rename = enabled;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    try {
      if (url.pathname.startsWith('/__emulator/') && !url.pathname.startsWith('/__emulator/signed/')) {
        await this.handleAdmin(req, res, method, url.pathname);
        return;
      }
      const key = endpointKey(method, url.pathname);
      this.stats.count(key);
      this.onRequest?.(method, url);
      const plan = this.faults.plan(key);
      // Unreferenced: a request in its latency must not keep a stopped emulator's process alive.
      if (plan.latencyMs > 0) await sleep(plan.latencyMs, undefined, { ref: false });
      let reply: Reply;
      try {
        const body = await readBody(req, this.bodyLimit(), plan.bytesPerSecond, (n) => this.stats.addIn(n));
        if (this.stopped) {
          res.destroy();
          return;
        }
        reply = await this.dispatch(method, url, req, body, plan);
      } catch (error) {
        reply = errorReply(error);
        if (!req.complete) reply.headers = { ...reply.headers, connection: 'close' };
      }
      await sendReply(req, res, reply, plan, (n) => this.stats.addOut(n));
    } catch (error) {
      if (!res.headersSent) {
        const { headers, body } = encodeReply(errorReply(error));
        res.writeHead(500, headers).end(body);
      } else {
        res.destroy();
      }
    }
  }

  private bodyLimit(): number {
    // Room for base64 (4/3) and multipart framing around the largest file.
    return Math.ceil(this.limits.fileBytes * 1.4) + MiB;
  }

  private async dispatch(method: string, url: URL, req: IncomingMessage, body: Buffer, plan: RequestPlan): Promise<Reply> {
    const request: EmulatorRequest = { method, pathname: url.pathname, query: url.searchParams, headers: req.headers, body };
    if (url.pathname.startsWith('/__emulator/signed/')) {
      if (!this.switches.workspaceFiles) return { status: 404, body: 'Not Found' };
      if (plan.error !== undefined) return planError(plan.error);
      const token = url.pathname.slice('/__emulator/signed/'.length);
      if (method === 'GET') return files.signedGet(this.context, request, token);
      if (method === 'PUT') return files.signedPut(this.context, request, token);
      return { status: 405, body: '' };
    }
    if (plan.error !== undefined) return planError(plan.error);
    if (req.headers.authorization !== `Bearer ${this.token}`) throw invalidToken();
    const handler = this.route(method, url.pathname);
    if (handler === undefined) throw endpointNotFound(method, url.pathname.replace(/^\/api\/2\.0/, ''));
    return handler(this.context, request);
  }

  private route(method: string, pathname: string): Handler | undefined {
    const exact = ROUTES.get(`${method} ${pathname}`);
    if (exact !== undefined) return this.enabled(exact);
    if (!this.switches.workspaceFiles) return undefined;
    if (method === 'POST' && pathname.startsWith('/api/2.0/workspace-files/import-file/')) return files.importFile;
    if (method === 'GET' && pathname.startsWith('/api/2.0/workspace-files/')) return files.getFile;
    return undefined;
  }

  private enabled(route: Route): Handler | undefined {
    if (route.feature === 'workspace-files' && !this.switches.workspaceFiles) return undefined;
    if (route.feature === 'rename' && !this.switches.rename) return undefined;
    return route.handler;
  }

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, method: string, pathname: string): Promise<void> {
    let reply: Reply;
    try {
      const body = await readBody(req, MiB, undefined, () => undefined);
      reply = this.admin(method, pathname, body);
    } catch (error) {
      reply = errorReply(error);
    }
    const { headers, body } = encodeReply(reply);
    res.writeHead(reply.status, headers).end(body);
  }

  private admin(method: string, pathname: string, body: Buffer): Reply {
    switch (`${method} ${pathname}`) {
      case 'GET /__emulator/stats':
        return { status: 200, body: this.stats.snapshot() };
      case 'POST /__emulator/stats/reset':
        this.stats.reset();
        return { status: 200, body: this.stats.snapshot() };
      case 'GET /__emulator/faults':
        return { status: 200, body: this.faults.current() };
      case 'POST /__emulator/faults':
      case 'PUT /__emulator/faults':
        try {
          this.faults.set(JSON.parse(body.length === 0 ? '{}' : body.toString('utf8')) as FaultConfig);
        } catch (error) {
          throw invalidParameter((error as Error).message);
        }
        return { status: 200, body: this.faults.current() };
      case 'DELETE /__emulator/faults':
        this.faults.clear();
        return { status: 200, body: this.faults.current() };
      case 'POST /__emulator/faults/release': {
        let how: unknown;
        try {
          how = body.length === 0 ? undefined : (JSON.parse(body.toString('utf8')) as { how?: unknown }).how;
        } catch (error) {
          throw invalidParameter(`faults/release: ${(error as Error).message}`);
        }
        if (how !== undefined && how !== 'continue' && how !== 'reset') throw invalidParameter('faults/release: "how" must be "continue" or "reset"');
        return { status: 200, body: { released: this.faults.releaseHeld(how ?? 'continue') } };
      }
      case 'GET /__emulator/health':
        return { status: 200, body: { ok: true, user: this.userName } };
      default:
        throw endpointNotFound(method, pathname);
    }
  }
}

type Handler = (ctx: EmulatorContext, req: EmulatorRequest) => Reply | Promise<Reply>;
interface Route {
  handler: Handler;
  feature?: Feature;
}

const DEFAULT_USER = 'demo.user@example.com';

const ROUTES = new Map<string, Route>([
  ['GET /api/2.0/workspace/list', { handler: workspace.list }],
  ['GET /api/2.0/workspace/get-status', { handler: workspace.getStatus }],
  ['GET /api/2.0/workspace/export', { handler: workspace.exportObject }],
  ['POST /api/2.0/workspace/import', { handler: workspace.importObject }],
  ['POST /api/2.0/workspace/mkdirs', { handler: workspace.mkdirs }],
  ['POST /api/2.0/workspace/delete', { handler: workspace.deleteObject }],
  ['POST /api/2.0/workspace/rename', { handler: workspace.rename, feature: 'rename' }],
  ['GET /api/2.0/workspace-files/list-files', { handler: files.listFiles, feature: 'workspace-files' }],
  ['GET /api/2.0/workspace-files/object-info', { handler: files.objectInfoWithUrl, feature: 'workspace-files' }],
  ['POST /api/2.0/workspace-files/new-files', { handler: files.newFiles, feature: 'workspace-files' }],
  ['GET /api/2.0/preview/scim/v2/Me', { handler: currentUser }],
]);

/** `GET /api/2.0/preview/scim/v2/Me`: the token's user, in SCIM shape. */
function currentUser(ctx: EmulatorContext): Reply {
  const id = String(4_000_000_000_000 + [...ctx.userName].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) % 1_000_000_007, 7));
  return {
    status: 200,
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:workspace:2.0:User'],
      id,
      userName: ctx.userName,
      displayName: displayName(ctx.userName),
      active: true,
      emails: [{ type: 'work', value: ctx.userName, primary: true }],
      name: { givenName: displayName(ctx.userName).split(' ')[0] },
      groups: [{ display: 'users', type: 'direct', value: '1', $ref: 'Groups/1' }],
      entitlements: [{ value: 'workspace-access' }],
    },
  };
}

function displayName(userName: string): string {
  const local = userName.split('@')[0] ?? userName;
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}

function planError(error: NonNullable<RequestPlan['error']>): Reply {
  if (error instanceof ApiError) return errorReply(error);
  if ('html' in error) return { status: error.status, headers: { 'content-type': 'text/html' }, body: error.html };
  return { status: error.status, headers: { 'content-type': 'text/plain' }, body: error.plain };
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) return { status: error.status, headers: { ...error.headers }, body: error.body };
  const requestId = randomUUID();
  return {
    status: 500,
    body: { error_code: 'INTERNAL_ERROR', message: `Internal error (request ${requestId}): ${(error as Error).message}` },
  };
}
