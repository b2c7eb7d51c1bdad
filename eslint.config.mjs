// Lint rules, chiefly the import boundaries of ARCHITECTURE.md §2 (the per-process tsconfigs
// enforce the coarse ones; these rules the fine ones, e.g. only fs/fuse may import fuse-native).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE = { group: ['node:*'], message: 'This layer must not use Node APIs (ARCHITECTURE.md §2).' };
const ELECTRON = { group: ['electron'], message: 'Only main and preload may import electron.' };
const FUSE = { group: ['fuse-native'], message: 'Only src/fs/fuse may import fuse-native.' };
const REACT = { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'Only the renderer uses React.' };
const KEYTAR = { group: ['keytar'], message: 'Only src/main/secrets may import keytar.' };
const STORE = { group: ['electron-store'], message: 'Only src/main/settings may import electron-store.' };
const layer = (name) => ({ group: [`**/${name}/**`, `**/${name}`], message: `Do not import ${name} from here (ARCHITECTURE.md §2).` });

const restrict = (files, patterns, ignores = []) => ({
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'release/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', Buffer: 'readonly', console: 'readonly', require: 'readonly', __dirname: 'readonly', module: 'writable' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  restrict(['src/shared/**'], [NODE, ELECTRON, FUSE, REACT, KEYTAR, STORE, layer('fs'), layer('emulator'), layer('main'), layer('renderer'), layer('preload')]),
  restrict(['src/emulator/**'], [ELECTRON, FUSE, REACT, KEYTAR, STORE, layer('fs'), layer('main'), layer('renderer'), layer('preload')]),
  restrict(['src/fs/**'], [ELECTRON, FUSE, REACT, KEYTAR, STORE, layer('main'), layer('renderer'), layer('preload'), layer('emulator')], ['src/fs/fuse/**', 'src/fs/cli.ts', 'src/fs/host/engine-main.ts']),
  restrict(['src/fs/fuse/**'], [ELECTRON, REACT, KEYTAR, STORE, layer('main'), layer('renderer'), layer('preload'), layer('emulator')]),
  // The two composition roots that may construct the emulator (the `wsfs emulator` command, the demo engine).
  restrict(['src/fs/cli.ts', 'src/fs/host/engine-main.ts'], [ELECTRON, FUSE, REACT, KEYTAR, STORE, layer('main'), layer('renderer'), layer('preload')]),
  restrict(['src/main/**'], [FUSE, REACT, KEYTAR, STORE, layer('fs'), layer('emulator'), layer('renderer'), layer('preload')], ['src/main/secrets/**', 'src/main/settings/**']),
  restrict(['src/main/secrets/**'], [FUSE, REACT, STORE, layer('fs'), layer('emulator'), layer('renderer'), layer('preload')]),
  restrict(['src/main/settings/**'], [FUSE, REACT, KEYTAR, layer('fs'), layer('emulator'), layer('renderer'), layer('preload')]),
  restrict(['src/preload/**'], [NODE, FUSE, REACT, KEYTAR, STORE, layer('fs'), layer('emulator'), layer('main'), layer('renderer')]),
  restrict(['src/renderer/**'], [NODE, ELECTRON, FUSE, KEYTAR, STORE, layer('fs'), layer('emulator'), layer('main'), layer('preload')]),
);
