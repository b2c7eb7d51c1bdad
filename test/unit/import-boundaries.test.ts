// The import rules of ARCHITECTURE.md §2 are enforced by ESLint; this proves each rule fires on a
// violating import and stays quiet on an allowed one.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: root });

async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const FORBIDDEN: Array<[file: string, specifier: string]> = [
  ['src/shared/x.ts', 'node:fs'],
  ['src/shared/x.ts', '../fs/cli'],
  ['src/emulator/x.ts', '../fs/cli'],
  ['src/emulator/x.ts', 'electron'],
  ['src/fs/x.ts', 'fuse-native'],
  ['src/fs/x.ts', 'electron'],
  ['src/fs/x.ts', '../emulator/workspace-emulator'],
  ['src/fs/x.ts', '../main/index'],
  ['src/fs/host/engine-host.ts', '../../emulator/workspace-emulator'],
  ['src/fs/fuse/x.ts', 'electron'],
  ['src/main/x.ts', '../fs/cli'],
  ['src/main/x.ts', 'keytar'],
  ['src/main/x.ts', 'electron-store'],
  ['src/main/x.ts', 'fuse-native'],
  ['src/main/secrets/x.ts', 'electron-store'],
  ['src/main/settings/x.ts', 'keytar'],
  ['src/preload/x.ts', 'node:path'],
  ['src/preload/x.ts', '../main/index'],
  ['src/renderer/x.tsx', 'electron'],
  ['src/renderer/x.tsx', 'node:fs'],
  ['src/renderer/x.tsx', '../fs/cli'],
];

const ALLOWED: Array<[file: string, specifier: string]> = [
  ['src/shared/x.ts', './workspace-types'],
  ['src/emulator/x.ts', 'node:http'],
  ['src/emulator/x.ts', '../shared/workspace-types'],
  ['src/fs/x.ts', 'node:fs'],
  ['src/fs/fuse/x.ts', 'fuse-native'],
  ['src/fs/cli.ts', '../emulator/workspace-emulator'],
  ['src/fs/host/engine-main.ts', '../../emulator/workspace-emulator'],
  ['src/main/x.ts', 'electron'],
  ['src/main/secrets/x.ts', 'keytar'],
  ['src/main/settings/x.ts', 'electron-store'],
  ['src/preload/x.ts', 'electron'],
  ['src/renderer/x.tsx', 'react'],
  ['src/renderer/x.tsx', '../shared/workspace-types'],
];

describe('import boundaries (ARCHITECTURE.md §2)', () => {
  for (const [file, specifier] of FORBIDDEN) {
    it(`${file} must not import ${specifier}`, async () => {
      const found = await violations(file, `import * as m from '${specifier}';\nexport const x = m;\n`);
      assert.equal(found.length, 1, `expected one restricted-import error, got ${JSON.stringify(found)}`);
    });
  }
  for (const [file, specifier] of ALLOWED) {
    it(`${file} may import ${specifier}`, async () => {
      assert.deepEqual(await violations(file, `import * as m from '${specifier}';\nexport const x = m;\n`), []);
    });
  }
});
