// Memory stays bounded for large transfers: a 100 MiB file goes up and comes back down through
// DatabricksRemote, compared by sha256, while this process's RSS (sampled throughout) grows far
// less than the file. The emulator runs in a child process so that only the engine side counts;
// this file runs alone in its process (node --test isolates files), so other tests do not blur it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DownloadFormat } from '../../src/fs/remote/remote-workspace';
import { MiB, removeFolder, sha256File, startEmulatorProcess, tempFolder, testRemote, writeRandomFile, type EmulatorProcess } from '../support/remote-fixture';

const SIZE = 100 * MiB;
const GROWTH_LIMIT = 60 * MiB;
const USER_HOME = '/Users/demo.user@example.com';

/** Runs `fn` while sampling RSS every 10 ms; resolves with the largest growth over the start. */
async function peakRssGrowth(fn: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peak, process.memoryUsage().rss) - start;
}

describe('DatabricksRemote: 100 MiB round trips with bounded memory', () => {
  let dir: string;
  let local: string;
  let sum: string;
  const emulators: EmulatorProcess[] = [];

  before(async () => {
    dir = await tempFolder('memory');
    local = join(dir, 'hundred.bin');
    sum = await writeRandomFile(local, SIZE);
  });
  after(async () => {
    await Promise.all(emulators.map((emulator) => emulator.stop()));
    await removeFolder(dir);
  });

  const cases: Array<{ name: string; args: string[]; up: string[]; down: string[] }> = [
    {
      name: 'new-files + signed PUT, then the signed URL of the listing',
      args: [],
      up: ['POST /api/2.0/workspace-files/new-files', 'PUT /__emulator/signed/{token}'],
      down: ['GET /__emulator/signed/{token}'],
    },
    {
      name: 'without workspace-files: multipart import, then export direct_download',
      args: ['--disable', 'workspace-files'],
      up: ['POST /api/2.0/workspace/import'],
      down: ['GET /api/2.0/workspace/export'],
    },
  ];

  for (const { name, args, up, down } of cases) {
    it(name, async (t) => {
      const emulator = await startEmulatorProcess(args);
      emulators.push(emulator);
      const remote = testRemote(emulator, join(dir, 'tmp'));
      const path = `${USER_HOME}/hundred.bin`;
      const target = join(dir, `out-${emulators.length}`);
      const format: DownloadFormat = 'RAW';
      await remote.list(USER_HOME); // learn the capabilities before measuring

      const uploadGrowth = await peakRssGrowth(() => remote.upload(path, { type: 'FILE' }, { file: local, size: SIZE }, { overwrite: false }));
      const afterUpload = (await emulator.stats()).requests;
      for (const key of up) assert.equal(afterUpload[key], 1, `${key} in ${JSON.stringify(afterUpload)}`);

      const [entry] = await remote.list(USER_HOME);
      assert.equal(entry?.path, path);
      let bytes = 0;
      const downloadGrowth = await peakRssGrowth(async () => {
        bytes = await remote.downloadTo(path, format, target);
      });
      const afterDownload = (await emulator.stats()).requests;
      for (const key of down) assert.equal(afterDownload[key], 1, `${key} in ${JSON.stringify(afterDownload)}`);

      t.diagnostic(`RSS growth: upload ${Math.round(uploadGrowth / MiB)} MiB, download ${Math.round(downloadGrowth / MiB)} MiB`);
      assert.equal(bytes, SIZE);
      assert.equal(await sha256File(target), sum);
      assert.ok(uploadGrowth < GROWTH_LIMIT, `upload grew RSS by ${Math.round(uploadGrowth / MiB)} MiB`);
      assert.ok(downloadGrowth < GROWTH_LIMIT, `download grew RSS by ${Math.round(downloadGrowth / MiB)} MiB`);
    });
  }
});
