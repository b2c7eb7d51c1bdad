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
 * 400 MAX_NOTEBOOK_SIZE_EXCEEDED (the caller closes the connection). A body with a Content-Length
 * is copied into one buffer of that size as it arrives, so no whole-body concatenation (a second
 * pass over, say, 100 MiB of fresh memory) delays the reply after the last byte; a chunked body
 * is collected and joined at the end.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  bytesPerSecond: number | undefined,
  onBytes: (count: number) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(declared, limit);
  // Node's parser never delivers more than Content-Length bytes, and an early end is an 'aborted' error.
  const whole = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafeSlow(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const take = (chunk: Buffer): void => {
    onBytes(chunk.length);
    if (size + chunk.length > limit) throw tooLarge(size + chunk.length, limit);
    if (whole !== undefined && size + chunk.length <= whole.length) chunk.copy(whole, size);
    else chunks.push(chunk);
    size += chunk.length;
  };
  if (bytesPerSecond === undefined) await readChunks(req, take);
  else {
    const throttle = new Throttle(bytesPerSecond);
    for await (const chunk of req as AsyncIterable<Buffer>) {
      take(chunk);
      await throttle.consume(chunk.length);
    }
  }
  if (whole === undefined) return Buffer.concat(chunks, size);
  if (chunks.length > 0 || size !== whole.length) throw new Error(`request body of ${size} bytes does not match its Content-Length ${declared}`);
  return whole;
}

/**
 * Feeds every chunk of `req` to `take` from 'data' events (an async iterator costs a promise per
 * 64 KiB chunk, a measurable share of a 100 MiB upload); rejects with what `take` throws (the
 * stream is then left unread; the caller closes the connection) or with the stream's error.
 */
function readChunks(req: IncomingMessage, take: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: unknown): void => {
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.off('aborted', onAborted);
      if (error === undefined) resolve();
      else {
        req.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      try {
        take(chunk);
      } catch (error) {
        done(error);
      }
    };
    const onAborted = (): void => done(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('aborted', onAborted);
  });
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
  const held = plan.body?.kind === 'hold' ? plan.body : undefined;
  let waited = false;
  try {
    await writeReply(req, res, reply, plan, onBytes, () => (waited = true));
  } finally {
    // A hold point at or past the end of the body (or a client gone first) is never reached.
    if (held !== undefined && !waited) held.passed();
  }
}

async function writeReply(
  req: IncomingMessage,
  res: ServerResponse,
  reply: Reply,
  plan: RequestPlan,
  onBytes: (count: number) => void,
  onHold: () => void,
): Promise<void> {
  const { headers, body } = encodeReply(reply);
  let end = body.length;
  let holdAt = plan.body?.kind === 'hold' ? Math.min(body.length, plan.body.afterBytes) : -1;
  if (plan.body?.kind === 'reset') end = Math.min(body.length, plan.body.afterBytes ?? Math.floor(body.length / 2));
  if (plan.body?.kind === 'truncate') end = Math.min(body.length, plan.body.keepBytes ?? Math.floor(body.length / 2));
  res.writeHead(reply.status, headers);
  const throttle = plan.bytesPerSecond === undefined ? undefined : new Throttle(plan.bytesPerSecond);
  const chunkSize = plan.bytesPerSecond === undefined ? CHUNK : Math.max(1, Math.min(CHUNK, Math.floor(plan.bytesPerSecond / 20)));
  for (let offset = 0; offset < end; ) {
    if (res.destroyed) return;
    if (offset === holdAt && plan.body?.kind === 'hold') {
      holdAt = -1;
      onHold();
      // Let the first bytes reach the client, then wait for the test to release (or reset) the body.
      await new Promise<void>((resolve) => (res.socket ? res.socket.write(Buffer.alloc(0), () => resolve()) : resolve()));
      plan.body.reached();
      if ((await plan.body.released) === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
    }
    const stop = holdAt > offset ? Math.min(end, holdAt) : end;
    const chunk = body.subarray(offset, Math.min(stop, offset + chunkSize));
    offset += chunk.length;
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
