// A real engine (spawnEngine, the protocol the app's supervisor speaks) mounting the in-process
// emulator: a revoked token is one `needs-sign-in` problem and EACCES for saves (not a storm of
// EIO), folders listed before stay listed, the save waits in the journal (visible in `engine:stats`), and a new
// `engine:set-credentials` while mounted makes the remote client use the new token and upload it;
// an outage is one `disconnected` problem while files already read stay readable, and the save
// made during it arrives when it is over; uploads report `transfer:progress`.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { spawnEngine, type EngineClient } from '../../src/fs/host/engine-client';
import type { EngineStats } from '../../src/shared/cache-usage';
import type { EngineEvent } from '../../src/shared/engine-protocol';
import { run } from '../support/mounted-workspace';

describe('a mounted engine: revoked token and outage', () => {
  let emulator: WorkspaceEmulator;
  let engine: EngineClient;
  let dir: string;
  let mountPoint: string;
  const events: EngineEvent[] = [];

  const remoteText = (name: string): string | undefined =>
    emulator.tree.contentOf(`/Users/${emulator.userName}/${name}`)?.toString();
  const problems = (kind: string): number => events.filter((e) => e.kind === 'engine:problem' && e.problem.kind === kind).length;
  const stats = async (): Promise<EngineStats> => {
    const before = events.length;
    await engine.request({ kind: 'engine:get-stats' });
    const event = events.slice(before).find((e) => e.kind === 'engine:stats');
    assert.ok(event?.kind === 'engine:stats');
    return event.stats;
  };
  const eventually = async (what: string, condition: () => boolean): Promise<void> => {
    for (let i = 0; i < 300 && !condition(); i++) await sleep(50);
    assert.ok(condition(), `not within 15 s: ${what}`);
  };
  const rejectsWith = (promise: Promise<unknown>, code: string): Promise<void> =>
    assert.rejects(promise, (error: NodeJS.ErrnoException) => error.code === code, `expected ${code}`);

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo' });
    dir = await mkdtemp(join(tmpdir(), 'wsfs-signin-'));
    mountPoint = join(dir, 'mnt');
    await mkdir(mountPoint);
    engine = await spawnEngine({ env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_STATE_HOME: join(dir, 'state') } });
    engine.onEvent((event) => events.push(event));
    await engine.request({ kind: 'engine:set-credentials', token: emulator.token });
    await engine.request(
      { kind: 'engine:mount', mountPoint, remotePath: '~', host: emulator.host, authType: 'pat', cacheEnabled: true, ttlSeconds: 1, uploadMode: 'sync', debug: false },
      60_000,
    );
  });
  after(async () => {
    await engine.request({ kind: 'engine:unmount' }, 60_000).catch(() => undefined);
    engine.kill('SIGKILL');
    await engine.exited;
    await run('fusermount', ['-uz', mountPoint]).catch(() => undefined);
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a revoked token: EACCES and one needs-sign-in problem; new credentials upload the waiting save', async () => {
    await writeFile(join(mountPoint, 'before.txt'), 'saved before');
    assert.equal(remoteText('before.txt'), 'saved before');
    const original = emulator.token;
    emulator.token = `${original}x`;
    await rejectsWith(writeFile(join(mountPoint, 'waiting.txt'), 'saved while signed out'), 'EACCES');
    await rejectsWith(writeFile(join(mountPoint, 'before.txt'), 'changed while signed out'), 'EACCES');
    assert.equal(problems('needs-sign-in'), 1, 'one problem, not one per failure');
    assert.ok(!events.some((e) => e.kind === 'engine:problem' && e.problem.kind === 'upload-failed'), 'not reported as a failed upload');
    await sleep(1_100); // the listing (TTL 1 s) is stale now: the last one serves while signed out
    assert.ok((await readdir(mountPoint)).includes('before.txt'));
    assert.equal(await readFile(join(mountPoint, 'before.txt'), 'utf8'), 'changed while signed out', 'the waiting save shows');
    const waiting = await stats();
    assert.ok(waiting.transfers.uploadsQueued + waiting.transfers.uploadsInFlight >= 1, JSON.stringify(waiting.transfers));
    assert.equal(remoteText('waiting.txt'), undefined);

    await engine.request({ kind: 'engine:set-credentials', token: emulator.token });
    await eventually('the waiting saves upload with the new token', () => remoteText('waiting.txt') === 'saved while signed out' && remoteText('before.txt') === 'changed while signed out');
    const done = await stats();
    assert.equal(done.transfers.uploadsQueued + done.transfers.uploadsInFlight, 0);
    const phases = events.flatMap((e) => (e.kind === 'transfer:progress' && e.path === '/waiting.txt' ? [e.phase] : []));
    assert.ok(phases.includes('failed') && phases.at(-1) === 'done', phases.join(','));
    assert.ok(!JSON.stringify(events).includes(emulator.token), 'no token in any event');
    assert.equal(problems('needs-sign-in'), 1);
  });

  it('an outage: one disconnected problem, read files stay readable, the save made during it arrives afterwards', async () => {
    await writeFile(join(mountPoint, 'readable.txt'), 'read me offline');
    assert.equal(await readFile(join(mountPoint, 'readable.txt'), 'utf8'), 'read me offline');
    emulator.faults.set({ rules: [{ fault: { kind: 'error', status: 503 } }] });
    try {
      await rejectsWith(writeFile(join(mountPoint, 'offline.txt'), 'written offline'), 'ETIMEDOUT');
      assert.equal(problems('disconnected'), 1);
      await sleep(1_100); // the folder's listing (TTL 1 s) is stale now; the last one must serve
      assert.equal(await readFile(join(mountPoint, 'readable.txt'), 'utf8'), 'read me offline');
      assert.equal(await readFile(join(mountPoint, 'offline.txt'), 'utf8'), 'written offline', 'the waiting save shows');
      const owed = (await stats()).transfers;
      assert.ok(owed.uploadsQueued + owed.uploadsInFlight >= 1, JSON.stringify(owed));
    } finally {
      emulator.faults.clear();
    }
    await eventually('the save made offline arrives', () => remoteText('offline.txt') === 'written offline');
    assert.equal(problems('disconnected'), 1);
  });
});
