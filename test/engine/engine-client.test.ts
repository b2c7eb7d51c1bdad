// spawnEngine(): a real forked engine over IPC — ready first, one reply per command (also for
// invalid ones), events surfaced, no token in its environment, and SIGTERM ends an idle engine.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { EngineCommandError, scrubEnvironment, spawnEngine, type EngineClient } from '../../src/fs/host/engine-client';
import type { EngineEvent } from '../../src/shared/engine-protocol';

describe('spawnEngine', () => {
  const engines: EngineClient[] = [];
  after(async () => {
    for (const engine of engines) {
      engine.kill('SIGKILL');
      await engine.exited;
    }
  });

  it('scrubs every secret DATABRICKS_* variable from the environment', () => {
    const env = scrubEnvironment({
      PATH: '/bin',
      DATABRICKS_HOST: 'https://x',
      DATABRICKS_TOKEN: 'dapi1',
      DATABRICKS_CLIENT_SECRET: 's',
      DATABRICKS_PASSWORD: 'p',
      databricks_token: 'lower',
    });
    assert.deepEqual(env, { PATH: '/bin', DATABRICKS_HOST: 'https://x' });
  });

  it('starts an engine that answers commands, and ends it with SIGTERM', async () => {
    const token = `dapi${'ab'.repeat(16)}`;
    const engine = await spawnEngine({ env: { ...process.env, DATABRICKS_TOKEN: token } });
    engines.push(engine);
    const events: EngineEvent[] = [];
    engine.onEvent((event) => events.push(event));
    const environ = await readFile(`/proc/${engine.pid}/environ`, 'utf8');
    assert.ok(!environ.includes(token), 'the token is not in the engine environment');

    await engine.request({ kind: 'engine:set-credentials', token });
    await engine.request({ kind: 'engine:get-stats' });
    assert.ok(events.some((e) => e.kind === 'engine:stats'));
    await assert.rejects(engine.request({ kind: 'cache:clear' }), (error: EngineCommandError) => error.code === 'not-mounted');
    await assert.rejects(engine.request({ kind: 'engine:unmount' }), (error: EngineCommandError) => error.code === 'not-mounted');
    assert.ok(!JSON.stringify(events).includes(token));

    engine.kill('SIGTERM');
    assert.deepEqual(await engine.exited, { code: 0, signal: null });
    await assert.rejects(engine.request({ kind: 'engine:get-stats' }), (error: EngineCommandError) => error.code === 'engine-exited');
  });
});
