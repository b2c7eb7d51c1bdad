// A save the workspace refuses for good (here: permission denied on every upload endpoint), through
// a real mount, in both upload modes: the bytes are never lost. The file keeps showing the new
// version on the mount, an `upload-failed` problem names the file, the fix and the staging file
// that holds the bytes; the bytes survive an unmount and show again at the next mount; once the
// workspace accepts, the unmount uploads them and the journal empties. Checked by sha256. Also: an
// fsync on a descriptor opened after a background close waits for that upload.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import type { FaultRule } from '../../src/emulator/fault-injector';
import { remoteSha, restartableMount, type RestartableMount } from '../support/restartable-mount';

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const REFUSE_UPLOADS: FaultRule[] = [
  { endpoint: 'POST /api/2.0/workspace-files/*', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED' } },
  { endpoint: 'POST /api/2.0/workspace/import', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED' } },
];

/** Polls `condition` every 50 ms for at most 15 s. */
async function eventually(what: string, mount: RestartableMount, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await sleep(50);
  }
  assert.fail(`not within 15 s: ${what}\n${mount.log()}`);
}

/** The `upload-failed` lines the CLI printed for `name` (one per refused save). */
function refusals(mount: RestartableMount, name: string): string[] {
  return mount.log().split('\n').filter((line) => line.startsWith('wsfs: ') && line.includes(`${name} could not be saved to the workspace`));
}

/** Journal records left in the engine's state folders. */
async function journalRecords(stateHome: string): Promise<string[]> {
  const root = join(stateHome, 'wsfs');
  const found: string[] = [];
  for (const id of await readdir(root).catch(() => [])) {
    for (const name of await readdir(join(root, id, 'journal')).catch(() => [])) if (name.endsWith('.json')) found.push(name);
  }
  return found;
}

describe('refused uploads never lose the bytes; waiting for background uploads (real mount)', () => {
  const mounts: RestartableMount[] = [];
  after(async () => {
    for (const mount of mounts) await mount.stop();
  });

  for (const mode of ['sync', 'background'] as const) {
    it(`${mode} uploads: kept, visible, named in the problem, across an unmount, uploaded once accepted`, async () => {
      const mount = await restartableMount();
      mounts.push(mount);
      const args = mode === 'background' ? ['--background-uploads'] : [];
      await mount.start(args);
      await mkdir(mount.local('refused'));
      await writeFile(mount.local('refused/kept.txt'), 'before\n');
      await eventually('the first version is saved', mount, () => remoteSha(mount, 'refused/kept.txt') === sha(Buffer.from('before\n')));

      mount.emulator.faults.set({ rules: REFUSE_UPLOADS });
      const edited = randomBytes(64 * 1024);
      const created = randomBytes(48 * 1024);
      for (const [name, data] of [['kept.txt', edited], ['new.bin', created]] as const) {
        const save = writeFile(mount.local(`refused/${name}`), data);
        if (mode === 'sync') await assert.rejects(save, (error: NodeJS.ErrnoException) => error.code === 'EACCES', `${name}: the close reports the refusal`);
        else await save;
      }
      await eventually('both refusals are reported', mount, () => refusals(mount, 'kept.txt').length > 0 && refusals(mount, 'new.bin').length > 0);
      const problem = refusals(mount, 'new.bin')[0]!;
      assert.match(problem, /EACCES/, problem);
      assert.match(problem, /fix: Ask for write permission/, problem);
      const staged = /its bytes are in (\S+) until a save succeeds/.exec(problem)?.[1];
      assert.ok(staged !== undefined, `the problem names where the bytes are: ${problem}`);
      assert.equal(sha(await readFile(staged)), sha(created), 'the named file holds the bytes');

      // Refused: the workspace keeps its version; the mount shows the new one.
      assert.equal(remoteSha(mount, 'refused/kept.txt'), sha(Buffer.from('before\n')));
      assert.equal(remoteSha(mount, 'refused/new.bin'), undefined);
      assert.equal(sha(await readFile(mount.local('refused/kept.txt'))), sha(edited));
      assert.equal(sha(await readFile(mount.local('refused/new.bin'))), sha(created));
      // A rename tries the upload first, so it fails the same way and moves nothing.
      await assert.rejects(rename(mount.local('refused/new.bin'), mount.local('refused/moved.bin')), (error: NodeJS.ErrnoException) => error.code === 'EACCES');
      assert.equal(sha(await readFile(mount.local('refused/new.bin'))), sha(created));

      // An unmount that still cannot upload keeps them; the next mount shows them again.
      await mount.unmount();
      assert.match(mount.log(), /stay in the write journal on this computer/);
      assert.equal(sha(await readFile(staged)), sha(created), 'the bytes outlive the engine');
      assert.equal((await journalRecords(mount.stateHome)).length, 2, 'both saves are journaled');
      await mount.start(args);
      assert.equal(sha(await readFile(mount.local('refused/kept.txt'))), sha(edited));
      assert.equal(sha(await readFile(mount.local('refused/new.bin'))), sha(created));
      assert.deepEqual((await readdir(mount.local('refused'))).sort(), ['kept.txt', 'new.bin']);

      // Accepted again: the unmount uploads both, and nothing is left owed.
      mount.emulator.faults.clear();
      await mount.unmount();
      assert.equal(remoteSha(mount, 'refused/kept.txt'), sha(edited));
      assert.equal(remoteSha(mount, 'refused/new.bin'), sha(created));
      assert.deepEqual(await journalRecords(mount.stateHome), []);
    });
  }

  it('background uploads: fsync on a descriptor opened after the close waits for that upload (docs/cache.md "Waiting for uploads")', async () => {
    const mount = await restartableMount();
    mounts.push(mount);
    await mount.start(['--background-uploads']);
    await mkdir(mount.local('wait'));
    mount.emulator.faults.set({ bandwidthMbps: 16 });
    const data = randomBytes(2 * 1024 * 1024);
    await writeFile(mount.local('wait/big.bin'), data);
    assert.notEqual(remoteSha(mount, 'wait/big.bin'), sha(data), 'close returned before the upload (1 s at this bandwidth)');
    const handle = await open(mount.local('wait/big.bin'), 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    assert.equal(remoteSha(mount, 'wait/big.bin'), sha(data), 'fsync returned after the upload');
    mount.emulator.faults.clear();
  });
});
