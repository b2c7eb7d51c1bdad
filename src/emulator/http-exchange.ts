// Moving bytes over HTTP for the emulator: reading request bodies with a size limit and a
// bandwidth cap, and writing replies with the body faults of a plan (reset mid-body, truncation,
// slow or capped bodies). No routing and no workspace semantics here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { tooLarge } from './api-error';
import type { RequestPlan } from './fault-injector';

/** A handler's answer. Objects are sent as JSON; Buffers and strings as they are. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | object;
}

const CHUNK = 64 * 1024;

/** Paces a stream to a byte rate. */
class Throttle {
  private readonly started = Date.now();
  private bytes = 0;

  constructor(private readonly bytesPerSecond: number) {}

  async consume(count: number): Promise<void> {
    this.bytes += count;
    const due = (this.bytes / this.bytesPerSecond) * 1000 - (Date.now() - this.started);
    // Unreferenced: a paced body must not keep a stopped emulator's process alive.
    if (due > 1) await sleep(due, undefined, { ref: false });
  }
}

/**
 * Reads a request body of at most `limit` bytes. Past the limit it stops reading and throws
 * 400 MAX_NOTEBOOK_SIZE_EXCEEDED (the caller closes the connection).
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  bytesPerSecond: number | undefined,
  onBytes: (count: number) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(declared, limit);
  const throttle = bytesPerSecond === undefined ? undefined : new Throttle(bytesPerSecond);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    onBytes(chunk.length);
    if (size > limit) throw tooLarge(size, limit);
    chunks.push(chunk);
    if (throttle !== undefined) await throttle.consume(chunk.length);
  }
  return Buffer.concat(chunks, size);
}

/** Serialises a reply body and fills in content type and length. */
export function encodeReply(reply: Reply): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = { ...reply.headers };
  let body: Buffer;
  if (reply.body === undefined) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(reply.body)) body = reply.body;
  else if (typeof reply.body === 'string') body = Buffer.from(reply.body);
  else {
    body = Buffer.from(JSON.stringify(reply.body));
    headers['content-type'] ??= 'application/json';
  }
  headers['content-length'] = String(body.length);
  return { headers, body };
}

/** Writes a reply, carrying out the plan's body faults and bandwidth cap. */
export async function sendReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  plan: RequestPlan,
  onBytes: (count: number) => void,
): Promise<void> {
  const { headers, body } = encodeReply(reply);
  let end = body.length;
  if (plan.body?.kind === 'reset') end = Math.min(body.length, plan.body.afterBytes ?? Math.floor(body.length / 2));
  if (plan.body?.kind === 'truncate') end = Math.min(body.length, plan.body.keepBytes ?? Math.floor(body.length / 2));
  res.writeHead(reply.status, headers);
  const throttle = plan.bytesPerSecond === undefined ? undefined : new Throttle(plan.bytesPerSecond);
  const chunkSize = plan.bytesPerSecond === undefined ? CHUNK : Math.max(1, Math.min(CHUNK, Math.floor(plan.bytesPerSecond / 20)));
  for (let offset = 0; offset < end; offset += chunkSize) {
    if (res.destroyed) return;
    const chunk = body.subarray(offset, Math.min(end, offset + chunkSize));
    onBytes(chunk.length);
    if (!res.write(chunk)) await waitForDrain(res);
    if (throttle !== undefined) await throttle.consume(chunk.length);
  }
  if (plan.body?.kind === 'reset') {
    // Let the partial body leave before the RST, so the client sees a reset mid-body.
    await new Promise<void>((resolve) => (res.socket ? res.socket.write(Buffer.alloc(0), () => resolve()) : resolve()));
    await sleep(20, undefined, { ref: false });
    req.socket.resetAndDestroy();
    return;
  }
  if (plan.body?.kind === 'truncate') {
    // Everything written so far reaches the client, then the connection closes early.
    req.socket.end();
    return;
  }
  res.end();
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
