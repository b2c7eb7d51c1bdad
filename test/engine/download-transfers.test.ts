// Which downloads WorkspaceFs shows as transfers (`onTransfer`), driven directly over DatabricksRemote
// and the in-process emulator (real HTTP): a program's cold read shows one, from `running` to
// `done`; prefetched files show none; a download cancelled because every reader closed the file
// (--no-cache, `head`) ends without a `failed`; and a prefetch job whose file was opened here or
// removed after the batch was planned fetches nothing.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { ContentCache } from '../../src/fs/cache/content-cache';
import type { TransferUpdate } from '../../src/fs/download-progress';
import { Logger, type LogRecord } from '../../src/fs/logger';
import { MetadataCache } from '../../src/fs/meta/metadata-cache';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { WorkspaceFs } from '../../src/fs/workspace-fs';
import { home, startEmulator } from '../support/emulator-fixture';
import { MiB, removeFolder, tempFolder, testRemote } from '../support/remote-fixture';

const EXPORT = 'GET /api/2.0/workspace/export';

describe('WorkspaceFs: downloads shown as transfers', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let counter = 0;
  /** Paths the emulator exported, in order. */
  const exported: string[] = [];
  const made: Array<{ fs: WorkspaceFs; cache: ContentCache }> = [];

  /** A filesystem over its own folders, telling its transfers and debug log lines. */
  const fresh = (cacheEnabled: boolean): { fs: WorkspaceFs; transfers: TransferUpdate[]; log: LogRecord[] } => {
    const base = join(dir, `fs-${counter++}`);
    const log: LogRecord[] = [];
    const logger = new Logger({ level: 'debug', sink: (record) => log.push(record) });
    const cache = new ContentCache({ dir: join(base, 'cache'), transientDir: join(base, 'transient'), workspace: emulator.host, enabled: cacheEnabled, minFreeBytes: 0, now: Date.now, logger });
    const metadata = new MetadataCache({ remote, root: home(emulator), now: Date.now, prefetchConcurrency: 0 });
    const transfers: TransferUpdate[] = [];
    const fs = new WorkspaceFs({
      remote,
      metadata,
      stateDir: join(base, 'state'),
      cache,
      logger,
      now: Date.now,
      uid: process.getuid?.() ?? 1000,
      gid: process.getgid?.() ?? 1000,
      onTransfer: (update) => transfers.push(update),
      prefetch: { concurrency: 1 },
    });
    made.push({ fs, cache });
    return { fs, transfers, log };
  };

  /** Opens `path` read-only, reads `length` bytes at 0, and closes it. */
  const readHead = async (fs: WorkspaceFs, path: string, length: number): Promise<Buffer> => {
    const handle = await fs.open(path, constants.O_RDONLY);
    try {
      const buffer = Buffer.alloc(length);
      return buffer.subarray(0, await fs.read(path, handle, buffer, length, 0));
    } finally {
      await fs.release(path, handle);
    }
  };

  const seed = (folder: string, names: string[]): void => {
    emulator.tree.createFolder(`${home(emulator)}/${folder}`);
    for (const name of names) emulator.tree.write(`${home(emulator)}/${folder}/${name}`, { kind: 'FILE', content: Buffer.from(`${folder}/${name}\n`) });
  };

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('transfers');
    remote = testRemote(emulator, join(dir, 'tmp'));
    emulator.onRequest = (method, url) => {
      if (method === 'GET' && url.pathname === '/api/2.0/workspace/export') exported.push(url.searchParams.get('path') ?? '?');
    };
    seed('walk', ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt']);
    seed('skip', ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt']);
    emulator.tree.write(`${home(emulator)}/big.bin`, { kind: 'FILE', content: Buffer.alloc(4 * MiB, 7) });
  });
  after(async () => {
    emulator.faults.releaseHeld('reset');
    for (const { fs } of made) fs.stopBackground();
    await Promise.all(made.map(({ fs }) => fs.prefetchIdle()));
    await Promise.all(made.map(({ cache }) => cache.close()));
    await emulator.stop();
    await removeFolder(dir);
  });

  it("a program's cold reads show one transfer each, running then done; the files prefetched beside them show none", async () => {
    const { fs, transfers } = fresh(true);
    assert.equal((await readHead(fs, '/walk/a.txt', 100)).toString(), 'walk/a.txt\n');
    assert.equal((await readHead(fs, '/walk/b.txt', 100)).toString(), 'walk/b.txt\n');
    await fs.prefetchIdle();
    const walked = exported.filter((path) => path.includes('/walk/'));
    assert.equal(new Set(walked).size, 6, `the other four were prefetched: ${walked.join(', ')}`);
    assert.deepEqual([...new Set(transfers.map((t) => t.path))].sort(), ['/walk/a.txt', '/walk/b.txt']);
    for (const path of ['/walk/a.txt', '/walk/b.txt']) {
      const phases = transfers.filter((t) => t.path === path).map((t) => t.phase);
      assert.equal(phases[0], 'running');
      assert.equal(phases.at(-1), 'done');
      assert.equal(transfers.find((t) => t.path === path && t.phase === 'done')?.bytesDone, 11);
    }
  });

  it('a download cancelled because every reader closed the file (--no-cache, head) ends without a failed transfer', async () => {
    const { fs, transfers } = fresh(false);
    emulator.faults.set({ rules: [{ endpoint: EXPORT, count: 1, fault: { kind: 'hold', afterBytes: 256 * 1024 } }] });
    try {
      assert.deepEqual(await readHead(fs, '/big.bin', 4096), Buffer.alloc(4096, 7));
      for (let i = 0; i < 500 && !transfers.some((t) => t.path === '/big.bin' && t.phase !== 'running'); i++) await sleep(10);
    } finally {
      emulator.faults.clear();
      emulator.faults.releaseHeld('reset');
    }
    const mine = transfers.filter((t) => t.path === '/big.bin');
    assert.equal(mine[0]?.phase, 'running');
    assert.deepEqual(
      mine.filter((t) => t.phase !== 'running').map((t) => t.phase),
      ['done'],
      'the transfer ended once, not as failed',
    );
  });

  it('a prefetch job whose file was opened here or removed after the batch was planned fetches nothing', async () => {
    const { fs, log } = fresh(true);
    await readHead(fs, '/skip/a.txt', 100);
    // The first prefetch job (c.txt, right after the opened b.txt) waits at the start of its body.
    emulator.faults.set({ rules: [{ endpoint: EXPORT, count: 1, fault: { kind: 'hold', afterBytes: 0 } }] });
    try {
      await readHead(fs, '/skip/b.txt', 100);
      for (let i = 0; i < 500 && emulator.faults.heldCount() === 0; i++) await sleep(10);
      assert.equal(emulator.faults.heldCount(), 1, 'the first prefetch job did not start');
      assert.ok(log.some((record) => /prefetch \/skip: [45] of \d+ files/.test(record.message)), `c, d, e and f were planned: ${log.filter((r) => r.message.includes('prefetch')).map((r) => r.message).join(' | ')}`);
      const open = await fs.open('/skip/e.txt', constants.O_WRONLY);
      try {
        await fs.unlink('/skip/f.txt');
        emulator.faults.releaseHeld();
        await fs.prefetchIdle();
      } finally {
        await fs.release('/skip/e.txt', open);
      }
    } finally {
      emulator.faults.clear();
      emulator.faults.releaseHeld('reset');
    }
    const skipped = exported.filter((path) => path.includes('/skip/')).map((path) => path.slice(path.lastIndexOf('/') + 1));
    assert.ok(skipped.includes('c.txt') && skipped.includes('d.txt'), `c and d were prefetched: ${skipped.join(', ')}`);
    assert.ok(!skipped.includes('f.txt'), 'the removed file was fetched');
    // The open itself downloads e.txt for its working copy; the prefetch must not fetch it again.
    assert.ok(skipped.filter((name) => name === 'e.txt').length <= 1, `the file open here was prefetched: ${skipped.join(', ')}`);
  });
});
