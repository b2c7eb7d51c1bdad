// Quitting never leaves a dead mount, even when an engine does not answer: a real engine mounts
// the demo workspace, is frozen with SIGSTOP (it cannot flush, reply or exit), and the controller
// quits with short deadlines — the unmount request times out, SIGTERM goes unheard, SIGKILL ends
// it, and the supervisor lazily unmounts what it left. The test never touches the frozen mount.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceState } from '../../src/shared/ipc-contract';
import { mountedPoints, startAppController, type AppFixture } from '../support/app-controller-fixture';

describe('quit with a hung engine', () => {
  let app: AppFixture;
  before(async () => {
    app = await startAppController({ timeouts: { unmount: 1_000, exit: 500 } });
  });
  after(async () => {
    for (const engine of app.engines) if (engine.connection.exitStatus === undefined) process.kill(engine.pid, 'SIGCONT');
    await app.stop();
  });

  it('kills the engine after the deadlines and leaves no mount behind', async () => {
    const demo = (await app.invoke('demo:add')).settings;
    assert.equal((await app.invoke('mount:start', { workspaceId: demo.id })).state.kind, 'mounted');
    assert.ok((await mountedPoints()).includes(demo.mountPoint));
    const engine = app.engines.at(-1)!;
    process.kill(engine.pid, 'SIGSTOP');

    const states: string[] = [];
    app.controller.onEvent((event, payload) => {
      if (event === 'mount:state') states.push((payload as { state: WorkspaceState }).state.kind);
    });
    await app.controller.quit();
    assert.deepEqual(states, ['stopping', 'stopped']);
    assert.equal(engine.connection.exitStatus?.signal, 'SIGKILL', JSON.stringify(engine.connection.exitStatus));
    assert.equal((await mountedPoints()).includes(demo.mountPoint), false, 'a dead mount was left behind');
    const log = await readFile(`${app.dir}/logs/${demo.id}.log`, 'utf8');
    assert.match(log, /unmount: the engine did not answer engine:unmount within 1000 ms/);
    assert.match(log, /lazily unmounting/);
  });
});
