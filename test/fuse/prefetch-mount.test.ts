// Small-file prefetch through a real mount (`wsfs mount` engine, the emulator logging each download
// with its path; every download is slowed to 40 ms so a prefetch would show while the program's
// own one is still running): two cold reads in a folder of 30 bring the others into the cache and
// reading them then costs nothing; one cold read alone fetches only itself; a folder larger than
// the bound gets at most the bound; with --no-cache nothing is prefetched.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { DEFAULT_PREFETCH_LIMITS } from '../../src/fs/cache/prefetcher';
import { mountWorkspace, type MountedWorkspace } from '../support/mounted-workspace';

const EXPORT = 'GET /api/2.0/workspace/export';

/** Seeds `count` small files in `folder` (relative to the user's home). */
function seedFolder(emulator: WorkspaceEmulator, folder: string, count: number): string[] {
  const names: string[] = [];
  emulator.tree.createFolder(`/Users/${emulator.userName}/${folder}`);
  for (let i = 0; i < count; i++) {
    const name = `m${String(i).padStart(3, '0')}.py`;
    emulator.tree.write(`/Users/${emulator.userName}/${folder}/${name}`, { kind: 'FILE', content: Buffer.from(`def f${i}():\n    return ${i}\n`) });
    names.push(name);
  }
  return names;
}

/** Downloads the emulator served per folder of the home, from its request log. */
class DownloadLog {
  readonly paths: string[] = [];
  constructor(emulator: WorkspaceEmulator) {
    emulator.onRequest = (method, url) => {
      if (method === 'GET' && url.pathname === '/api/2.0/workspace/export') this.paths.push(url.searchParams.get('path') ?? '?');
      else if (method === 'GET' && (url.pathname.startsWith('/api/2.0/fs/files') || url.pathname.startsWith('/__emulator/signed/'))) this.paths.push(url.pathname);
    };
  }
  in(folder: string): string[] {
    return this.paths.filter((p) => p.includes(`/${folder}/`));
  }
  /** Waits (bounded: 15 s) until `folder` has seen `count` downloads. */
  async reach(folder: string, count: number): Promise<number> {
    for (let i = 0; i < 300 && this.in(folder).length < count; i++) await sleep(50);
    return this.in(folder).length;
  }
}

describe('small-file prefetch through a mount', () => {
  let emulator: WorkspaceEmulator;
  let mounted: MountedWorkspace;
  let log: DownloadLog;
  const bound = DEFAULT_PREFETCH_LIMITS.filesPerTrigger;

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo', faults: { rules: [{ endpoint: EXPORT, fault: { kind: 'latency', ms: 40 } }] } });
    seedFolder(emulator, 'thirty', 30);
    seedFolder(emulator, 'single', 30);
    seedFolder(emulator, 'large', bound + 20);
    log = new DownloadLog(emulator);
    // A long TTL: reading the prefetched files must cost nothing, not even a listing, however slow the host.
    mounted = await mountWorkspace({ emulatorInstance: emulator, ttlSeconds: 60, args: ['--debug'] });
  });
  after(async () => {
    await mounted?.stop();
    await emulator?.stop();
  });

  // First: no batch was triggered in the last 2 s (while a program walks folders, one cold read triggers).
  it('fetches nothing more for a single cold read', async () => {
    await readFile(mounted.local('single/m005.py'));
    // A prefetch would have started while this read's own (slowed) download was running.
    assert.deepEqual(log.in('single'), [`/Users/${emulator.userName}/single/m005.py`]);
    // The positive control: a second cold read there does trigger it.
    await readFile(mounted.local('single/m006.py'));
    assert.equal(await log.reach('single', 30), 30, 'the second cold read does trigger it');
  });

  it('fetches the rest of a folder after two cold reads; reading them then makes no request', async () => {
    await readFile(mounted.local('thirty/m000.py'));
    await readFile(mounted.local('thirty/m001.py'));
    assert.equal(await log.reach('thirty', 30), 30, 'all 30 files were fetched');
    const before = emulator.stats.total();
    for (let i = 2; i < 30; i++) assert.equal((await readFile(mounted.local(`thirty/m${String(i).padStart(3, '0')}.py`), 'utf8')).split('\n')[1]?.trim(), `return ${i}`);
    assert.equal(emulator.stats.total() - before, 0, 'the prefetched files are read from the cache');
    assert.equal(new Set(log.in('thirty')).size, 30, 'no file was downloaded twice');
  });

  it('fetches at most the bound of a larger folder', async () => {
    await readFile(mounted.local('large/m000.py'));
    await readFile(mounted.local('large/m001.py'));
    // Right after the previous test the program counts as walking, so the first read may already trigger.
    assert.ok((await log.reach('large', bound + 1)) >= bound + 1);
    const plans = mounted.engineLog().match(/prefetch \/large: \d+ of \d+ files/g) ?? [];
    assert.equal(plans.length, 1, 'one batch');
    assert.match(plans[0]!, new RegExp(`: ${bound} of (${bound + 19}|${bound + 20}) files`), 'the bound of the other 83 (or 84: the read in flight is a candidate too)');
    const fetched = log.in('large');
    assert.ok(fetched.length <= bound + 2, `the bound and the two reads, nothing more (${fetched.length})`);
    assert.equal(new Set(fetched).size, fetched.length, 'no file twice');
  });
});

describe('small-file prefetch with --no-cache', () => {
  let emulator: WorkspaceEmulator;
  let mounted: MountedWorkspace;

  before(async () => {
    emulator = await WorkspaceEmulator.start({ seed: 'demo', faults: { rules: [{ endpoint: EXPORT, fault: { kind: 'latency', ms: 40 } }] } });
    seedFolder(emulator, 'thirty', 30);
    mounted = await mountWorkspace({ emulatorInstance: emulator, args: ['--debug', '--no-cache'] });
  });
  after(async () => {
    await mounted?.stop();
    await emulator?.stop();
  });

  it('prefetches nothing', async () => {
    const log = new DownloadLog(emulator);
    for (let i = 0; i < 4; i++) await readFile(mounted.local(`thirty/m00${i}.py`));
    assert.equal(log.in('thirty').length, 4, 'only the four reads');
    assert.doesNotMatch(mounted.engineLog(), /prefetch \/thirty/);
  });
});
