// Memory of a long run through a real mount (issue 4, "Stress and fault suites"): a thousand
// files written, read back and renamed, and two 24 MiB files through the large-file paths, while
// the engine's resident memory (VmRSS of the engine process) is sampled. It must stay bounded:
// large files go through disk, and nothing per file grows without limit. The figures are printed
// (docs/benchmarks.md quotes them).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { after, describe, it } from 'node:test';
import { sha256File, writeRandomFile } from '../support/remote-fixture';
import { restartableMount, type RestartableMount } from '../support/restartable-mount';

const MiB = 1024 * 1024;
/** Ceiling of the engine's resident memory at any sample. */
const RSS_LIMIT = 300 * MiB;
/** Batches of 48 small files; the heap settles after about 15 of them. */
const BATCHES = 24;
/** The last samples of the small-file phase that must lie within PLATEAU_SPAN of each other. */
const PLATEAU_SAMPLES = 6;
/** How far apart the plateau's samples may be: RSS has stopped growing with the file count. */
const PLATEAU_SPAN = 16 * MiB;
/** Allowed growth from the plateau through the two large files (they go through disk, not RAM). */
const LARGE_FILE_GROWTH_LIMIT = 64 * MiB;

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('engine memory over a long run', () => {
  let mount: RestartableMount;
  after(() => mount.stop());

  it('stays bounded while files are written, read, renamed, and large files pass through', async () => {
    mount = await restartableMount();
    await mount.start();
    await mkdir(mount.local('mem'));
    const samples: number[] = [];
    const digests = new Map<string, string>();
    const round = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, to - i) }, async (_, k) => {
            const data = randomBytes(128 * 1024);
            const name = `mem/f${i + k}`;
            await writeFile(mount.local(name), data);
            digests.set(name, sha(data));
          }),
        );
      }
    };
    await round(0, 48);
    samples.push(await mount.engineRss()); // after the warm-up
    for (let batch = 1; batch < BATCHES; batch++) {
      await round(batch * 48, (batch + 1) * 48);
      for (const [name, digest] of [...digests].slice(-48)) assert.equal(sha(await readFile(mount.local(name))), digest);
      for (const name of [...digests.keys()].slice(-8)) {
        await rename(mount.local(name), mount.local(`${name}-moved`));
        digests.set(`${name}-moved`, digests.get(name)!);
        digests.delete(name);
      }
      samples.push(await mount.engineRss());
    }
    for (const name of ['mem/large-1.bin', 'mem/large-2.bin']) {
      const digest = await writeRandomFile(mount.local(name), 24 * MiB);
      samples.push(await mount.engineRss());
      assert.equal(await sha256File(mount.local(name)), digest, `${name} read back`);
      samples.push(await mount.engineRss());
    }
    const peak = Math.max(...samples);
    const plateau = samples.slice(BATCHES - PLATEAU_SAMPLES, BATCHES);
    const span = Math.max(...plateau) - Math.min(...plateau);
    const largeGrowth = Math.max(...samples.slice(BATCHES)) - Math.max(...plateau);
    const mb = (n: number): string => (n / MiB).toFixed(1);
    process.stdout.write(`# engine RSS after warm-up ${mb(samples[0]!)} MiB, peak ${mb(peak)} MiB, last ${mb(samples.at(-1)!)} MiB (${digests.size} files of 128 KiB + 2 x 24 MiB); samples ${samples.map(mb).join(" ")}\n`);
    assert.ok(peak < RSS_LIMIT, `peak RSS ${mb(peak)} MiB is under ${mb(RSS_LIMIT)} MiB: ${samples.map(mb).join(', ')}`);
    assert.ok(span < PLATEAU_SPAN, `RSS levels off: the last ${PLATEAU_SAMPLES} small-file samples span ${mb(span)} MiB (limit ${mb(PLATEAU_SPAN)}): ${samples.map(mb).join(', ')}`);
    assert.ok(largeGrowth < LARGE_FILE_GROWTH_LIMIT, `two 24 MiB files grew RSS by ${mb(largeGrowth)} MiB (limit ${mb(LARGE_FILE_GROWTH_LIMIT)}): ${samples.map(mb).join(', ')}`);
    const content = mount.emulator.tree.contentOf(`/Users/${mount.emulator.userName}/mem/f0`);
    assert.ok(content !== undefined, 'the first file is in the workspace');
    assert.equal(sha(content), digests.get('mem/f0'), 'the first file is intact in the workspace');
  });
});
