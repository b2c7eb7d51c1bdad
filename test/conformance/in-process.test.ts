// Runs every conformance scenario in-process: WorkspaceFs called directly, over DatabricksRemote
// and the in-process emulator (demo seed, real HTTP), each scenario with a fresh filesystem (own
// metadata cache and state dir) and its own scratch folder. The suite runs with every endpoint
// family, and with workspace-files and workspace/rename switched off (the fallbacks: listings
// without sizes, export/import only, rename by copy + delete); each with the content cache on and
// off (off: every open reads from the workspace), and with sync and background uploads
// (background: the workspace probe waits for the uploads to settle). The results must be the same.
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmulatorOptions, WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { startEmulator } from '../support/emulator-fixture';
import { removeFolder, tempFolder, testRemote } from '../support/remote-fixture';
import { emulatorProbe, inProcessDriver, uploadsSettled, workspaceFsFor } from './in-process-driver';
import { SCENARIOS } from './scenarios';

const MODES: Array<{ name: string; options: EmulatorOptions }> = [
  { name: 'all endpoints', options: { seed: 'demo' } },
  { name: 'workspace-files and rename off', options: { seed: 'demo', disable: ['workspace-files', 'rename'] } },
];

const COMBINATIONS = MODES.flatMap((m) => [true, false].flatMap((cacheEnabled) => (['sync', 'background'] as const).map((uploadMode) => ({ ...m, cacheEnabled, uploadMode }))));

for (const mode of COMBINATIONS) {
  describe(`conformance, in-process (WorkspaceFs over the emulator, ${mode.name}, cache ${mode.cacheEnabled ? 'on' : 'off'}, ${mode.uploadMode} uploads)`, () => {
    let emulator: WorkspaceEmulator;
    let dir: string;
    let remote: DatabricksRemote;

    before(async () => {
      emulator = await startEmulator(mode.options);
      dir = await tempFolder('conformance');
      remote = testRemote(emulator, join(dir, 'tmp'));
    });
    after(async () => {
      await emulator.stop();
      await removeFolder(dir);
    });

    SCENARIOS.forEach((scenario, index) => {
      it(scenario.name, async () => {
        const { fs, cache } = workspaceFsFor(emulator, remote, join(dir, `fs-${index}`), { cacheEnabled: mode.cacheEnabled, uploadMode: mode.uploadMode });
        const driver = inProcessDriver(fs);
        const scratch = `/conformance-${index}`;
        await driver.mkdir(scratch);
        await scenario.run({ driver, workspace: emulatorProbe(emulator, () => uploadsSettled(fs)), dir: scratch, uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 });
        await fs.flushAll();
        // Nothing may write into the folders once the scenario is over (prefetches of its reads).
        fs.stopBackground();
        await fs.prefetchIdle();
        await cache.close();
      });
    });
  });
}
