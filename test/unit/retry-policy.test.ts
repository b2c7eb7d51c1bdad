// RetryPolicy with an injected clock, sleep and random source: no test waits for real. Covers the
// back-off curve (full jitter, doubling, cap), Retry-After, the attempt and time budgets and the
// idempotency rule for calls that may already have taken effect.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyNetworkError, classifyResponse, RemoteError } from '../../src/fs/remote/remote-error';
import { RETRY_DEFAULTS, RetryPolicy, type CallSafety, type RetryPolicyOptions } from '../../src/fs/remote/retry-policy';

/** A policy on a fake clock: `sleep` advances time and records each wait. */
function fakePolicy(options: RetryPolicyOptions = {}): { policy: RetryPolicy; waits: number[]; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  const waits: number[] = [];
  const policy = new RetryPolicy({
    now: () => clock.t,
    sleep: async (ms) => {
      waits.push(ms);
      clock.t += ms;
    },
    random: () => 0.5,
    ...options,
  });
  return { policy, waits, clock };
}

/** An operation that fails with `errors` in turn, then resolves 'ok'; counts calls. */
function failing(...errors: unknown[]): { op: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    op: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

const http = (status: number, retryAfter?: string): RemoteError => classifyResponse(status, '', retryAfter ?? null);
const net = (code: string): RemoteError =>
  classifyNetworkError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) }), true);

describe('RetryPolicy: back-off', () => {
  it('retries transient failures with full-jitter waits whose ceiling doubles', async () => {
    const { policy, waits } = fakePolicy({ random: () => 0.999, baseDelayMs: 100 });
    const { op, calls } = failing(http(500), http(502), http(504), net('ECONNRESET'));
    assert.equal(await policy.run('idempotent', op), 'ok');
    assert.equal(calls(), 5);
    assert.deepEqual(waits, [99, 199, 399, 799]);
  });

  it('full jitter can wait anywhere from zero up to the ceiling', async () => {
    const low = fakePolicy({ random: () => 0 });
    await low.policy.run('idempotent', failing(http(503)).op);
    assert.deepEqual(low.waits, [0]);
    const high = fakePolicy({ random: () => 0.5, baseDelayMs: 1000 });
    await high.policy.run('idempotent', failing(http(503), http(503)).op);
    assert.deepEqual(high.waits, [500, 1000]);
  });

  it('caps a wait at maxDelayMs', async () => {
    const { policy, waits } = fakePolicy({ random: () => 0.999, baseDelayMs: 1000, maxDelayMs: 3000, maxAttempts: 10 });
    await policy.run('idempotent', failing(http(503), http(503), http(503), http(503), http(503)).op);
    assert.deepEqual(waits, [999, 1998, 2997, 2997, 2997]);
  });

  it('waits at least as long as Retry-After, even when the jitter is shorter', async () => {
    const { policy, waits } = fakePolicy({ random: () => 0 });
    const { op, calls } = failing(http(429, '2'), http(503, '1'));
    assert.equal(await policy.run('idempotent', op), 'ok');
    assert.equal(calls(), 3);
    assert.deepEqual(waits, [2000, 1000]);
  });

  it('a jitter longer than Retry-After wins', async () => {
    const { policy, waits } = fakePolicy({ random: () => 0.999, baseDelayMs: 4000 });
    await policy.run('idempotent', failing(http(429, '1')).op);
    assert.deepEqual(waits, [3996]);
  });

  it('tells onRetry about each retry', async () => {
    const events: Array<{ attempt: number; kind: string; delayMs: number }> = [];
    const { policy } = fakePolicy({ random: () => 0, onRetry: (event) => events.push({ attempt: event.attempt, kind: event.error.kind, delayMs: event.delayMs }) });
    await policy.run('idempotent', failing(http(429, '1'), net('ECONNRESET')).op);
    assert.deepEqual(events, [
      { attempt: 1, kind: 'rate-limited', delayMs: 1000 },
      { attempt: 2, kind: 'network', delayMs: 0 },
    ]);
  });
});

describe('RetryPolicy: budgets', () => {
  it('gives up after maxAttempts with the last error, kind kept', async () => {
    const { policy, waits } = fakePolicy({ maxAttempts: 4 });
    const errors = [http(503), http(503), http(503), http(429), http(503)];
    const { op, calls } = failing(...errors);
    await assert.rejects(policy.run('idempotent', op), (error: unknown) => {
      assert.ok(error instanceof RemoteError);
      assert.equal(error.kind, 'rate-limited');
      assert.match(error.message, /gave up after 4 attempts/);
      assert.equal(error.details.cause, errors[3]);
      return true;
    });
    assert.equal(calls(), 4);
    assert.equal(waits.length, 3);
  });

  it('the defaults are 6 attempts within 60 s', async () => {
    assert.equal(RETRY_DEFAULTS.maxAttempts, 6);
    assert.equal(RETRY_DEFAULTS.maxElapsedMs, 60_000);
    const { policy } = fakePolicy();
    const always = Array.from({ length: 20 }, () => http(503));
    const { op, calls } = failing(...always);
    await assert.rejects(policy.run('idempotent', op));
    assert.equal(calls(), 6);
  });

  it('stops when the next wait would pass the time budget', async () => {
    const { policy, clock } = fakePolicy({ maxElapsedMs: 5000, random: () => 0, maxAttempts: 100 });
    const started = clock.t;
    const always = Array.from({ length: 100 }, () => http(429, '2'));
    const { op, calls } = failing(...always);
    await assert.rejects(policy.run('idempotent', op), /gave up after 3 attempts.*budget/);
    assert.equal(calls(), 3);
    assert.ok(clock.t - started <= 5000);
  });

  it('does not sleep past the budget for a long Retry-After', async () => {
    const { policy, waits } = fakePolicy({ maxElapsedMs: 10_000 });
    const { op, calls } = failing(http(429, '3600'));
    await assert.rejects(policy.run('idempotent', op), (error: unknown) => error instanceof RemoteError && error.kind === 'rate-limited');
    assert.equal(calls(), 1);
    assert.deepEqual(waits, []);
  });

  it('counts time spent inside attempts against the budget', async () => {
    const { policy, clock } = fakePolicy({ maxElapsedMs: 10_000, random: () => 0, maxAttempts: 100 });
    let calls = 0;
    const slow = async (): Promise<string> => {
      calls++;
      clock.t += 4000;
      throw http(503);
    };
    await assert.rejects(policy.run('idempotent', slow));
    assert.equal(calls, 3, 'attempts at 0, 4 and 8 s; the next would start after 12 s');
  });
});

describe('RetryPolicy: what is retried', () => {
  it('never retries permanent failures or foreign errors', async () => {
    for (const error of [http(404), http(400), http(403), http(409), new RemoteError('too-large', 'x'), new Error('bug')]) {
      const { policy, waits } = fakePolicy();
      const { op, calls } = failing(error, error);
      await assert.rejects(policy.run('idempotent', op), (thrown: unknown) => thrown === error);
      assert.equal(calls(), 1, String(error));
      assert.deepEqual(waits, []);
    }
  });

  const cases: Array<[string, RemoteError, CallSafety, boolean]> = [
    ['429', http(429), 'non-idempotent', true],
    ['503', http(503), 'non-idempotent', true],
    ['connection refused', net('ECONNREFUSED'), 'non-idempotent', true],
    ['500', http(500), 'non-idempotent', false],
    ['502', http(502), 'non-idempotent', false],
    ['504', http(504), 'non-idempotent', false],
    ['reset', net('ECONNRESET'), 'non-idempotent', false],
    ['500', http(500), 'idempotent', true],
    ['502', http(502), 'idempotent', true],
    ['504', http(504), 'idempotent', true],
    ['reset', net('ECONNRESET'), 'idempotent', true],
    ['429', http(429), 'idempotent', true],
  ];
  for (const [name, error, safety, retried] of cases) {
    it(`${safety} call after ${name}: ${retried ? 'retried' : 'not retried'}`, async () => {
      const { policy } = fakePolicy();
      const { op, calls } = failing(error);
      if (retried) assert.equal(await policy.run(safety, op), 'ok');
      else await assert.rejects(policy.run(safety, op), (thrown: unknown) => thrown === error);
      assert.equal(calls(), retried ? 2 : 1);
    });
  }

  it('tells later attempts whether an earlier one may have applied', async () => {
    const seen: boolean[] = [];
    const { policy } = fakePolicy();
    const errors = [http(429), http(500), http(429)];
    await policy.run('idempotent', async ({ attempt, earlierMayHaveApplied }) => {
      seen.push(earlierMayHaveApplied);
      if (attempt <= errors.length) throw errors[attempt - 1];
      return 'ok';
    });
    assert.deepEqual(seen, [false, false, true, true]);
  });

  it('decide() explains a refusal', () => {
    const { policy } = fakePolicy();
    const refusal = policy.decide(http(500), 'non-idempotent', 1, 0);
    assert.equal(refusal.retry, false);
    assert.match(refusal.retry ? '' : refusal.reason, /may have taken effect/);
    const yes = policy.decide(http(503), 'non-idempotent', 1, 0);
    assert.equal(yes.retry, true);
  });

  it('a signal cuts the back-off short (rejecting with its reason, no further attempt), and an aborted one starts nothing', async () => {
    let waiting!: () => void;
    const slept = new Promise<void>((resolve) => (waiting = resolve));
    // A sleep that ends only when its signal aborts: the wait is cut short or never ends.
    const policy = new RetryPolicy({
      random: () => 0.5,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          waiting();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        }),
    });
    const controller = new AbortController();
    const { op, calls } = failing(http(429, '30'));
    const running = policy.run('idempotent', op, controller.signal);
    await slept;
    const reason = new Error('every reader closed the file');
    controller.abort(reason);
    await assert.rejects(running, (error: unknown) => error === reason);
    assert.equal(calls(), 1);
    const idle = failing();
    await assert.rejects(policy.run('idempotent', idle.op, controller.signal), (error: unknown) => error === reason);
    assert.equal(idle.calls(), 0);
  });
});
