// DatabricksRemote against the in-process emulator over real HTTP: every RemoteWorkspace method on
// the demo seed, the endpoints chosen (request counts), each fallback (workspace-files and rename
// switched off, or workspace-files refused with 403), large files by checksum, faults that must
// cost time and not errors, the idempotency rule, and the ways of configuring credentials.
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { NOTEBOOK_SYNTAX } from '../../src/shared/workspace-types';
import { baseName } from '../../src/fs/fs-paths';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import type { DatabricksRemote } from '../../src/fs/remote/databricks-remote';
import { HttpTransport } from '../../src/fs/remote/http-transport';
import { createRemoteConfig } from '../../src/fs/remote/remote-config';
import { RemoteError, type RemoteErrorKind } from '../../src/fs/remote/remote-error';
import { RequestLimiter } from '../../src/fs/remote/request-limiter';
import type { RemoteEntry } from '../../src/fs/remote/remote-workspace';
import { home, startEmulator } from '../support/emulator-fixture';
import { writeFakeDatabricksCli } from '../support/fake-databricks-cli';
import { MiB, removeFolder, sha256File, tempFolder, testRemote, timed, writeRandomFile } from '../support/remote-fixture';

const LIST_FILES = 'GET /api/2.0/workspace-files/list-files';
const LIST = 'GET /api/2.0/workspace/list';
const GET_STATUS = 'GET /api/2.0/workspace/get-status';
const OBJECT_INFO = 'GET /api/2.0/workspace-files/object-info';
const EXPORT = 'GET /api/2.0/workspace/export';
const IMPORT = 'POST /api/2.0/workspace/import';
const IMPORT_FILE = 'POST /api/2.0/workspace-files/import-file/{path}';
const NEW_FILES = 'POST /api/2.0/workspace-files/new-files';
const SIGNED_GET = 'GET /__emulator/signed/{token}';
const SIGNED_PUT = 'PUT /__emulator/signed/{token}';
const RENAME = 'POST /api/2.0/workspace/rename';
const DELETE = 'POST /api/2.0/workspace/delete';

/** Asserts that `promise` rejects with a RemoteError of `kind`; returns it. */
async function rejectsKind(promise: Promise<unknown>, kind: RemoteErrorKind, message?: RegExp): Promise<RemoteError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof RemoteError, `expected a RemoteError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (message !== undefined) assert.match(caught.message, message);
  return caught;
}

/** Requests counted since the last reset, without the zero entries. */
function requests(emulator: WorkspaceEmulator): Record<string, number> {
  return emulator.stats.snapshot().requests;
}

function byName(entries: RemoteEntry[]): Map<string, RemoteEntry> {
  return new Map(entries.map((entry) => [baseName(entry.path), entry]));
}

/** The bytes the emulator stores for a FILE (or a notebook's stored source). */
function stored(emulator: WorkspaceEmulator, path: string): Buffer {
  const node = emulator.tree.find(path);
  if (node === undefined || !('content' in node)) assert.fail(`${path} is not a file or notebook`);
  return node.content;
}

describe('DatabricksRemote: every method against the demo workspace', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let user: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('remote');
    remote = testRemote(emulator, join(dir, 'tmp'));
    user = home(emulator);
  });
  beforeEach(() => emulator.stats.reset());
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  it('currentUser names the user of the token; a wrong token is unauthenticated', async () => {
    assert.deepEqual(await remote.currentUser(), { userName: emulator.userName, displayName: 'Demo User' });
    assert.deepEqual(requests(emulator), { 'GET /api/2.0/preview/scim/v2/Me': 1 });
    const wrong = testRemote({ host: emulator.host, token: 'dapi-wrong' }, dir);
    await rejectsKind(wrong.currentUser(), 'unauthenticated', /Invalid access token/);
    await rejectsKind(wrong.list(user), 'unauthenticated');
  });

  it('list: one list-files request per folder, with sizes and notebook languages', async () => {
    const entries = byName(await remote.list(user));
    assert.deepEqual(requests(emulator), { [LIST_FILES]: 1 });
    assert.deepEqual(
      [...entries.keys()].sort(),
      ['Exploration', 'Getting Started', 'README.md', 'Sales Report', 'data', 'etl', 'mypackage', 'projects'],
    );
    const readme = entries.get('README.md')!;
    assert.equal(readme.type, 'FILE');
    assert.equal(readme.rawType, 'FILE');
    assert.equal(readme.size, stored(emulator, `${user}/README.md`).length);
    assert.equal(typeof readme.modifiedAt, 'number');
    assert.equal(readme.path, `${user}/README.md`);
    const notebook = entries.get('Sales Report')!;
    assert.equal(notebook.type, 'NOTEBOOK');
    assert.equal(notebook.language, 'SQL');
    assert.equal(notebook.size, undefined, 'notebook sizes are never reported');
    assert.equal(entries.get('etl')!.type, 'DIRECTORY');
    assert.deepEqual(remote.capabilities().workspaceFiles, true);
  });

  it('a walk of the whole tree costs exactly one listing per folder and nothing per file', async () => {
    const folders: string[] = [user];
    let files = 0;
    for (let i = 0; i < folders.length; i++) {
      assert.ok(i < 100, 'the walk ends');
      for (const entry of await remote.list(folders[i]!)) {
        if (entry.type === 'DIRECTORY') folders.push(entry.path);
        else files++;
      }
    }
    assert.ok(folders.length >= 9 && files >= 12, `${folders.length} folders, ${files} files`);
    assert.deepEqual(requests(emulator), { [LIST_FILES]: folders.length });
  });

  it('list of a file is not-a-directory, of a missing path not-found, of an empty folder empty', async () => {
    await rejectsKind(remote.list(`${user}/README.md`), 'not-a-directory');
    await rejectsKind(remote.list(`${user}/Sales Report`), 'not-a-directory');
    await rejectsKind(remote.list(`${user}/missing`), 'not-found');
    await remote.mkdirs(`${user}/empty-folder`);
    assert.deepEqual(await remote.list(`${user}/empty-folder`), []);
    const single = await remote.list(`${user}/data`);
    assert.equal(single.length, 1, 'a folder with one child is still a folder');
  });

  it('strips a /Workspace prefix from returned paths', async () => {
    const entries = await remote.list(`/Workspace${user}`);
    assert.ok(entries.length > 0);
    for (const entry of entries) assert.ok(entry.path.startsWith(`${user}/`), entry.path);
    const entry = await remote.stat(`/Workspace${user}/README.md`);
    assert.equal(entry.path, `${user}/README.md`);
    await rejectsKind(remote.list(`/Workspace${user}/README.md`), 'not-a-directory');
  });

  it('stat: notebooks with language and export format, files with their size, folders and Git folders', async () => {
    const jupyter = await remote.stat(`${user}/Exploration`);
    assert.equal(jupyter.type, 'NOTEBOOK');
    assert.equal(jupyter.language, 'PYTHON');
    assert.equal(jupyter.exportFormat, 'JUPYTER');
    const source = await remote.stat(`${user}/etl/Ingest`);
    assert.deepEqual([source.language, source.exportFormat], ['SCALA', 'SOURCE']);
    assert.deepEqual(requests(emulator), { [GET_STATUS]: 2 });

    emulator.stats.reset();
    const file = await remote.stat(`${user}/data/sales.csv`);
    assert.equal(file.type, 'FILE');
    assert.equal(file.size, stored(emulator, `${user}/data/sales.csv`).length);
    assert.deepEqual(requests(emulator), { [GET_STATUS]: 1, [OBJECT_INFO]: 1 });

    const folder = await remote.stat(`${user}/etl`);
    assert.equal(folder.type, 'DIRECTORY');
    assert.equal(folder.size, undefined);
    const repo = await remote.stat(`/Repos/${emulator.userName}/analytics`);
    assert.equal(repo.type, 'REPO');
    assert.equal(repo.rawType, 'REPO');
    await rejectsKind(remote.stat(`${user}/nothing here`), 'not-found');
  });

  it('downloadTo: file bytes, and notebooks as SOURCE or JUPYTER, each in one export request', async () => {
    const target = join(dir, 'download');
    const size = await remote.downloadTo(`${user}/mypackage/cleaning.py`, 'RAW', target);
    const expected = stored(emulator, `${user}/mypackage/cleaning.py`);
    assert.equal(size, expected.length);
    assert.deepEqual(await readFile(target), expected);
    assert.deepEqual(requests(emulator), { [EXPORT]: 1 });

    const sourceSize = await remote.downloadTo(`${user}/etl/Ingest`, 'SOURCE', target);
    const text = await readFile(target, 'utf8');
    assert.equal(sourceSize, Buffer.byteLength(text));
    assert.ok(text.startsWith(`${NOTEBOOK_SYNTAX.SCALA.header}\n`), text);

    await remote.downloadTo(`${user}/Exploration`, 'JUPYTER', target);
    const notebook = JSON.parse(await readFile(target, 'utf8')) as { nbformat: number; cells: unknown[] };
    assert.equal(notebook.nbformat, 4);
    assert.equal(notebook.cells.length, 2);

    await remote.downloadTo(`${user}/Exploration`, 'SOURCE', target);
    assert.ok((await readFile(target, 'utf8')).startsWith(NOTEBOOK_SYNTAX.PYTHON.header));
    assert.equal(emulator.stats.requestsTo(EXPORT), 4);

    await writeFile(target, 'x'.repeat(10_000));
    await remote.downloadTo(`${user}/README.md`, 'RAW', target);
    assert.deepEqual(await readFile(target), stored(emulator, `${user}/README.md`), 'the target is truncated first');
    await rejectsKind(remote.downloadTo(`${user}/gone.txt`, 'RAW', target), 'not-found');
  });

  it('upload: files through import-file, notebooks through import with language and format; overwrite rules', async () => {
    const path = `${user}/uploads/notes.txt`;
    await remote.mkdirs(`${user}/uploads`);
    emulator.stats.reset();
    await remote.upload(path, { type: 'FILE' }, { bytes: Buffer.from('first') }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [IMPORT_FILE]: 1 });
    assert.equal(stored(emulator, path).toString(), 'first');
    await rejectsKind(remote.upload(path, { type: 'FILE' }, { bytes: Buffer.from('again') }, { overwrite: false }), 'exists');

    const local = join(dir, 'local.txt');
    await writeFile(local, 'second version');
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 14 }, { overwrite: true });
    assert.equal(stored(emulator, path).toString(), 'second version');
    assert.equal((await remote.stat(path)).size, 14);

    emulator.stats.reset();
    const notebook = `${user}/uploads/Report`;
    await remote.upload(notebook, { type: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' }, { bytes: Buffer.from('SELECT 1') }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [IMPORT]: 1 });
    const entry = await remote.stat(notebook);
    assert.deepEqual([entry.type, entry.language, entry.exportFormat], ['NOTEBOOK', 'SQL', 'SOURCE']);
    await rejectsKind(
      remote.upload(notebook, { type: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' }, { bytes: Buffer.from('SELECT 2') }, { overwrite: false }),
      'exists',
    );
    await rejectsKind(remote.upload(notebook, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false }), 'exists');

    const jupyterText = JSON.stringify({ cells: [{ cell_type: 'code', source: ['1+1'], metadata: {}, outputs: [], execution_count: null }], metadata: {}, nbformat: 4, nbformat_minor: 2 });
    await remote.upload(`${user}/uploads/Lab`, { type: 'NOTEBOOK', language: 'PYTHON', format: 'JUPYTER' }, { bytes: Buffer.from(jupyterText) }, { overwrite: false });
    const lab = await remote.stat(`${user}/uploads/Lab`);
    assert.deepEqual([lab.type, lab.exportFormat, lab.language], ['NOTEBOOK', 'JUPYTER', 'PYTHON']);

    await rejectsKind(remote.upload(`${user}/no/such/folder/f.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false }), 'not-found');
    emulator.stats.reset();
    await rejectsKind(remote.upload(`${user}/uploads/missing.txt`, { type: 'FILE' }, { file: join(dir, 'does-not-exist'), size: 3 }, { overwrite: false }), 'unknown', /does-not-exist/);
    const three = join(dir, 'three-bytes');
    await writeFile(three, 'abc');
    await rejectsKind(remote.upload(`${user}/uploads/short.txt`, { type: 'FILE' }, { file: three, size: 4 }, { overwrite: false }), 'invalid', /3 bytes, not the 4/);
    assert.deepEqual(requests(emulator), {}, 'a missing or resized source is refused before any request');
  });

  it('mkdirs is mkdir -p; delete refuses non-empty folders unless recursive', async () => {
    await remote.mkdirs(`${user}/tree/a/b`);
    await remote.mkdirs(`${user}/tree/a/b`);
    assert.equal(emulator.tree.find(`${user}/tree/a/b`)?.kind, 'DIRECTORY');
    await rejectsKind(remote.mkdirs(`${user}/README.md/sub`), 'exists');
    await remote.upload(`${user}/tree/a/b/f.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false });
    await rejectsKind(remote.delete(`${user}/tree`, { recursive: false }), 'not-empty');
    await remote.delete(`${user}/tree/a/b/f.txt`, { recursive: false });
    assert.equal(emulator.tree.find(`${user}/tree/a/b/f.txt`), undefined);
    await remote.delete(`${user}/tree`, { recursive: true });
    assert.equal(emulator.tree.find(`${user}/tree`), undefined);
    await rejectsKind(remote.delete(`${user}/tree`, { recursive: true }), 'not-found');
  });

  it('rename through workspace/rename keeps identity, for files, notebooks and folders', async () => {
    await remote.mkdirs(`${user}/moves`);
    await remote.upload(`${user}/moves/a.txt`, { type: 'FILE' }, { bytes: Buffer.from('a') }, { overwrite: false });
    const before = await remote.stat(`${user}/moves/a.txt`);
    emulator.stats.reset();
    await remote.rename(`${user}/moves/a.txt`, `${user}/moves/b.txt`);
    assert.deepEqual(requests(emulator), { [RENAME]: 1 });
    const moved = await remote.stat(`${user}/moves/b.txt`);
    assert.equal(moved.objectId, before.objectId);
    await rejectsKind(remote.stat(`${user}/moves/a.txt`), 'not-found');

    await remote.rename(`${user}/Sales Report`, `${user}/moves/Sales Report`);
    assert.equal((await remote.stat(`${user}/moves/Sales Report`)).language, 'SQL');
    await remote.rename(`${user}/moves`, `${user}/moved`);
    assert.deepEqual((await remote.list(`${user}/moved`)).map((e) => e.path.slice(user.length)).sort(), ['/moved/Sales Report', '/moved/b.txt']);
    await remote.upload(`${user}/other.txt`, { type: 'FILE' }, { bytes: Buffer.from('o') }, { overwrite: false });
    await rejectsKind(remote.rename(`${user}/other.txt`, `${user}/moved/b.txt`), 'exists');
    await rejectsKind(remote.rename(`${user}/nothing`, `${user}/x`), 'not-found');
    assert.equal(remote.capabilities().rename, true);
  });

  it('paths with spaces, +, &, #, ?, % and non-ASCII survive every endpoint', async () => {
    const folder = `${user}/odd + names & #1 ?q=%25 ü`;
    const path = `${folder}/my file ü+&#?%.txt`;
    const small = testRemote(emulator, dir, { thresholds: { largeWriteBytes: 4 } });
    await small.mkdirs(folder);
    await small.upload(path, { type: 'FILE' }, { bytes: Buffer.from('through new-files') }, { overwrite: false });
    await remote.upload(path, { type: 'FILE' }, { bytes: Buffer.from('through import-file') }, { overwrite: true });
    assert.deepEqual((await remote.list(folder)).map((entry) => entry.path), [path]);
    assert.equal((await remote.stat(path)).size, 19);
    const target = join(dir, 'odd');
    await remote.downloadTo(path, 'RAW', target);
    assert.equal(await readFile(target, 'utf8'), 'through import-file');
    await remote.rename(path, `${path}.bak`);
    assert.equal(stored(emulator, `${path}.bak`).toString(), 'through import-file');
    await remote.delete(folder, { recursive: true });
    assert.equal(emulator.tree.find(folder), undefined);
  });

  it('single flight: overlapping identical reads share one request; a change is not hidden by an older read', async () => {
    const [a, b, c] = await Promise.all([remote.stat(`${user}/README.md`), remote.stat(`${user}/README.md`), remote.stat(`${user}/README.md`)]);
    assert.deepEqual(a, b);
    assert.deepEqual(b, c);
    assert.notEqual(a, b, 'each caller gets its own copy');
    assert.deepEqual(requests(emulator), { [GET_STATUS]: 1, [OBJECT_INFO]: 1 });

    emulator.stats.reset();
    const lists = await Promise.all(Array.from({ length: 5 }, () => remote.list(`${user}/etl`)));
    assert.equal(emulator.stats.requestsTo(LIST_FILES), 1);
    for (const list of lists) assert.deepEqual(list, lists[0]);

    emulator.stats.reset();
    const targets = [join(dir, 'shared-1'), join(dir, 'shared-2'), join(dir, 'shared-3')];
    const sizes = await Promise.all(targets.map((target) => remote.downloadTo(`${user}/README.md`, 'RAW', target)));
    assert.equal(emulator.stats.requestsTo(EXPORT), 1);
    for (const target of targets) assert.deepEqual(await readFile(target), stored(emulator, `${user}/README.md`));
    const readmeSize = stored(emulator, `${user}/README.md`).length;
    assert.deepEqual(sizes, [readmeSize, readmeSize, readmeSize]);

    // A listing that started before an upload must not answer a listing asked after it.
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: LIST_FILES, count: 1, fault: { kind: 'latency', ms: 200 } }] });
    const early = remote.list(`${user}/data`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await remote.upload(`${user}/data/new.csv`, { type: 'FILE' }, { bytes: Buffer.from('a,b\n') }, { overwrite: false });
    const late = await remote.list(`${user}/data`);
    assert.ok(late.some((entry) => entry.path.endsWith('/new.csv')), 'the later listing sees the upload');
    await early;
    assert.equal(emulator.stats.requestsTo(LIST_FILES), 2);
    emulator.faults.clear();
  });

  it('bounds concurrent requests', async () => {
    const limited = testRemote(emulator, dir, { limiter: new RequestLimiter(2) });
    emulator.faults.set({ latencyMs: 100 });
    try {
      const { ms } = await timed(() => Promise.all(['etl', 'data', 'mypackage', 'projects'].map((name) => limited.list(`${user}/${name}`))));
      assert.ok(ms >= 190, `4 requests 2 at a time take two rounds of 100 ms, took ${Math.round(ms)} ms`);
    } finally {
      emulator.faults.clear();
    }
  });
});

describe('DatabricksRemote: fallbacks where workspace-files and rename do not exist', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let user: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo', disable: ['workspace-files', 'rename'] });
    dir = await tempFolder('fallback');
    remote = testRemote(emulator, join(dir, 'tmp'));
    user = home(emulator);
  });
  beforeEach(() => emulator.stats.reset());
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  it('lists through workspace/list after one refused list-files, and learns not to ask again', async () => {
    assert.equal(remote.capabilities().workspaceFiles, 'unknown');
    const entries = byName(await remote.list(user));
    assert.equal(entries.get('README.md')?.type, 'FILE');
    assert.equal(entries.get('README.md')?.size, undefined, 'workspace/list has no sizes');
    assert.deepEqual(requests(emulator), { [LIST_FILES]: 1, [LIST]: 1 });
    assert.equal(remote.capabilities().workspaceFiles, false);
    emulator.stats.reset();
    await remote.list(`${user}/etl`);
    await remote.stat(`${user}/README.md`);
    assert.deepEqual(requests(emulator), { [LIST]: 1, [GET_STATUS]: 1 });
    await rejectsKind(remote.list(`${user}/README.md`), 'not-a-directory');
  });

  it('writes files through workspace/import: JSON when small, multipart when large; reads through export', async () => {
    await remote.upload(`${user}/small.bin`, { type: 'FILE' }, { bytes: Buffer.from([0, 1, 2, 255]) }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [IMPORT]: 1 });
    assert.deepEqual(stored(emulator, `${user}/small.bin`), Buffer.from([0, 1, 2, 255]));

    const local = join(dir, 'twelve.bin');
    const sum = await writeRandomFile(local, 12 * MiB);
    emulator.stats.reset();
    await remote.upload(`${user}/twelve.bin`, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [IMPORT]: 1 });
    assert.ok(emulator.stats.snapshot().bytesIn > 12 * MiB && emulator.stats.snapshot().bytesIn < 12.1 * MiB, 'multipart carries raw bytes, not base64');

    const target = join(dir, 'twelve.out');
    assert.equal(await remote.downloadTo(`${user}/twelve.bin`, 'RAW', target), 12 * MiB);
    assert.equal(await sha256File(target), sum);
    assert.equal(emulator.stats.requestsTo(EXPORT), 1);
  });

  it('renames by copy + delete: files, folders, notebooks keeping language and format', async () => {
    await remote.mkdirs(`${user}/src/nested`);
    await remote.upload(`${user}/src/nested/a.txt`, { type: 'FILE' }, { bytes: Buffer.from('alpha') }, { overwrite: false });
    await remote.upload(`${user}/src/Notes`, { type: 'NOTEBOOK', language: 'R', format: 'SOURCE' }, { bytes: Buffer.from('x <- 1\n') }, { overwrite: false });
    const exploration = stored(emulator, `${user}/Exploration`);

    emulator.stats.reset();
    await remote.rename(`${user}/src/nested/a.txt`, `${user}/src/b.txt`);
    assert.equal(remote.capabilities().rename, false);
    assert.equal(emulator.stats.requestsTo(RENAME), 1, 'asked once');
    assert.equal(stored(emulator, `${user}/src/b.txt`).toString(), 'alpha');
    assert.equal(emulator.tree.find(`${user}/src/nested/a.txt`), undefined);

    await remote.rename(`${user}/Exploration`, `${user}/src/Exploration`);
    const moved = await remote.stat(`${user}/src/Exploration`);
    assert.deepEqual([moved.type, moved.language, moved.exportFormat], ['NOTEBOOK', 'PYTHON', 'JUPYTER']);
    assert.deepEqual(stored(emulator, `${user}/src/Exploration`), exploration, 'the .ipynb is carried over verbatim');
    await rejectsKind(remote.stat(`${user}/Exploration`), 'not-found');

    await remote.rename(`${user}/src`, `${user}/dst`);
    const tree = (await remote.list(`${user}/dst`)).map((e) => `${e.path.slice(user.length)} ${e.type} ${e.language ?? ''}`).sort();
    assert.deepEqual(tree, ['/dst/Exploration NOTEBOOK PYTHON', '/dst/Notes NOTEBOOK R', '/dst/b.txt FILE ', '/dst/nested DIRECTORY ']);
    assert.equal((await remote.stat(`${user}/dst/Exploration`)).exportFormat, 'JUPYTER');
    assert.equal(emulator.tree.find(`${user}/src`), undefined);
    assert.equal(emulator.stats.requestsTo(RENAME), 1, 'never asked again');

    await rejectsKind(remote.rename(`${user}/dst/b.txt`, `${user}/README.md`), 'exists');
    assert.equal(stored(emulator, `${user}/dst/b.txt`).toString(), 'alpha', 'the source survives a refused move');
    await rejectsKind(remote.rename(`${user}/dst`, `${user}/dst/inside`), 'invalid');
    await rejectsKind(remote.rename(`/Repos/${emulator.userName}/analytics`, `/Repos/${emulator.userName}/renamed`), 'not-supported');
    assert.equal(emulator.tree.find(`/Repos/${emulator.userName}/renamed`), undefined, 'nothing was copied');
    assert.notEqual(emulator.tree.find(`/Repos/${emulator.userName}/analytics`), undefined);
  });
});

describe('DatabricksRemote: workspace-files refused with 403 (a scoped token)', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let user: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('refused');
    user = home(emulator);
  });
  beforeEach(() => {
    emulator.stats.reset();
    const refuse = { kind: 'error' as const, status: 403, errorCode: 'PERMISSION_DENIED', message: 'Invalid scope' };
    emulator.faults.set({
      rules: [
        { endpoint: 'GET /api/2.0/workspace-files/*', fault: refuse },
        { endpoint: 'POST /api/2.0/workspace-files/*', fault: refuse },
      ],
    });
  });
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  it('stat and list fall back without an error', async () => {
    const remote = testRemote(emulator, dir);
    const file = await remote.stat(`${user}/README.md`);
    assert.equal(file.type, 'FILE');
    assert.equal(file.size, undefined);
    assert.equal(remote.capabilities().workspaceFiles, false);
    assert.deepEqual(requests(emulator), { [GET_STATUS]: 1, [OBJECT_INFO]: 1 });
    const fresh = testRemote(emulator, dir);
    emulator.stats.reset();
    assert.ok((await fresh.list(user)).length > 5);
    assert.deepEqual(requests(emulator), { [LIST_FILES]: 1, [LIST]: 1 });
    assert.equal(fresh.capabilities().workspaceFiles, false);
  });

  it('a large upload falls back from new-files and import-file to workspace/import', async () => {
    const remote = testRemote(emulator, dir);
    const local = join(dir, 'big.bin');
    const sum = await writeRandomFile(local, 12 * MiB);
    await remote.upload(`${user}/big.bin`, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [NEW_FILES]: 1, [IMPORT_FILE]: 1, [IMPORT]: 1 });
    assert.equal(remote.capabilities().workspaceFiles, false);
    const target = join(dir, 'big.out');
    await remote.downloadTo(`${user}/big.bin`, 'RAW', target);
    assert.equal(await sha256File(target), sum);
  });

  it('a real permission problem still surfaces and does not switch the family off', async () => {
    const remote = testRemote(emulator, dir);
    await rejectsKind(remote.upload(`/Users/someone.else@example.com/x.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false }), 'not-found');
    emulator.faults.set({
      rules: [{ endpoint: 'POST /api/2.0/workspace/import', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED', message: 'no write access' } }, { endpoint: 'POST /api/2.0/workspace-files/*', fault: { kind: 'error', status: 403, errorCode: 'PERMISSION_DENIED', message: 'no write access' } }],
    });
    const fresh = testRemote(emulator, dir);
    await rejectsKind(fresh.upload(`${user}/locked.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false }), 'permission', /no write access/);
    assert.equal(fresh.capabilities().workspaceFiles, 'unknown');
  });
});

describe('DatabricksRemote: large files', () => {
  let emulator: WorkspaceEmulator;
  let strict: WorkspaceEmulator;
  let dir: string;
  let local: string;
  let sum: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'empty' });
    strict = await startEmulator({ seed: 'empty', limits: { directDownloadBytes: 10 * MiB } });
    dir = await tempFolder('large');
    local = join(dir, 'twelve.bin');
    sum = await writeRandomFile(local, 12 * MiB);
  });
  beforeEach(() => {
    emulator.stats.reset();
    strict.stats.reset();
  });
  afterEach(() => emulator.faults.clear());
  after(async () => {
    await emulator.stop();
    await strict.stop();
    await removeFolder(dir);
  });

  it('12 MiB: written through new-files + signed PUT, read through the signed URL of the listing', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/twelve.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [NEW_FILES]: 1, [SIGNED_PUT]: 1 });
    const [entry] = await remote.list(home(emulator));
    assert.equal(entry?.size, 12 * MiB);
    emulator.stats.reset();
    const target = join(dir, 'out-1');
    assert.equal(await remote.downloadTo(path, 'RAW', target), 12 * MiB);
    assert.equal(await sha256File(target), sum);
    assert.deepEqual(requests(emulator), { [SIGNED_GET]: 1 }, 'no object-info, no export: the listing URL was reused');
  });

  it('without a listing, a file of unknown size is read through export', async () => {
    const remote = testRemote(emulator, dir);
    await remote.upload(`${home(emulator)}/b.bin`, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: true });
    emulator.stats.reset();
    const target = join(dir, 'out-2');
    await remote.downloadTo(`${home(emulator)}/b.bin`, 'RAW', target);
    assert.equal(await sha256File(target), sum);
    assert.deepEqual(requests(emulator), { [EXPORT]: 1 });
  });

  it('where direct_download stops at 10 MiB, the read continues through object-info and a signed URL', async () => {
    const remote = testRemote(strict, dir);
    await remote.upload(`${home(strict)}/c.bin`, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    strict.stats.reset();
    const target = join(dir, 'out-3');
    await remote.downloadTo(`${home(strict)}/c.bin`, 'RAW', target);
    assert.equal(await sha256File(target), sum);
    assert.deepEqual(requests(strict), { [EXPORT]: 1, [OBJECT_INFO]: 1, [SIGNED_GET]: 1 });
  });

  it('a signed URL gone stale (the file was replaced out of band) is renewed once', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/stale.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    await remote.list(home(emulator));
    const content = stored(emulator, path);
    emulator.tree.remove(path);
    emulator.tree.write(path, { kind: 'FILE', content });
    emulator.stats.reset();
    const target = join(dir, 'out-4');
    await remote.downloadTo(path, 'RAW', target);
    assert.equal(await sha256File(target), sum);
    assert.deepEqual(requests(emulator), { [SIGNED_GET]: 2, [OBJECT_INFO]: 1 });
  });

  it('storage refusing signed URLs: reads fall back to export, writes to import-file, the family stays on', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/refused.bin`;
    emulator.faults.set({ rules: [{ endpoint: SIGNED_PUT, count: 1, fault: { kind: 'error', status: 403, errorCode: 'AuthorizationFailure' } }] });
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    assert.deepEqual(requests(emulator), { [NEW_FILES]: 1, [SIGNED_PUT]: 1, [IMPORT_FILE]: 1 });
    emulator.stats.reset();
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: true });
    assert.deepEqual(requests(emulator), { [IMPORT_FILE]: 1 }, 'new-files is not asked again');

    await remote.list(home(emulator));
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 2, fault: { kind: 'error', status: 403, errorCode: 'AuthorizationFailure' } }] });
    const target = join(dir, 'out-6');
    await remote.downloadTo(path, 'RAW', target);
    assert.equal(await sha256File(target), sum);
    assert.deepEqual(requests(emulator), { [SIGNED_GET]: 2, [OBJECT_INFO]: 1, [EXPORT]: 1 });
    assert.equal(remote.capabilities().workspaceFiles, true);
  });

  it('a signed download cut off mid-body resumes with Range instead of starting over', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/resume.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    await remote.list(home(emulator));
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 1, fault: { kind: 'truncate', keepBytes: 5 * MiB } }] });
    const target = join(dir, 'out-5');
    assert.equal(await remote.downloadTo(path, 'RAW', target), 12 * MiB);
    assert.equal(await sha256File(target), sum);
    assert.equal(emulator.stats.requestsTo(SIGNED_GET), 2);
    const out = emulator.stats.snapshot().bytesOut;
    assert.ok(out >= 12 * MiB && out < 12 * MiB + 64 * 1024, `${out} bytes sent: the second request asked only for the rest`);
  });

  it('downloadTo reports the bytes on disk as they arrive, and a cancelled one rejects with its reason without retrying', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/progress.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    await remote.list(home(emulator));
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 1, fault: { kind: 'hold', afterBytes: 2 * MiB } }] });
    const reports: number[] = [];
    const controller = new AbortController();
    const target = join(dir, 'out-progress');
    let reached!: () => void;
    const atHold = new Promise<void>((resolve) => (reached = resolve));
    const download = remote.downloadTo(path, 'RAW', target, {
      signal: controller.signal,
      onProgress: (bytes) => {
        reports.push(bytes);
        if (bytes === 2 * MiB) reached();
      },
    });
    await atHold;
    assert.deepEqual(reports, [...reports].sort((a, b) => a - b), 'progress went back within one attempt');
    assert.equal((await readFile(target)).length, 2 * MiB, 'the reported bytes are on disk');
    const reason = new Error('nobody reads it');
    controller.abort(reason);
    await assert.rejects(download, (error: unknown) => error === reason);
    emulator.faults.releaseHeld('reset');
    assert.equal(emulator.stats.requestsTo(SIGNED_GET), 1, 'a cancelled download was retried');
    // Not cancelled: the whole file, with a last report of its size.
    reports.length = 0;
    assert.equal(await remote.downloadTo(path, 'RAW', target, { onProgress: (bytes) => reports.push(bytes) }), 12 * MiB);
    assert.equal(reports.at(-1), 12 * MiB);
    assert.equal(await sha256File(target), sum);
  });

  it("a shared download: a joined caller's cancel ends only its own wait; the owner's moves the others to a new download", async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/shared.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    await remote.list(home(emulator));
    const atHold = (): { onProgress: (bytes: number) => void; reached: Promise<void> } => {
      let reached!: () => void;
      const promise = new Promise<void>((resolve) => (reached = resolve));
      return { onProgress: (bytes) => bytes >= 2 * MiB && reached(), reached: promise };
    };
    // A joined caller cancels: the owner's download goes on, once.
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 1, fault: { kind: 'hold', afterBytes: 2 * MiB } }] });
    const first = atHold();
    const owner = remote.downloadTo(path, 'RAW', join(dir, 'shared-owner'), { onProgress: first.onProgress });
    await first.reached;
    const joiner = new AbortController();
    const joined = remote.downloadTo(path, 'RAW', join(dir, 'shared-joiner'), { signal: joiner.signal });
    const reason = new Error('the joiner closed');
    joiner.abort(reason);
    await assert.rejects(joined, (error: unknown) => error === reason);
    assert.equal(emulator.faults.releaseHeld(), 1);
    assert.equal(await owner, 12 * MiB);
    assert.equal(await sha256File(join(dir, 'shared-owner')), sum);
    assert.equal(emulator.stats.requestsTo(SIGNED_GET), 1);
    // The owner cancels while a caller without a signal waits: that caller gets the whole file from a new download.
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 1, fault: { kind: 'hold', afterBytes: 2 * MiB } }] });
    const second = atHold();
    const ownerSignal = new AbortController();
    const cancelled = remote.downloadTo(path, 'RAW', join(dir, 'shared-owner-2'), { signal: ownerSignal.signal, onProgress: second.onProgress });
    await second.reached;
    const patient = remote.downloadTo(path, 'RAW', join(dir, 'shared-patient'));
    const ownerReason = new Error('the owner closed');
    ownerSignal.abort(ownerReason);
    await assert.rejects(cancelled, (error: unknown) => error === ownerReason);
    assert.equal(await patient, 12 * MiB, 'the waiting caller inherited the owner\'s cancel');
    assert.equal(await sha256File(join(dir, 'shared-patient')), sum);
    assert.equal(emulator.stats.requestsTo(SIGNED_GET), 2);
    emulator.faults.releaseHeld('reset');
  });

  it('the owner leaving while the joined callers get their copies: they still get whole files from the one download', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/shared-copy.bin`;
    await remote.upload(path, { type: 'FILE' }, { file: local, size: 12 * MiB }, { overwrite: false });
    await remote.list(home(emulator));
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: SIGNED_GET, count: 1, fault: { kind: 'hold', afterBytes: 2 * MiB } }] });
    let reached!: () => void;
    const atHold = new Promise<void>((resolve) => (reached = resolve));
    const ownerSignal = new AbortController();
    const ownerTarget = join(dir, 'copy-owner');
    const owner = remote.downloadTo(path, 'RAW', ownerTarget, { signal: ownerSignal.signal, onProgress: (bytes) => bytes >= 2 * MiB && reached() }).then(
      () => 'completed',
      (error: unknown) => error,
    );
    await atHold;
    const ownerReason = new Error('the owner closed');
    // The first joiner hears of its copy; the owner leaves right then and deletes its file, as the
    // content cache does with a cancelled download's part file.
    const first = remote.downloadTo(path, 'RAW', join(dir, 'copy-first'), {
      onProgress: (bytes) => {
        if (bytes === 12 * MiB && !ownerSignal.signal.aborted) {
          ownerSignal.abort(ownerReason);
          void rm(ownerTarget, { force: true });
        }
      },
    });
    const second = remote.downloadTo(path, 'RAW', join(dir, 'copy-second'));
    assert.equal(emulator.faults.releaseHeld(), 1);
    assert.equal(await first, 12 * MiB);
    assert.equal(await second, 12 * MiB);
    assert.equal(await owner, ownerReason, 'the owner got its own cancel');
    assert.equal(await sha256File(join(dir, 'copy-first')), sum);
    assert.equal(await sha256File(join(dir, 'copy-second')), sum);
    assert.equal(emulator.stats.requestsTo(SIGNED_GET), 1, 'no second download');
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.shared-')), [], 'the shared link is removed');
  });

  it('a cancel cuts a Retry-After wait short, and the next caller starts a download of its own at once', async () => {
    const remote = testRemote(emulator, dir);
    const path = `${home(emulator)}/backoff.txt`;
    emulator.tree.write(path, { kind: 'FILE', content: Buffer.from('after the back-off\n') });
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: EXPORT, count: 1, fault: { kind: 'error', status: 503, retryAfterSeconds: 30, transient: true } }] });
    const controller = new AbortController();
    const waiting = remote.downloadTo(path, 'RAW', join(dir, 'backoff-1'), { signal: controller.signal });
    for (let i = 0; i < 500 && emulator.stats.requestsTo(EXPORT) < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(emulator.stats.requestsTo(EXPORT), 1);
    const reason = new Error('closed during the back-off');
    controller.abort(reason);
    await assert.rejects(waiting, (error: unknown) => error === reason);
    // Resolves only with a download of its own: joining the cancelled one would reject (or wait 30 s).
    assert.equal(await remote.downloadTo(path, 'RAW', join(dir, 'backoff-2')), 19);
    assert.equal(await readFile(join(dir, 'backoff-2'), 'utf8'), 'after the back-off\n');
    assert.equal(emulator.stats.requestsTo(EXPORT), 2, 'the cancelled download tried again');
  });
});

describe('DatabricksRemote: faults cost time, not errors', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  let remote: DatabricksRemote;
  let user: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('faults');
    remote = testRemote(emulator, join(dir, 'tmp'));
    user = home(emulator);
  });
  beforeEach(() => {
    emulator.stats.reset();
    emulator.faults.clear();
  });
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  it('429 with Retry-After: 1 waits about a second, then succeeds', async () => {
    emulator.faults.set({ rules: [{ endpoint: LIST_FILES, count: 1, fault: { kind: 'error', status: 429, retryAfterSeconds: 1 } }] });
    const { ms, result } = await timed(() => remote.list(user));
    assert.ok(result.length > 5);
    assert.ok(ms >= 950, `waited ${Math.round(ms)} ms`);
    assert.ok(ms < 5000, `waited ${Math.round(ms)} ms`);
    assert.equal(emulator.stats.requestsTo(LIST_FILES), 2);
  });

  it('503s and 500s on reads are retried', async () => {
    emulator.faults.set({
      rules: [
        { endpoint: GET_STATUS, count: 2, fault: { kind: 'error', status: 503 } },
        { endpoint: OBJECT_INFO, count: 1, fault: { kind: 'error', status: 500, shape: 'html' } },
      ],
    });
    const entry = await remote.stat(`${user}/README.md`);
    assert.equal(entry.size, stored(emulator, `${user}/README.md`).length);
    assert.deepEqual(requests(emulator), { [GET_STATUS]: 3, [OBJECT_INFO]: 2 });
  });

  it('a reset or a truncated body during a download starts over and ends with the right bytes', async () => {
    const target = join(dir, 'reset.out');
    emulator.faults.set({ rules: [{ endpoint: EXPORT, count: 1, fault: { kind: 'reset', afterBytes: 20 } }] });
    await remote.downloadTo(`${user}/README.md`, 'RAW', target);
    assert.deepEqual(await readFile(target), stored(emulator, `${user}/README.md`));
    assert.equal(emulator.stats.requestsTo(EXPORT), 2);

    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: EXPORT, count: 2, fault: { kind: 'truncate', keepBytes: 30 } }] });
    await remote.downloadTo(`${user}/Getting Started`, 'SOURCE', target);
    assert.ok((await readFile(target, 'utf8')).endsWith("print(normalise_region(\"  North \"))\n"));
    assert.equal(emulator.stats.requestsTo(EXPORT), 3);
  });

  it('a reset listing is retried', async () => {
    emulator.faults.set({ rules: [{ endpoint: LIST_FILES, count: 1, fault: { kind: 'reset' } }] });
    assert.ok((await remote.list(`${user}/etl`)).length === 2);
    assert.equal(emulator.stats.requestsTo(LIST_FILES), 2);
  });

  it('a delete whose answer was lost counts as done when the retry finds nothing', async () => {
    await remote.upload(`${user}/doomed.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false });
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: DELETE, count: 1, fault: { kind: 'reset', afterBytes: 0 } }] });
    await remote.delete(`${user}/doomed.txt`, { recursive: false });
    assert.equal(emulator.stats.requestsTo(DELETE), 2);
    assert.equal(emulator.tree.find(`${user}/doomed.txt`), undefined);
  });

  it('a rename is not repeated after a 500 (it may have applied), but is after a 429', async () => {
    await remote.upload(`${user}/r1.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false });
    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: RENAME, count: 1, fault: { kind: 'error', status: 500 } }] });
    await rejectsKind(remote.rename(`${user}/r1.txt`, `${user}/r2.txt`), 'unavailable');
    assert.equal(emulator.stats.requestsTo(RENAME), 1);
    assert.notEqual(emulator.tree.find(`${user}/r1.txt`), undefined);

    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: RENAME, count: 1, fault: { kind: 'error', status: 429, retryAfterSeconds: 1 } }] });
    const { ms } = await timed(() => remote.rename(`${user}/r1.txt`, `${user}/r2.txt`));
    assert.ok(ms >= 950, `waited ${Math.round(ms)} ms`);
    assert.equal(emulator.stats.requestsTo(RENAME), 2);
    assert.notEqual(emulator.tree.find(`${user}/r2.txt`), undefined);
  });

  it('an upload without overwrite is not repeated after a 500; with overwrite it is', async () => {
    emulator.faults.set({ rules: [{ endpoint: IMPORT_FILE, count: 1, fault: { kind: 'error', status: 500 } }] });
    await rejectsKind(remote.upload(`${user}/u1.txt`, { type: 'FILE' }, { bytes: Buffer.from('x') }, { overwrite: false }), 'unavailable');
    assert.equal(emulator.stats.requestsTo(IMPORT_FILE), 1);

    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: IMPORT_FILE, count: 1, fault: { kind: 'error', status: 500 } }] });
    await remote.upload(`${user}/u1.txt`, { type: 'FILE' }, { bytes: Buffer.from('y') }, { overwrite: true });
    assert.equal(emulator.stats.requestsTo(IMPORT_FILE), 2);
    assert.equal(stored(emulator, `${user}/u1.txt`).toString(), 'y');

    emulator.stats.reset();
    emulator.faults.set({ rules: [{ endpoint: IMPORT_FILE, count: 1, fault: { kind: 'error', status: 503 } }] });
    await remote.upload(`${user}/u2.txt`, { type: 'FILE' }, { bytes: Buffer.from('z') }, { overwrite: false });
    assert.equal(emulator.stats.requestsTo(IMPORT_FILE), 2, 'a 503 certainly did not apply');
  });

  it('permanent errors surface at once, whatever their shape', async () => {
    emulator.faults.set({ rules: [{ endpoint: LIST_FILES, count: 1, fault: { kind: 'error', status: 404, shape: 'api12', errorCode: 'RESOURCE_DOES_NOT_EXIST' } }] });
    await rejectsKind(remote.list(`${user}/etl`), 'not-found');
    assert.equal(emulator.stats.requestsTo(LIST_FILES), 1);
  });

  it('a request that stops making progress is abandoned after the inactivity deadline and retried', async () => {
    const impatient = testRemote(emulator, join(dir, 'tmp'), { idleTimeoutMs: 300 });
    emulator.faults.set({ rules: [{ endpoint: GET_STATUS, count: 1, fault: { kind: 'latency', ms: 2000 } }] });
    const { ms, result } = await timed(() => impatient.stat(`${user}/etl`));
    assert.equal(result.type, 'DIRECTORY');
    assert.ok(ms >= 290 && ms < 1500, `took ${Math.round(ms)} ms`);
    assert.equal(emulator.stats.requestsTo(GET_STATUS), 2);
  });

  it('a request whose signal is already aborted is not sent and leaves no idle timer running', async () => {
    const transport = new HttpTransport(createRemoteConfig({ host: emulator.host, token: emulator.token, authType: 'pat', env: {} }), { limiter: new RequestLimiter(), idleTimeoutMs: 600_000 });
    const timers = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const reason = new Error('cancelled before it started');
    controller.abort(reason);
    for (let i = 0; i < 3; i++) {
      await assert.rejects(
        transport.exchange({ method: 'GET', path: '/api/2.0/workspace/get-status', query: { path: user }, signal: controller.signal }, () => Promise.resolve()),
        (error: unknown) => error === reason,
      );
    }
    assert.equal(timers(), before, 'an idle timer outlived its cancelled attempt');
    assert.equal(emulator.stats.requestsTo(GET_STATUS), 0);
  });

  it('an unreachable workspace is a network error after bounded retries', async () => {
    const closed = await startEmulator();
    const endpoint = { host: closed.host, token: closed.token };
    await closed.stop();
    const { ms } = await timed(() => rejectsKind(testRemote(endpoint, dir).list('/'), 'network', /ECONNREFUSED/));
    assert.ok(ms < 5000, `gave up after ${Math.round(ms)} ms`);
  });
});

describe('DatabricksRemote: configuration and authentication through the SDK', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    dir = await tempFolder('auth');
  });
  after(async () => {
    await emulator.stop();
    await removeFolder(dir);
  });

  it('a profile of a config file (configFile + profile)', async () => {
    const file = join(dir, 'databrickscfg');
    await writeFile(file, `[DEFAULT]\nhost = https://wrong.cloud.databricks.com\ntoken = nope\n\n[emulator]\nhost = ${emulator.host}\ntoken = ${emulator.token}\n`);
    const remote = testRemote(emulator, dir, { settings: { profile: 'emulator', configFile: file, env: {} } });
    assert.equal((await remote.currentUser()).userName, emulator.userName);
    const missing = testRemote(emulator, dir, { settings: { profile: 'absent', configFile: file, env: {} } });
    await rejectsKind(missing.currentUser(), 'invalid', /absent/);
  });

  it('DATABRICKS_* variables through the env option', async () => {
    const remote = testRemote(emulator, dir, { settings: { env: { DATABRICKS_HOST: emulator.host, DATABRICKS_TOKEN: emulator.token } } });
    assert.equal((await remote.currentUser()).userName, emulator.userName);
    const wrong = testRemote(emulator, dir, { settings: { env: { DATABRICKS_HOST: emulator.host, DATABRICKS_TOKEN: 'dapi-bad' } } });
    await rejectsKind(wrong.currentUser(), 'unauthenticated');
  });

  it('auth_type=databricks-cli runs the CLI for a token (a fake CLI here)', async () => {
    const cli = join(dir, 'databricks');
    const log = join(dir, 'cli.log');
    await writeFakeDatabricksCli(cli, emulator.token, log);
    const remote = testRemote(emulator, dir, { settings: { host: emulator.host, authType: 'databricks-cli', databricksCliPath: cli, env: {} } });
    assert.equal((await remote.currentUser()).userName, emulator.userName);
    assert.ok((await remote.list(home(emulator))).length > 5);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    assert.ok(calls.includes('version'), calls.join(' | '));
    assert.ok(calls.includes(`auth token --host ${emulator.host}`), calls.join(' | '));
    assert.ok(calls.every((call) => !call.includes(emulator.token)), 'the token is never on the CLI argv');

    const failing = join(dir, 'databricks-broken');
    await writeFile(failing, '#!/bin/sh\ncase "$1" in version) echo "Databricks CLI v0.250.0" ;; *) echo "not logged in" >&2; exit 1 ;; esac\n');
    await chmod(failing, 0o755);
    const broken = testRemote(emulator, dir, { settings: { host: emulator.host, authType: 'databricks-cli', databricksCliPath: failing, env: {} } });
    await rejectsKind(broken.currentUser(), 'unauthenticated', /databricks-cli/);
  });

  it('a redirect (a login page in front of the workspace) is not followed and says to check the host', async () => {
    let hits = 0;
    const portal = createServer((_req, res) => {
      hits++;
      res.writeHead(302, { location: `${emulator.host}/api/2.0/preview/scim/v2/Me` }).end();
    });
    await new Promise<void>((resolve) => portal.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = portal.address() as AddressInfo;
      const remote = testRemote({ host: `http://127.0.0.1:${port}`, token: emulator.token }, dir);
      await rejectsKind(remote.currentUser(), 'invalid', /redirect.*check that the host/);
      assert.equal(hits, 1, 'not retried, not followed');
    } finally {
      await new Promise((resolve) => portal.close(resolve));
    }
  });

  it('a malformed host is refused with the fix, whether given or from the environment', async () => {
    assert.throws(
      () => createRemoteConfig({ host: 'https://my workspace.cloud.databricks.com', token: 't' }),
      (error: unknown) => error instanceof RemoteError && error.kind === 'invalid' && /"https:\/\/my workspace\.cloud\.databricks\.com"/.test(error.message),
    );
    const fromEnv = testRemote(emulator, dir, { settings: { env: { DATABRICKS_HOST: 'https://bad host', DATABRICKS_TOKEN: 't' }, configFile: join(dir, 'none') } });
    await rejectsKind(fromEnv.currentUser(), 'invalid', /expected https:\/\/<workspace>\.cloud\.databricks\.com/);
  });
});
