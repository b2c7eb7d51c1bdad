// Runs every conformance scenario through a real mount: the emulator in this process, the real
// `wsfs mount --foreground` (and its engine process) mounting it, and node:fs on the mount point.
// One mount per emulator mode (every endpoint family; workspace-files and rename switched off),
// content cache mode (on, and off with `--no-cache`) and upload mode (sync, and
// `--background-uploads`, where the workspace probe waits for the write journal to empty), each
// scenario in its own scratch folder made through the mount. The kernel caches attributes
// and entries for the TTL; every change a scenario makes goes through the mount (so the kernel
// sees it at once), and workspace checks read the emulator directly.
import { after, before, describe, it } from 'node:test';
import type { EmulatorOptions } from '../../src/emulator/workspace-emulator';
import { mountWorkspace, type MountedWorkspace } from '../support/mounted-workspace';
import { mountDriver, mountProbe } from './mount-driver';
import { SCENARIOS } from './scenarios';

const MODES: Array<{ name: string; options: EmulatorOptions }> = [
  { name: 'all endpoints', options: { seed: 'demo' } },
  { name: 'workspace-files and rename off', options: { seed: 'demo', disable: ['workspace-files', 'rename'] } },
];

/** The default `wsfs mount --ttl`: what a user gets. */
const TTL_SECONDS = 10;

const COMBINATIONS = MODES.flatMap((m) => [true, false].flatMap((cacheEnabled) => (['sync', 'background'] as const).map((uploadMode) => ({ ...m, cacheEnabled, uploadMode }))));

for (const mode of COMBINATIONS) {
  describe(`conformance, through a real mount (${mode.name}, cache ${mode.cacheEnabled ? 'on' : 'off'}, ${mode.uploadMode} uploads)`, () => {
    let mounted: MountedWorkspace;

    before(async () => {
      mounted = await mountWorkspace({ emulator: mode.options, ttlSeconds: TTL_SECONDS, args: [...(mode.cacheEnabled ? [] : ['--no-cache']), ...(mode.uploadMode === 'background' ? ['--background-uploads'] : [])] });
    });
    after(async () => {
      await mounted?.stop();
    });

    SCENARIOS.forEach((scenario, index) => {
      it(scenario.name, async () => {
        const driver = mountDriver(mounted);
        const scratch = `/conformance-${index}`;
        await driver.mkdir(scratch);
        await scenario.run({ driver, workspace: mountProbe(mounted), dir: scratch, uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 });
      });
    });
  });
}
