// The real settings file through electron-store: defaults on first start, a version-1 file
// migrated to the current layout (and written back), bad content refused before anything is
// written, a corrupt file set aside with a problem, a newer file left alone; read once, then served
// from memory.
import '../support/electron-shim';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ElectronSettingsStore, NewerSettingsError } from '../../src/main/settings/electron-settings-store';
import { migrateToV2 } from '../../src/main/settings/settings-migrations';
import { DEFAULT_GENERAL_SETTINGS, SETTINGS_VERSION } from '../../src/shared/settings';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wsfs-settings-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const V1_FILE = {
  version: 1,
  workspaces: [
    { id: 'ws-a', name: 'Prod', host: 'https://dbc-1.cloud.databricks.com', authKind: 'token', remotePath: '~', mountPoint: '/home/u/Databricks/Prod', autoMount: true },
    { id: 'ws-b', name: 'Dev', host: 'https://dbc-2.cloud.databricks.com', authKind: 'profile', profile: 'dev', remotePath: '/Shared', mountPoint: '/home/u/Databricks/Dev', autoMount: false },
  ],
  cacheEnabled: false,
  cacheLimitBytes: 2 * 1024 ** 3,
  cacheLocation: '/var/tmp/wsfs-cache',
  metadataTtlSeconds: 60,
  uploadMode: 'background',
  launchAtLogin: true,
  __internal__: { migrations: { version: '1.0.0' } },
};

describe('settings store (electron-store)', () => {
  it('starts with the defaults', async () => {
    const cwd = await tempDir();
    const store = new ElectronSettingsStore({ cwd });
    assert.equal(store.openingProblem, undefined);
    assert.deepEqual(store.read(), { version: SETTINGS_VERSION, workspaces: [], ...DEFAULT_GENERAL_SETTINGS });
    assert.equal(store.path, join(cwd, 'settings.json'));
  });

  it('reads the file once: later reads are fresh copies from memory, writes reach the file', async () => {
    const cwd = await tempDir();
    const store = new ElectronSettingsStore({ cwd });
    const first = store.read();
    first.cache.enabled = false;
    assert.equal(store.read().cache.enabled, true, 'a caller changed the store through a returned object');
    store.write({ ...first, metadataTtlSeconds: 90 });
    assert.deepEqual(new ElectronSettingsStore({ cwd }).read(), store.read(), 'the file holds what read() serves');
    // Another program clobbering the file does not change what this store (the only writer) serves.
    await writeFile(join(cwd, 'settings.json'), '{ "broken');
    assert.equal(store.read().metadataTtlSeconds, 90);
    assert.equal(store.read().cache.enabled, false);
  });

  it('migrates a version-1 file to the current layout and writes it back', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'settings.json'), JSON.stringify(V1_FILE));
    const settings = new ElectronSettingsStore({ cwd }).read();
    assert.equal(settings.version, 2);
    assert.deepEqual(settings.cache, { enabled: false, limitBytes: 2 * 1024 ** 3, location: '/var/tmp/wsfs-cache' });
    assert.deepEqual(settings.workspaces.map((w) => w.auth), [{ kind: 'token' }, { kind: 'profile', profile: 'dev' }]);
    assert.equal(settings.uploadMode, 'background');
    const onDisk = JSON.parse(await readFile(join(cwd, 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(onDisk['version'], 2);
    assert.equal('cacheEnabled' in onDisk, false);
    assert.deepEqual(onDisk['__internal__'], { migrations: { version: '2.0.0' } });
    // Opening again runs nothing twice and reads the same.
    assert.deepEqual(new ElectronSettingsStore({ cwd }).read(), settings);
  });

  it('migrateToV2 leaves a version-2 layout as it is', () => {
    const v2 = { version: 2, workspaces: [{ id: 'x', name: 'X', auth: { kind: 'demo' } }], cache: { enabled: true, limitBytes: 200 * 1024 ** 2 } };
    assert.deepEqual(migrateToV2(v2), v2);
  });

  it('refuses to write invalid settings and keeps the file as it was', async () => {
    const cwd = await tempDir();
    const store = new ElectronSettingsStore({ cwd });
    const good = store.read();
    assert.throws(() => store.write({ ...good, metadataTtlSeconds: -1 }), /settings\.metadataTtlSeconds: expected an integer from 0/);
    const ws = { id: 'ws-1', name: 'A', host: 'not a url', auth: { kind: 'token' as const }, remotePath: '/', mountPoint: '/tmp/a', autoMount: false };
    assert.throws(() => store.write({ ...good, workspaces: [ws] }), /settings\.workspaces\[0\]\.host: expected a workspace URL/);
    assert.throws(() => store.write({ ...good, workspaces: [{ ...ws, host: 'https://a.cloud.databricks.com' }, { ...ws, host: 'https://a.cloud.databricks.com' }] }), /unique ids/);
    assert.deepEqual(new ElectronSettingsStore({ cwd }).read(), good);
  });

  it('sets a corrupt file aside, starts from defaults and says so', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'settings.json'), '{ "workspaces": [ broken');
    const store = new ElectronSettingsStore({ cwd, now: () => 1234 });
    assert.match(store.openingProblem ?? '', /could not be read .* kept as .*settings\.json\.unreadable-1234/);
    assert.deepEqual(store.read().workspaces, []);
    assert.deepEqual((await readdir(cwd)).sort(), ['settings.json', 'settings.json.unreadable-1234']);
    assert.equal(await readFile(join(cwd, 'settings.json.unreadable-1234'), 'utf8'), '{ "workspaces": [ broken');
  });

  it('leaves a file from a newer wsfs alone', async () => {
    const cwd = await tempDir();
    const newer = JSON.stringify({ version: 3, workspaces: [], __internal__: { migrations: { version: '3.0.0' } } });
    await writeFile(join(cwd, 'settings.json'), newer);
    assert.throws(() => new ElectronSettingsStore({ cwd }), NewerSettingsError);
    assert.equal(await readFile(join(cwd, 'settings.json'), 'utf8'), newer);
  });
});
