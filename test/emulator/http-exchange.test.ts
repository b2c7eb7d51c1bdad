// readBody over a real HTTP server on 127.0.0.1: a body with a Content-Length arrives byte for byte
// (copied into one buffer as it streams), a chunked body too, the size limit is enforced for both
// (declared and undeclared), a throttled body keeps its pace, and a body cut off mid-way rejects.
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../src/emulator/api-error';
import { readBody } from '../../src/emulator/http-exchange';

type Outcome = { body: Buffer; counted: number } | { error: unknown };

describe('readBody', () => {
  let server: Server;
  let port: number;
  let limit = 1024 * 1024;
  let bytesPerSecond: number | undefined;
  let outcome: Promise<Outcome>;
  let settle: (outcome: Outcome) => void;

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let counted = 0;
      readBody(req, limit, bytesPerSecond, (n) => (counted += n)).then(
        (body) => {
          settle({ body, counted });
          res.end('ok');
        },
        (error: unknown) => {
          settle({ error });
          res.destroy();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends `parts` (each written separately), with a Content-Length unless `chunked`; ends unless `cut`. */
  function send(parts: Buffer[], options: { chunked?: boolean; cut?: boolean } = {}): Promise<Outcome> {
    outcome = new Promise((resolve) => (settle = resolve));
    const total = parts.reduce((n, p) => n + p.length, 0);
    const headers: Record<string, string> = options.chunked === true ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(total + (options.cut === true ? 1000 : 0)) };
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/', headers });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    for (const part of parts) req.write(part);
    if (options.cut === true) setTimeout(() => req.destroy(), 50);
    else req.end();
    return outcome;
  }

  const pattern = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));

  it('returns a Content-Length body byte for byte and counts every byte', async () => {
    limit = 1024 * 1024;
    bytesPerSecond = undefined;
    const parts = [pattern(300_000, 1), pattern(200_001, 2), pattern(7, 3)];
    const result = await send(parts);
    assert.ok('body' in result, String((result as { error?: unknown }).error));
    assert.deepEqual(result.body, Buffer.concat(parts));
    assert.equal(result.counted, 500_008);
  });

  it('returns a chunked body byte for byte', async () => {
    const parts = [pattern(70_000, 4), pattern(90_000, 5)];
    const result = await send(parts, { chunked: true });
    assert.ok('body' in result);
    assert.deepEqual(result.body, Buffer.concat(parts));
  });

  it('refuses a declared length over the limit, and an undeclared body once it passes the limit', async () => {
    limit = 100_000;
    const declared = await send([pattern(100_001, 6)]);
    assert.ok('error' in declared);
    assert.ok(declared.error instanceof ApiError && declared.error.body.error_code === 'MAX_NOTEBOOK_SIZE_EXCEEDED', String(declared.error));
    const chunked = await send([pattern(60_000, 7), pattern(60_000, 8)], { chunked: true });
    assert.ok('error' in chunked);
    assert.ok(chunked.error instanceof ApiError && chunked.error.status === 400, String(chunked.error));
  });

  it('rejects a body cut off before its Content-Length', async () => {
    limit = 1024 * 1024;
    const result = await send([pattern(10_000, 9)], { cut: true });
    assert.ok('error' in result, 'a truncated body must not be returned as complete');
  });

  it('paces a throttled body and still returns it whole', async () => {
    bytesPerSecond = 200_000;
    const started = performance.now();
    const result = await send([pattern(50_000, 10), pattern(50_000, 11)]);
    bytesPerSecond = undefined;
    assert.ok('body' in result);
    assert.equal(result.body.length, 100_000);
    assert.ok(performance.now() - started >= 400, 'the 100 KB body at 200 KB/s takes at least 0.4 s');
  });
});
