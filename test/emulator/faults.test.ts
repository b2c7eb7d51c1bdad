// The emulator's fault injection, fault by fault: latency (global, jittered, per endpoint), the
// bandwidth cap, error statuses and shapes (raw, and as the official SDK reacts to them), body
// faults (reset, truncate, slow), seeded probabilities, validation of configurations and the admin
// endpoints that manage them. Timing is only ever asserted as a lower bound.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { ApiError, WorkspaceClient } from '@databricks/sdk-experimental';
import { FaultInjector, type FaultConfig } from '../../src/emulator/fault-injector';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { api, home, sdkClient, startEmulator } from '../support/emulator-fixture';

const GET_STATUS = 'GET /api/2.0/workspace/get-status';
const LIST = 'GET /api/2.0/workspace/list';
const ME = 'GET /api/2.0/preview/scim/v2/Me';
const RAW_FILE = 'GET /api/2.0/workspace-files/{path}';
const MiB = 1024 * 1024;

/** Runs `fn` and returns its result with the elapsed milliseconds. */
async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

/** Reads a response body chunk by chunk; reports the bytes that arrived and the error, if any. */
async function drain(response: Response): Promise<{ bytes: number; error?: Error }> {
  let bytes = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

/** An SDK client that keeps retrying for 30 s, so retried calls can succeed. */
function patientClient(emulator: WorkspaceEmulator): WorkspaceClient {
  return new WorkspaceClient({
    host: emulator.host,
    token: emulator.token,
    authType: 'pat',
    env: {},
    retryTimeoutSeconds: 30,
  } as ConstructorParameters<typeof WorkspaceClient>[0]);
}

async function setFaults(emulator: WorkspaceEmulator, config: unknown): Promise<Response> {
  return fetch(`${emulator.host}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof config === 'string' ? config : JSON.stringify(config),
  });
}

describe('emulator faults', () => {
  let emulator: WorkspaceEmulator;
  let sdk: WorkspaceClient;
  let bigFile: string;
  const bigContent = Buffer.from(Array.from({ length: 4 * MiB }, (_, i) => (i * 7 + 3) % 251));
  const statusUrl = (): string => `/api/2.0/workspace/get-status?path=${encodeURIComponent(home(emulator))}`;

  before(async () => {
    emulator = await startEmulator();
    sdk = sdkClient(emulator);
    bigFile = `${home(emulator)}/big.bin`;
    emulator.tree.write(bigFile, { kind: 'FILE', content: bigContent });
  });
  afterEach(() => {
    emulator.faults.clear();
    emulator.stats.reset();
  });
  after(() => emulator.stop());

  describe('latency', () => {
    it('adds global latency given at start to raw and SDK requests', async () => {
      const slow = await startEmulator({ faults: { latencyMs: 200 } });
      try {
        const [response, rawMs] = await timed(() => api(slow, 'GET', `/api/2.0/workspace/get-status?path=%2FShared`));
        assert.equal(response.status, 200);
        assert.ok(rawMs >= 190, `raw request took ${rawMs} ms`);
        const [info, sdkMs] = await timed(() => sdkClient(slow).workspace.getStatus({ path: '/Shared' }));
        assert.equal(info.object_type, 'DIRECTORY');
        assert.ok(sdkMs >= 190, `SDK request took ${sdkMs} ms`);
      } finally {
        await slow.stop();
      }
    });

    it('adds global latency set through POST /__emulator/faults', async () => {
      const response = await setFaults(emulator, { latencyMs: 250 });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { latencyMs: 250 });
      const [status, ms] = await timed(async () => (await api(emulator, 'GET', statusUrl())).status);
      assert.equal(status, 200);
      assert.ok(ms >= 240, `request took ${ms} ms`);
      const [, sdkMs] = await timed(() => sdk.workspace.getStatus({ path: home(emulator) }));
      assert.ok(sdkMs >= 240, `SDK request took ${sdkMs} ms`);
    });

    it('keeps jitter within [latency, latency + jitter] and actually varies it', async () => {
      const injector = new FaultInjector({ seed: 7, latencyMs: 50, jitterMs: 40 });
      const delays = Array.from({ length: 500 }, () => injector.plan(GET_STATUS).latencyMs);
      for (const delay of delays) assert.ok(delay >= 50 && delay <= 90, `delay ${delay} outside [50, 90]`);
      assert.ok(new Set(delays).size > 20, 'jitter hardly varies');
      assert.ok(Math.min(...delays) < 55 && Math.max(...delays) > 85, 'jitter does not span its range');

      const perRule = new FaultInjector({ seed: 3, rules: [{ fault: { kind: 'latency', ms: 10, jitterMs: 5 } }] });
      const ruleDelays = Array.from({ length: 200 }, () => perRule.plan(LIST).latencyMs);
      for (const delay of ruleDelays) assert.ok(delay >= 10 && delay <= 15, `rule delay ${delay} outside [10, 15]`);
      assert.ok(new Set(ruleDelays).size > 1);

      emulator.faults.set({ latencyMs: 100, jitterMs: 50 });
      const [, ms] = await timed(() => api(emulator, 'GET', statusUrl()));
      assert.ok(ms >= 95, `jittered request took ${ms} ms`);
    });

    it('applies a per-endpoint latency rule to that endpoint only', async () => {
      emulator.faults.set({ rules: [{ endpoint: GET_STATUS, fault: { kind: 'latency', ms: 600 } }] });
      const finished: string[] = [];
      const started = performance.now();
      const slow = sdk.workspace.getStatus({ path: home(emulator) }).then(() => {
        finished.push('get-status');
        return performance.now() - started;
      });
      const fast = (async () => {
        for await (const item of sdk.workspace.list({ path: home(emulator) })) assert.ok(item.path);
        finished.push('list');
      })();
      const [slowMs] = await Promise.all([slow, fast]);
      assert.deepEqual(finished, ['list', 'get-status'], 'list waited for the get-status latency');
      assert.ok(slowMs >= 590, `get-status took ${slowMs} ms`);
      assert.equal(emulator.faults.plan(LIST).latencyMs, 0);
      assert.equal(emulator.faults.plan('GET /api/2.0/workspace/export').latencyMs, 0);
      assert.equal(emulator.faults.plan(GET_STATUS).latencyMs, 600);
    });

    it('drops a request still in its latency when the emulator stops', async () => {
      const stopping = await startEmulator({ faults: { latencyMs: 300 } });
      const held = api(stopping, 'POST', '/api/2.0/workspace/mkdirs', { body: JSON.stringify({ path: '/Shared/too-late' }) }).then(
        () => 'served',
        () => 'dropped',
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await stopping.stop();
      assert.equal(await held, 'dropped');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(stopping.tree.find('/Shared/too-late'), undefined, 'a request was served after stop()');
    });

    it('matches endpoint prefixes ending in *', () => {
      const injector = new FaultInjector({ rules: [{ endpoint: 'GET /api/2.0/workspace/*', fault: { kind: 'latency', ms: 30 } }] });
      assert.equal(injector.plan(LIST).latencyMs, 30);
      assert.equal(injector.plan(GET_STATUS).latencyMs, 30);
      assert.equal(injector.plan('POST /api/2.0/workspace/import').latencyMs, 0);
      assert.equal(injector.plan(RAW_FILE).latencyMs, 0);
      assert.equal(injector.plan('GET /api/2.0/workspace-files/list-files').latencyMs, 0);
    });
  });

  describe('bandwidth', () => {
    it('caps a 1 MiB download at 8 Mbps to about a second', async () => {
      emulator.tree.write(`${home(emulator)}/one-mib.bin`, { kind: 'FILE', content: bigContent.subarray(0, MiB) });
      emulator.faults.set({ bandwidthMbps: 8 });
      const [body, ms] = await timed(async () => {
        const response = await api(emulator, 'GET', `/api/2.0/workspace-files${encodeURI(home(emulator))}/one-mib.bin`);
        assert.equal(response.status, 200);
        return Buffer.from(await response.arrayBuffer());
      });
      assert.ok(body.equals(bigContent.subarray(0, MiB)), 'bytes changed under the cap');
      assert.ok(ms >= 900, `1 MiB at 8 Mbps took ${ms} ms`);
    });

    it('caps a 1 MiB upload with a per-endpoint bandwidth rule', async () => {
      emulator.faults.set({ rules: [{ endpoint: 'POST /api/2.0/workspace-files/import-file/*', fault: { kind: 'bandwidth', mbps: 8 } }] });
      const target = `${home(emulator)}/uploaded.bin`;
      const [status, ms] = await timed(async () => {
        const response = await api(emulator, 'POST', `/api/2.0/workspace-files/import-file${encodeURI(target)}?overwrite=true`, {
          body: bigContent.subarray(0, MiB),
          headers: { 'content-type': 'application/octet-stream' },
        });
        await response.arrayBuffer();
        return response.status;
      });
      assert.equal(status, 200);
      assert.ok(ms >= 900, `1 MiB upload at 8 Mbps took ${ms} ms`);
      const stored = emulator.tree.find(target);
      assert.ok(stored?.kind === 'FILE' && stored.content.equals(bigContent.subarray(0, MiB)));
      assert.equal(emulator.faults.plan(GET_STATUS).bytesPerSecond, undefined, 'the rule leaked to other endpoints');
    });
  });

  describe('rate limiting (429)', () => {
    it('answers 429 with Retry-After and REQUEST_LIMIT_EXCEEDED for count: 2, then normally', async () => {
      emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 2, fault: { kind: 'error', status: 429 } }] });
      for (let attempt = 0; attempt < 2; attempt++) {
        const response = await api(emulator, 'GET', statusUrl());
        assert.equal(response.status, 429);
        assert.equal(response.headers.get('retry-after'), '1');
        assert.match(response.headers.get('content-type') ?? '', /application\/json/);
        const body = (await response.json()) as { error_code: string; message: string };
        assert.equal(body.error_code, 'REQUEST_LIMIT_EXCEEDED');
        assert.ok(body.message.length > 0);
      }
      const third = await api(emulator, 'GET', statusUrl());
      assert.equal(third.status, 200);
      assert.equal(((await third.json()) as { path: string }).path, home(emulator));
      assert.deepEqual(emulator.faults.current().rules, [], 'the spent rule is still configured');
    });

    it('sends a configured Retry-After', async () => {
      emulator.faults.set({ rules: [{ count: 1, fault: { kind: 'error', status: 429, retryAfterSeconds: 7 } }] });
      const response = await api(emulator, 'GET', statusUrl());
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '7');
    });

    it('is retried by the SDK, which succeeds on its third request', async () => {
      emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 2, fault: { kind: 'error', status: 429 } }] });
      const info = await patientClient(emulator).workspace.getStatus({ path: home(emulator) });
      assert.equal(info.path, home(emulator));
      assert.equal(emulator.stats.requestsTo(GET_STATUS), 3);
      assert.equal(emulator.stats.total(), 3);
    });
  });

  describe('server errors (5xx)', () => {
    it('503 without transient wording is thrown by the SDK at once, after one request', async () => {
      emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 1, fault: { kind: 'error', status: 503 } }] });
      await assert.rejects(patientClient(emulator).workspace.getStatus({ path: home(emulator) }), (error: unknown) => {
        assert.ok(error instanceof ApiError, String(error));
        assert.equal(error.statusCode, 503);
        assert.equal(error.errorCode, 'TEMPORARILY_UNAVAILABLE');
        assert.doesNotMatch(error.message, /Unexpected error/);
        return true;
      });
      assert.equal(emulator.stats.requestsTo(GET_STATUS), 1);
    });

    it('500 without transient wording is not retried either', async () => {
      emulator.faults.set({ rules: [{ endpoint: ME, count: 1, fault: { kind: 'error', status: 500 } }] });
      await assert.rejects(patientClient(emulator).currentUser.me(), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.statusCode, 500);
        assert.equal(error.errorCode, 'INTERNAL_ERROR');
        return true;
      });
      assert.equal(emulator.stats.requestsTo(ME), 1);
    });

    it('503 and 500 with transient wording are retried by the SDK until they succeed', async () => {
      emulator.faults.set({
        rules: [
          { endpoint: GET_STATUS, count: 1, fault: { kind: 'error', status: 503, transient: true } },
          { endpoint: ME, count: 1, fault: { kind: 'error', status: 500, transient: true } },
        ],
      });
      const client = patientClient(emulator);
      const [info, me] = await Promise.all([client.workspace.getStatus({ path: home(emulator) }), client.currentUser.me()]);
      assert.equal(info.path, home(emulator));
      assert.equal(me.userName, emulator.userName);
      assert.equal(emulator.stats.requestsTo(GET_STATUS), 2);
      assert.equal(emulator.stats.requestsTo(ME), 2);
    });

    it('uses "Unexpected error" wording for transient faults only', async () => {
      for (const status of [500, 503]) {
        for (const transient of [false, true]) {
          emulator.faults.set({ rules: [{ count: 1, fault: { kind: 'error', status, transient } }] });
          const response = await api(emulator, 'GET', statusUrl());
          assert.equal(response.status, status);
          const body = (await response.json()) as { message: string };
          assert.equal(/Unexpected error/.test(body.message), transient, `${status} transient=${transient}: ${body.message}`);
        }
      }
    });
  });

  describe('error shapes', () => {
    async function faulted(config: Record<string, unknown>): Promise<{ response: Response; text: string }> {
      emulator.faults.set({ rules: [{ count: 1, fault: { kind: 'error', ...config } as never }] });
      const response = await api(emulator, 'GET', statusUrl());
      return { response, text: await response.text() };
    }

    it('sends the standard envelope with a custom code and message', async () => {
      const { response, text } = await faulted({ status: 409, errorCode: 'ABORTED', message: 'try again' });
      assert.equal(response.status, 409);
      assert.deepEqual(JSON.parse(text), { error_code: 'ABORTED', message: 'try again' });
    });

    it('numeric: a number as error_code', async () => {
      const { response, text } = await faulted({ status: 503, shape: 'numeric' });
      assert.equal(response.status, 503);
      const body = JSON.parse(text) as { error_code: unknown; message: string };
      assert.equal(body.error_code, 503);
      assert.equal(typeof body.message, 'string');
    });

    it('empty-code: an empty error_code', async () => {
      const { response, text } = await faulted({ status: 400, shape: 'empty-code', message: 'already exists.' });
      assert.equal(response.status, 400);
      assert.deepEqual(JSON.parse(text), { error_code: '', message: 'already exists.' });
    });

    it('html: an HTML page with the text in <pre>', async () => {
      const { response, text } = await faulted({ status: 502, shape: 'html', errorCode: 'BAD_GATEWAY', message: 'upstream down' });
      assert.equal(response.status, 502);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(text, /^<html>/);
      assert.match(text, /<pre>BAD_GATEWAY: upstream down<\/pre>/);
      assert.throws(() => JSON.parse(text));
    });

    it('plain: "CODE: message" as text', async () => {
      const { response, text } = await faulted({ status: 503, shape: 'plain' });
      assert.equal(response.status, 503);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      assert.equal(text, 'TEMPORARILY_UNAVAILABLE: The service is temporarily unavailable.');
    });

    it('details-without-metadata: details entries that lack metadata', async () => {
      const { response, text } = await faulted({ status: 400, shape: 'details-without-metadata', errorCode: 'INVALID_PARAMETER_VALUE' });
      assert.equal(response.status, 400);
      const body = JSON.parse(text) as { error_code: string; details: Array<Record<string, unknown>> };
      assert.equal(body.error_code, 'INVALID_PARAMETER_VALUE');
      assert.ok(body.details.length > 0);
      for (const detail of body.details) {
        assert.equal(typeof detail['@type'], 'string');
        assert.equal('metadata' in detail, false);
      }
    });

    it('api12: an {"error": ...} body without error_code', async () => {
      const { text } = await faulted({ status: 400, shape: 'api12' });
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body), ['error']);
      assert.match(String(body.error), /^BAD_REQUEST: /);
    });

    it('each shape reaches the SDK as the SDK parses it', async () => {
      const expect = async (shape: string, check: (error: ApiError) => void): Promise<void> => {
        emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 1, fault: { kind: 'error', status: 400, shape } as never }] });
        await assert.rejects(sdk.workspace.getStatus({ path: home(emulator) }), (error: unknown) => {
          assert.ok(error instanceof ApiError, `${shape}: ${String(error)}`);
          assert.equal(error.statusCode, 400);
          check(error);
          return true;
        });
      };
      await expect('standard', (error) => assert.equal(error.errorCode, 'BAD_REQUEST'));
      await expect('numeric', (error) => assert.equal(error.errorCode as unknown, 400));
      await expect('empty-code', (error) => {
        assert.equal(error.errorCode, 'Bad Request');
        assert.match(error.message, /^Response from server \(Bad Request\) /);
      });
      await expect('html', (error) => assert.match(error.message, /BAD_REQUEST: Injected error/));
      await expect('plain', (error) => assert.match(error.message, /^Response from server \(Bad Request\) BAD_REQUEST: /));
      await expect('details-without-metadata', (error) => {
        assert.equal(error.errorCode, 'Bad Request');
        assert.match(error.message, /^Response from server/);
      });
      assert.equal(emulator.stats.requestsTo(GET_STATUS), 6);
    });
  });

  describe('body faults', () => {
    const fileUrl = (): string => `/api/2.0/workspace-files${encodeURI(bigFile)}`;

    it('reset: the connection is reset mid-body after some bytes', async () => {
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 1, fault: { kind: 'reset' } }] });
      const response = await api(emulator, 'GET', fileUrl());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-length'), String(bigContent.length));
      const { bytes, error } = await drain(response);
      assert.ok(error, 'reading the body did not fail');
      const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
      assert.match(`${error.message} ${cause?.code ?? ''} ${cause?.message ?? ''}`, /terminated|ECONNRESET|socket|closed/i);
      assert.ok(bytes > 0, 'no bytes arrived before the reset');
      assert.ok(bytes < bigContent.length, 'every byte arrived');
      const again = await api(emulator, 'GET', fileUrl());
      assert.ok(Buffer.from(await again.arrayBuffer()).equals(bigContent), 'the next request is not whole');
    });

    it('reset after a set number of bytes never delivers more', async () => {
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 1, fault: { kind: 'reset', afterBytes: 1000 } }] });
      const { bytes, error } = await drain(await api(emulator, 'GET', fileUrl()));
      assert.ok(error);
      assert.ok(bytes <= 1000, `${bytes} bytes arrived`);
    });

    it('reset makes an SDK call fail rather than return a partial result', async () => {
      emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 1, fault: { kind: 'reset' } }] });
      await assert.rejects(sdk.workspace.getStatus({ path: home(emulator) }), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.ok(!(error instanceof ApiError), 'a reset is not an API error');
        return true;
      });
      assert.equal((await sdk.workspace.getStatus({ path: home(emulator) })).path, home(emulator));
    });

    it('truncate: fewer bytes than content-length, then the body read fails', async () => {
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 1, fault: { kind: 'truncate', keepBytes: 100_000 } }] });
      const response = await api(emulator, 'GET', fileUrl());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-length'), String(bigContent.length));
      const { bytes, error } = await drain(response);
      assert.ok(error !== undefined || bytes < bigContent.length, 'a whole body arrived without error');
      assert.ok(bytes <= 100_000, `${bytes} bytes arrived`);
    });

    it('hold: sends the first bytes, then waits until released; a release with reset ends it with a reset', async () => {
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 2, fault: { kind: 'hold', afterBytes: 1000 } }] });
      const response = await api(emulator, 'GET', fileUrl());
      const reader = response.body!.getReader();
      const head: Buffer[] = [];
      let got = 0;
      for (let i = 0; i < 100 && got < 1000; i++) {
        const { value, done } = await reader.read();
        if (done) break;
        head.push(Buffer.from(value));
        got += value.length;
      }
      assert.equal(got, 1000, 'exactly the bytes before the hold point arrived');
      for (let i = 0; i < 100 && emulator.faults.heldCount() === 0; i++) await sleep(10);
      assert.equal(emulator.faults.heldCount(), 1);
      const pending = reader.read();
      const early = await Promise.race([pending.then(() => 'more'), sleep(200).then(() => 'held')]);
      assert.equal(early, 'held', 'bytes past the hold point arrived before the release');
      assert.equal(emulator.faults.releaseHeld(), 1);
      const rest: Buffer[] = [];
      for (let next = await pending, i = 0; !next.done && i < 10_000; next = await reader.read(), i++) rest.push(Buffer.from(next.value));
      assert.ok(Buffer.concat([...head, ...rest]).equals(bigContent), 'the released body is not whole');

      const second = await api(emulator, 'GET', fileUrl());
      for (let i = 0; i < 100 && emulator.faults.heldCount() === 0; i++) await sleep(10);
      const released = await api(emulator, 'POST', '/__emulator/faults/release', { body: JSON.stringify({ how: 'reset' }) });
      assert.deepEqual(await released.json(), { released: 1 });
      const { bytes, error } = await drain(second);
      assert.ok(error, 'a body reset at its hold point read without error');
      assert.equal(bytes, 1000);
      assert.equal((await api(emulator, 'POST', '/__emulator/faults/release', { body: JSON.stringify({ how: 'later' }) })).status, 400);
    });

    it('hold at or past the end of the body: the whole body goes out and the hold is dropped (nothing left to release)', async () => {
      emulator.faults.set({
        rules: [
          { endpoint: RAW_FILE, count: 1, fault: { kind: 'hold', afterBytes: bigContent.length } },
          { endpoint: RAW_FILE, count: 1, fault: { kind: 'hold', afterBytes: bigContent.length * 2 } },
        ],
      });
      for (let round = 0; round < 2; round++) {
        const response = await api(emulator, 'GET', fileUrl());
        assert.ok(Buffer.from(await response.arrayBuffer()).equals(bigContent), `round ${round}: the body is not whole`);
      }
      assert.equal(emulator.faults.heldCount(), 0);
      assert.equal(emulator.faults.releaseHeld(), 0, 'a hold that could not be reached was still waiting for a release');
    });

    it('truncate defaults to half the body', async () => {
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 1, fault: { kind: 'truncate' } }] });
      const { bytes, error } = await drain(await api(emulator, 'GET', fileUrl()));
      assert.ok(error !== undefined || bytes < bigContent.length, 'a whole body arrived without error');
      assert.ok(bytes <= bigContent.length / 2, `${bytes} bytes arrived`);
    });

    it('slow-body: paces the body to the given bytes per second', async () => {
      const small = `${home(emulator)}/small.txt`;
      const content = Buffer.alloc(50_000, 'x');
      emulator.tree.write(small, { kind: 'FILE', content });
      emulator.faults.set({ rules: [{ endpoint: RAW_FILE, count: 1, fault: { kind: 'slow-body', bytesPerSecond: 50_000 } }] });
      const [body, ms] = await timed(async () => Buffer.from(await (await api(emulator, 'GET', `/api/2.0/workspace-files${encodeURI(small)}`)).arrayBuffer()));
      assert.ok(body.equals(content));
      assert.ok(ms >= 900, `50 kB at 50 kB/s took ${ms} ms`);
    });
  });

  describe('probability', () => {
    async function outcomes(seed: number): Promise<number[]> {
      assert.equal(
        (await setFaults(emulator, { seed, rules: [{ endpoint: ME, probability: 0.4, fault: { kind: 'error', status: 503 } }] })).status,
        200,
      );
      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) {
        const response = await api(emulator, 'GET', '/api/2.0/preview/scim/v2/Me');
        await response.arrayBuffer();
        statuses.push(response.status);
        // Requests to other endpoints draw nothing from the seeded source.
        if (i % 10 === 0) assert.equal((await api(emulator, 'GET', statusUrl())).status, 200);
      }
      return statuses;
    }

    it('is deterministic for a fixed seed and differs between seeds', async () => {
      const first = await outcomes(42);
      const second = await outcomes(42);
      const other = await outcomes(4242);
      assert.deepEqual(second, first);
      assert.notDeepEqual(other, first);
      for (const run of [first, other]) {
        assert.ok(run.includes(200) && run.includes(503), `one-sided run: ${run.join(',')}`);
        for (const status of run) assert.ok(status === 200 || status === 503);
      }
    });

    it('never fires at 0 and always fires at 1', () => {
      const injector = new FaultInjector({
        seed: 1,
        rules: [
          { endpoint: LIST, probability: 0, fault: { kind: 'reset' } },
          { endpoint: ME, probability: 1, fault: { kind: 'truncate' } },
        ],
      });
      for (let i = 0; i < 100; i++) {
        assert.equal(injector.plan(LIST).body, undefined);
        assert.equal(injector.plan(ME).body?.kind, 'truncate');
      }
    });
  });

  describe('configuration', () => {
    const invalid: unknown[] = [
      '{bad',
      '[]',
      '"latency"',
      { latencyMs: -5 },
      { latencyMs: '100' },
      { jitterMs: -1 },
      { bandwidthMbps: 0 },
      { seed: -1 },
      { latency: 5 },
      { rules: {} },
      { rules: [null] },
      { rules: [{ fault: { kind: 'explode' } }] },
      { rules: [{ fault: { kind: 'error', status: 200 } }] },
      { rules: [{ fault: { kind: 'error', status: 503, shape: 'weird' } }] },
      { rules: [{ fault: { kind: 'error', status: 503, transient: 'yes' } }] },
      { rules: [{ fault: { kind: 'error', status: 503, errorCode: { code: 1 } } }] },
      { rules: [{ probability: 1.5, fault: { kind: 'reset' } }] },
      { rules: [{ probabilty: 0.5, fault: { kind: 'reset' } }] },
      { rules: [{ count: 1.5, fault: { kind: 'reset' } }] },
      { rules: [{ count: -1, fault: { kind: 'reset' } }] },
      { rules: [{ endpoint: 5, fault: { kind: 'reset' } }] },
      { rules: [{ fault: { kind: 'latency' } }] },
      { rules: [{ fault: { kind: 'latency', ms: 5, jiter: 3 } }] },
      { rules: [{ fault: { kind: 'bandwidth', mbps: 0 } }] },
      { rules: [{ fault: { kind: 'slow-body', bytesPerSecond: 0 } }] },
      { rules: [{ fault: { kind: 'truncate', keepBytes: -1 } }] },
      { rules: [{ fault: 'reset' }] },
    ];

    it('refuses invalid configurations with 400 INVALID_PARAMETER_VALUE and keeps the old one', async () => {
      const valid = { seed: 9, latencyMs: 1, rules: [{ endpoint: LIST, count: 3, fault: { kind: 'reset' } }] };
      assert.equal((await setFaults(emulator, valid)).status, 200);
      for (const config of invalid) {
        const response = await setFaults(emulator, config);
        const label = typeof config === 'string' ? config : JSON.stringify(config);
        assert.equal(response.status, 400, label);
        const body = (await response.json()) as { error_code: string; message: string };
        assert.equal(body.error_code, 'INVALID_PARAMETER_VALUE', label);
        assert.ok(body.message.length > 0, label);
      }
      const current = await (await fetch(`${emulator.host}/__emulator/faults`)).json();
      assert.deepEqual(current, valid);
    });

    it('throws TypeError for invalid configurations given programmatically', async () => {
      for (const config of invalid.filter((item) => typeof item === 'object')) {
        assert.throws(() => new FaultInjector(config as FaultConfig), TypeError, JSON.stringify(config));
        assert.throws(() => emulator.faults.set(config as FaultConfig), TypeError, JSON.stringify(config));
      }
      assert.throws(() => emulator.faults.add({ fault: { kind: 'latency', ms: -1 } }), TypeError);
      assert.throws(() => new FaultInjector({ rules: [{ probability: Number.NaN, fault: { kind: 'reset' } }] }), TypeError);
      await assert.rejects(WorkspaceEmulator.start({ faults: { latencyMs: -1 } }), TypeError);
      assert.deepEqual(emulator.faults.current(), {}, 'a refused configuration was applied');
    });

    it('accepts PUT as well as POST, reports the configuration and adds rules programmatically', async () => {
      const config = { latencyMs: 3, rules: [{ endpoint: ME, count: 2, fault: { kind: 'error', status: 429 } }] };
      const put = await fetch(`${emulator.host}/__emulator/faults`, { method: 'PUT', body: JSON.stringify(config) });
      assert.equal(put.status, 200);
      assert.deepEqual(await put.json(), config);
      emulator.faults.add({ endpoint: LIST, fault: { kind: 'reset' } });
      const current = (await (await fetch(`${emulator.host}/__emulator/faults`)).json()) as FaultConfig;
      assert.equal(current.latencyMs, 3);
      assert.deepEqual(current.rules?.map((rule) => rule.endpoint), [ME, LIST]);
    });

    it('DELETE /__emulator/faults clears every fault', async () => {
      assert.equal((await setFaults(emulator, { latencyMs: 5, rules: [{ fault: { kind: 'error', status: 503 } }] })).status, 200);
      assert.equal((await api(emulator, 'GET', statusUrl())).status, 503);
      const cleared = await fetch(`${emulator.host}/__emulator/faults`, { method: 'DELETE' });
      assert.equal(cleared.status, 200);
      assert.deepEqual(await cleared.json(), {});
      assert.deepEqual(await (await fetch(`${emulator.host}/__emulator/faults`)).json(), {});
      assert.equal((await api(emulator, 'GET', statusUrl())).status, 200);
      assert.deepEqual(emulator.faults.plan(GET_STATUS), { latencyMs: 0 });
    });

    it('applies faults to signed URLs too', async () => {
      const info = await api(emulator, 'GET', `/api/2.0/workspace-files/object-info?path=${encodeURIComponent(bigFile)}`);
      const { wsfs_object_info: entry } = (await info.json()) as { wsfs_object_info: { signed_url: { url: string } } };
      emulator.faults.set({ rules: [{ endpoint: 'GET /__emulator/signed/{token}', count: 1, fault: { kind: 'error', status: 503 } }] });
      assert.equal((await fetch(entry.signed_url.url)).status, 503);
      const ok = await fetch(entry.signed_url.url);
      assert.equal(ok.status, 200);
      assert.ok(Buffer.from(await ok.arrayBuffer()).equals(bigContent));
    });
  });

  describe('admin endpoints', () => {
    it('need no token and are never faulted', async () => {
      emulator.faults.set({ latencyMs: 0, rules: [{ fault: { kind: 'error', status: 503 } }, { fault: { kind: 'reset' } }] });
      for (const authorization of [undefined, 'Bearer wrong-token']) {
        const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
        const call = async (method: string, path: string, body?: string): Promise<Response> => {
          const response = await fetch(`${emulator.host}${path}`, { method, headers, body: body ?? null });
          assert.equal(response.status, 200, `${method} ${path} with ${authorization ?? 'no token'}`);
          return response;
        };
        assert.deepEqual(await (await call('GET', '/__emulator/health')).json(), { ok: true, user: emulator.userName });
        assert.ok('requests' in ((await (await call('GET', '/__emulator/stats')).json()) as object));
        await call('POST', '/__emulator/stats/reset');
        const rules = ((await (await call('GET', '/__emulator/faults')).json()) as FaultConfig).rules;
        assert.equal(rules?.length, 2);
        await call('POST', '/__emulator/faults', JSON.stringify(emulator.faults.current()));
      }
      assert.equal((await fetch(`${emulator.host}/__emulator/faults`, { method: 'DELETE' })).status, 200);
      const unknown = await fetch(`${emulator.host}/__emulator/nope`);
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
    });

    it('workspace endpoints still need the token', async () => {
      const response = await api(emulator, 'GET', statusUrl(), { token: null });
      assert.equal(response.status, 403);
      assert.deepEqual(await response.json(), { error_code: 403, message: 'Invalid access token.' });
    });
  });
});
