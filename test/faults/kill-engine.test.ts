// kill -9 of the engine in the middle of writes and uploads, through a real mount, then a restart
// on the same mount point (issue 4, "Stress and fault suites"): the dead mount is cleared by the
// next start, every file a program wrote and closed arrives intact in the workspace (checked by
// sha256, in the emulator and through the mount), and bytes of files still open at the kill are
// reported, not uploaded. Both upload modes; the uploads are slowed down so that some are queued
// or in flight at the kill.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { remoteSha, restartableMount, type RestartableMount } from '../support/restartable-mount';

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Runs `jobs` with at most `width` at a time; resolves with each job's settled result. */
async function pool<T>(jobs: Array<() => Promise<T>>, width: number): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const index = next++;
        results[index] = await jobs[index]!().then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
      }
    }),
  );
  return results;
}

/** Polls until every closed file is in the workspace with its bytes (at most `ms`). */
async function waitForArrival(mount: RestartableMount, closed: Map<string, string>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let missing: string[] = [];
  while (Date.now() < deadline) {
    missing = [...closed].filter(([name, digest]) => remoteSha(mount, name) !== digest).map(([name]) => name);
    if (missing.length === 0) return;
    await sleep(100);
  }
  assert.fail(`not in the workspace after ${ms} ms: ${missing.join(', ')}\n${mount.log()}`);
}

async function expectDeadMount(mount: RestartableMount): Promise<void> {
  await assert.rejects(stat(mount.mountPoint), (error: NodeJS.ErrnoException) => error.code === 'ENOTCONN', 'the killed engine left a dead mount');
}

describe('kill -9 of the engine during writes and uploads', () => {
  const mounts: RestartableMount[] = [];
  after(async () => {
    for (const mount of mounts) await mount.stop();
  });

  it('background uploads: closed files queued or in flight at the kill all arrive after the restart; open files are reported', async () => {
    const mount = await restartableMount({
      emulator: { faults: { rules: [{ endpoint: 'POST /api/2.0/workspace-files/import-file/{path}', fault: { kind: 'latency', ms: 150 } }] } },
    });
    mounts.push(mount);
    await mount.start(['--background-uploads']);
    await mkdir(mount.local('crash'));
    const closed = new Map<string, string>();
    const results = await pool(
      Array.from({ length: 24 }, (_, i) => async () => {
        const data = randomBytes(1024 + ((i * 7919) % (200 * 1024)));
        await writeFile(mount.local(`crash/f${i}.bin`), data);
        closed.set(`crash/f${i}.bin`, sha(data));
      }),
      6,
    );
    assert.ok(results.every((r) => r.status === 'fulfilled'), 'background closes return at once');
    // Two programs still hold files open, with bytes written, when the engine dies.
    const held = await Promise.all(
      ['crash/open-a.txt', 'crash/open-b.txt'].map(async (name) => {
        const handle = await open(mount.local(name), 'w');
        await handle.write(Buffer.from(`unsaved bytes of ${name}`));
        return handle;
      }),
    );
    const uploaded = [...closed.keys()].filter((name) => remoteSha(mount, name) !== undefined).length;
    assert.ok(uploaded < closed.size, `some uploads are still owed at the kill (${uploaded} of ${closed.size} done)`);
    await mount.killEngine();
    await Promise.all(held.map((handle) => handle.close().catch(() => undefined)));
    await expectDeadMount(mount);

    await mount.start(['--background-uploads']);
    await waitForArrival(mount, closed, 60_000);
    for (const [name, digest] of closed) assert.equal(sha(await readFile(mount.local(name))), digest, `${name} through the mount`);
    const names = await readdir(mount.local('crash'));
    for (const name of closed.keys()) assert.ok(names.includes(name.slice('crash/'.length)), `${name} is listed`);
    assert.match(mount.log(), /open-a\.txt was open for writing when wsfs stopped/);
    assert.match(mount.log(), /open-b\.txt was open for writing when wsfs stopped/);
    assert.equal(remoteSha(mount, 'crash/open-a.txt'), undefined, 'bytes of a file never closed are not uploaded');
  });

  it('synchronous uploads: every close that returned is in the workspace; the engine starts again on the dead mount', async () => {
    const mount = await restartableMount({
      emulator: { faults: { rules: [{ endpoint: 'POST /api/2.0/workspace-files/import-file/{path}', fault: { kind: 'latency', ms: 100 } }] } },
    });
    mounts.push(mount);
    await mount.start();
    await mkdir(mount.local('sync'));
    const closed = new Map<string, string>();
    let stop = false;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 200 && !stop; i++) {
        const name = `sync/w${w}-${i}.txt`;
        const data = randomBytes(512 + ((w * 131 + i * 977) % 65536));
        try {
          await writeFile(mount.local(name), data);
        } catch {
          return; // the engine died under this write or close
        }
        closed.set(name, sha(data));
      }
    });
    const deadline = Date.now() + 20_000;
    while (closed.size < 12 && Date.now() < deadline) await sleep(20);
    assert.ok(closed.size >= 12, `writers made progress: ${closed.size}`);
    for (const name of closed.keys()) assert.equal(remoteSha(mount, name), closed.get(name), `sync mode: ${name} was in the workspace when close returned`);
    await mount.killEngine();
    stop = true;
    await Promise.all(writers);
    await expectDeadMount(mount);

    await mount.start();
    await waitForArrival(mount, closed, 30_000);
    for (const [name, digest] of closed) assert.equal(sha(await readFile(mount.local(name))), digest);
    await writeFile(mount.local('sync/after-restart.txt'), 'the mount works again');
    assert.equal(await readFile(mount.local('sync/after-restart.txt'), 'utf8'), 'the mount works again');
  });
});
