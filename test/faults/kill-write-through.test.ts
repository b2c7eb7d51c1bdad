// kill -9 of the engine while the FUSE binding writes a file straight into its staging file
// (write-through, docs/fuse-binding.md row 10), through a real mount: the journal's guarantees
// hold as for writes through the engine (docs/cache.md). A file closed before the kill is in
// the workspace intact; the bytes of a file still open at the kill are not uploaded but kept in
// `unsaved/`, all of them (the `open` record was written before the first byte reached the disk).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { restartableMount, type RestartableMount } from '../support/restartable-mount';

const MiB = 1024 * 1024;
const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Every file under `dir` (bounded depth), as absolute paths. */
async function filesUnder(dir: string, depth = 4): Promise<string[]> {
  if (depth === 0) return [];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full, depth - 1)));
    else out.push(full);
  }
  return out;
}

describe('kill -9 of the engine during write-through', () => {
  let mount: RestartableMount | undefined;
  after(async () => {
    await mount?.stop();
  });

  it('closed files arrive intact; an open file written through the binding is kept whole in unsaved/, not uploaded', async () => {
    mount = await restartableMount();
    await mount.start(['--debug']);
    const closedData = randomBytes(8 * MiB + 4321);
    const closed = await open(mount.local('wt-closed.bin'), 'w');
    for (let at = 0; at < closedData.length; at += MiB) await closed.write(closedData, at, Math.min(MiB, closedData.length - at), at);
    await closed.close();

    const heldData = randomBytes(8 * MiB + 99);
    const held = await open(mount.local('wt-held.bin'), 'w');
    for (let at = 0; at < heldData.length; at += MiB) await held.write(heldData, at, Math.min(MiB, heldData.length - at), at);
    assert.match(mount.log(), /write \/wt-held\.bin fh=\d+: writes done by the binding/, 'the open file was written through the binding');
    assert.equal((await stat(mount.local('wt-held.bin'))).size, heldData.length);

    await mount.killEngine();
    await held.close().catch(() => undefined);
    await mount.start();

    const remote = (name: string): Buffer | undefined => mount!.emulator.tree.contentOf(`/Users/${mount!.emulator.userName}/${name}`);
    assert.equal(sha(remote('wt-closed.bin') ?? Buffer.alloc(0)), sha(closedData), 'the closed file is in the workspace');
    assert.equal(sha(await readFile(mount.local('wt-closed.bin'))), sha(closedData), 'and reads back through the mount');
    assert.equal(remote('wt-held.bin'), undefined, 'bytes of a file never closed are not uploaded');
    assert.match(mount.log(), /wt-held\.bin was open for writing when wsfs stopped/);
    const kept = (await filesUnder(mount.stateHome)).filter((file) => file.includes(`${path.sep}unsaved${path.sep}`) && file.includes('wt-held'));
    assert.equal(kept.length, 1, `one unsaved copy: ${kept.join(', ')}`);
    assert.equal(sha(await readFile(kept[0]!)), sha(heldData), 'every byte written through the binding is kept');
  });
});
