// The transport-independent engine conversation: replies matched by id, deadlines from injected
// timers (no sleeping), malformed and unknown events dropped, a protocol mismatch refused, pending
// commands failed when the process ends. The real-process paths are in engine-client and
// engine-supervisor tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineCommandError, EngineConnection, scrubEnvironment } from '../../src/shared/engine-connection';
import { ENGINE_PROTOCOL_VERSION, type EngineCommand } from '../../src/shared/engine-protocol';

function setup(connected = true) {
  const sent: EngineCommand[] = [];
  const timers = new Map<number, () => void>();
  let next = 0;
  const connection = new EngineConnection(
    { send: (message) => void sent.push(message), connected: () => connected },
    { set: (callback) => (timers.set(++next, callback), next), clear: (handle) => void timers.delete(handle as number) },
  );
  const fire = (): void => {
    for (const [id, callback] of [...timers]) {
      timers.delete(id);
      callback();
    }
  };
  return { connection, sent, timers, fire };
}

const code = (expected: string) => (error: unknown) => error instanceof EngineCommandError && error.code === expected;

describe('EngineConnection', () => {
  it('matches replies to commands by id and drops what it cannot parse', async () => {
    const { connection, sent, timers } = setup();
    const events: string[] = [];
    connection.onEvent((event) => events.push(event.kind));
    const first = connection.request({ kind: 'engine:get-stats' });
    const second = connection.request({ kind: 'cache:clear' });
    assert.deepEqual(sent.map((c) => [c.kind, c.id]), [['engine:get-stats', 1], ['cache:clear', 2]]);
    connection.receive({ kind: 'engine:reply', id: 2, ok: false, error: { code: 'not-supported', message: 'no cache' } });
    connection.receive({ kind: 'engine:reply', id: 1, ok: true });
    connection.receive({ kind: 'engine:reply', id: 99, ok: true });
    connection.receive({ kind: 'engine:nonsense' });
    connection.receive('not an object');
    connection.receive({ kind: 'engine:log', level: 'warn', scope: 'remote', message: 'slow' });
    await first;
    await assert.rejects(second, code('not-supported'));
    assert.deepEqual(events, ['engine:log']);
    assert.equal(timers.size, 0, 'deadlines are cleared once answered');
  });

  it('times out by the injected timers, and refuses a mismatched protocol', async () => {
    const { connection, fire } = setup();
    const answer = connection.request({ kind: 'engine:unmount' }, 5);
    const ready = connection.waitReady(5);
    fire();
    await assert.rejects(answer, code('engine-timeout'));
    await assert.rejects(ready, code('engine-timeout'));
    const again = connection.waitReady(5);
    connection.receive({ kind: 'engine:ready', protocolVersion: ENGINE_PROTOCOL_VERSION + 1, pid: 1 });
    await assert.rejects(again, code('protocol-mismatch'));
    await assert.rejects(connection.waitReady(5), code('protocol-mismatch'), 'a later wait refuses the mismatched engine too');
  });

  it('fails pending commands when the process ends, and refuses new ones', async () => {
    const { connection } = setup();
    const pending = connection.request({ kind: 'engine:get-stats' });
    const ready = connection.waitReady(1_000);
    connection.close({ code: null, signal: 'SIGKILL' });
    connection.close({ code: 0, signal: null });
    await assert.rejects(pending, (error: Error) => code('engine-exited')(error) && /signal SIGKILL/.test(error.message));
    await assert.rejects(ready, code('engine-exited'));
    assert.deepEqual(await connection.exited, { code: null, signal: 'SIGKILL' });
    await assert.rejects(connection.request({ kind: 'engine:get-stats' }), code('engine-exited'));
    await assert.rejects(setup(false).connection.request({ kind: 'engine:get-stats' }), code('engine-exited'));
  });

  it('scrubs secret DATABRICKS_* variables from an environment', () => {
    assert.deepEqual(scrubEnvironment({ DATABRICKS_TOKEN: 't', DATABRICKS_CLIENT_SECRET: 's', databricks_password: 'p', DATABRICKS_HOST: 'h', PATH: '/bin' }), { DATABRICKS_HOST: 'h', PATH: '/bin' });
  });
});
