// Contract suite, part 1: the public workspace API (`/api/2.0/workspace/*`, current user, auth,
// limits) driven through the official SDK's WorkspaceClient against the emulator, asserting what
// ../shared/reference/databricks-workspace-api.md says the service does. Raw HTTP appears only
// where the SDK cannot go (direct_download, multipart import, a missing token, exact bodies); the
// workspace-files endpoints and rename live in workspace-files-contract.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, type WorkspaceClient, type workspace } from '@databricks/sdk-experimental';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { api, EXTENSIONS, HEADERS, home, LANGUAGES, postJson, sdkClient, startEmulator } from '../support/emulator-fixture';

const MiB = 1024 * 1024;
const JSON_LIMIT = 10 * MiB;

const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64');

/** Drains an SDK list, failing instead of looping forever if it never ends. */
async function collect<T>(items: AsyncIterable<T>, max = 10_000): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    assert.ok(out.length <= max, `listing yielded more than ${max} items`);
  }
  return out;
}

/** Asserts that `promise` rejects with the SDK's ApiError carrying these fields. */
async function rejectsWith(
  promise: Promise<unknown>,
  expected: { statusCode: number; errorCode: string | number; message?: string | RegExp },
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.equal(error.statusCode, expected.statusCode);
    assert.equal(error.errorCode, expected.errorCode);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message);
    else if (expected.message !== undefined) assert.match(error.message, expected.message);
    return true;
  });
}

/** A fresh, empty folder under the user's home, so tests in a describe do not see each other. */
async function freshDir(emulator: WorkspaceEmulator, w: WorkspaceClient, name: string): Promise<string> {
  const dir = `${home(emulator)}/${name}`;
  await w.workspace.mkdirs({ path: dir });
  return dir;
}

/** Creates a FILE with exactly these bytes (AUTO import of a name without a notebook extension). */
async function putFile(w: WorkspaceClient, path: string, content: string | Buffer, overwrite = false): Promise<void> {
  await w.workspace.import({ path, content: b64(content), format: 'AUTO', overwrite });
}

async function putNotebook(w: WorkspaceClient, path: string, language: workspace.Language, source: string): Promise<void> {
  await w.workspace.import({ path, content: b64(source), format: 'SOURCE', language });
}

async function exported(w: WorkspaceClient, path: string, format?: workspace.ExportFormat): Promise<{ bytes: Buffer; fileType?: string }> {
  const response = await w.workspace.export(format === undefined ? { path } : { path, format });
  assert.equal(typeof response.content, 'string');
  return { bytes: Buffer.from(response.content!, 'base64'), fileType: response.file_type };
}

/** `export?direct_download=true` as raw bytes (the SDK's export cannot ask for it). */
async function directDownload(emulator: WorkspaceEmulator, path: string, format = 'SOURCE'): Promise<Response> {
  const query = new URLSearchParams({ path, format, direct_download: 'true' });
  return api(emulator, 'GET', `/api/2.0/workspace/export?${query}`);
}

/** get-status with `return_export_info=true`, through the SDK's generic client. */
async function statusWithExportInfo(w: WorkspaceClient, path: string): Promise<workspace.ObjectInfo & { repos_export_format?: string }> {
  return (await w.apiClient.request({
    path: '/api/2.0/workspace/get-status',
    method: 'GET',
    headers: new Headers(),
    query: { path, return_export_info: true } as unknown as Record<string, string>,
    raw: false,
  })) as workspace.ObjectInfo & { repos_export_format?: string };
}

const JUPYTER_NOTEBOOK = `${JSON.stringify(
  {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'Some text'] },
      { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['x = 41\n', 'print(x + 1)'] },
    ],
    metadata: { language_info: { name: 'python' }, kernelspec: { name: 'python3', display_name: 'Python 3' } },
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  2,
)}\n`;

describe('workspace/list', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('lists every child of a folder with the ObjectInfo fields and no size', async () => {
    const dir = await freshDir(emulator, w, 'list-all');
    await putFile(w, `${dir}/data.csv`, 'a,b\n1,2\n');
    await putNotebook(w, `${dir}/Analysis`, 'SQL', 'SELECT 1');
    await w.workspace.mkdirs({ path: `${dir}/sub` });

    const objects = await collect(w.workspace.list({ path: dir }));
    const byPath = new Map(objects.map((info) => [info.path, info]));
    assert.deepEqual([...byPath.keys()].sort(), [`${dir}/Analysis`, `${dir}/data.csv`, `${dir}/sub`]);

    const file = byPath.get(`${dir}/data.csv`)!;
    const notebook = byPath.get(`${dir}/Analysis`)!;
    const folder = byPath.get(`${dir}/sub`)!;
    assert.equal(file.object_type, 'FILE');
    assert.equal(notebook.object_type, 'NOTEBOOK');
    assert.equal(folder.object_type, 'DIRECTORY');
    assert.equal(notebook.language, 'SQL');
    assert.equal(file.language, undefined);
    for (const info of objects) {
      assert.equal(typeof info.object_id, 'number', `object_id of ${info.path}`);
      assert.ok(Number.isSafeInteger(info.object_id) && info.object_id! > 0);
      assert.equal(typeof info.resource_id, 'string', `resource_id of ${info.path}`);
      assert.ok(info.resource_id!.length > 0);
      assert.equal('size' in info, false, `size must be absent by default (${info.path})`);
    }
    assert.equal(new Set(objects.map((info) => info.object_id)).size, 3, 'object ids are unique');
    for (const info of [file, notebook]) {
      assert.equal(typeof info.created_at, 'number', `created_at of ${info.path}`);
      assert.equal(typeof info.modified_at, 'number', `modified_at of ${info.path}`);
      assert.ok(info.modified_at! >= info.created_at!);
    }
  });

  it('yields nothing for an empty folder, whose raw body has no `objects` key', async () => {
    const dir = await freshDir(emulator, w, 'list-empty');
    assert.deepEqual(await collect(w.workspace.list({ path: dir })), []);
    const response = await api(emulator, 'GET', `/api/2.0/workspace/list?${new URLSearchParams({ path: dir })}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal('objects' in body, false);
  });

  it('lists a file or notebook as a one-element list holding itself', async () => {
    const dir = await freshDir(emulator, w, 'list-self');
    await putFile(w, `${dir}/only.txt`, 'x');
    await putNotebook(w, `${dir}/nb`, 'PYTHON', 'x = 1');
    const [fileSelf, ...fileRest] = await collect(w.workspace.list({ path: `${dir}/only.txt` }));
    assert.equal(fileRest.length, 0);
    assert.equal(fileSelf?.path, `${dir}/only.txt`);
    assert.equal(fileSelf?.object_type, 'FILE');
    const notebookSelf = await collect(w.workspace.list({ path: `${dir}/nb` }));
    assert.deepEqual(notebookSelf.map((info) => [info.path, info.object_type]), [[`${dir}/nb`, 'NOTEBOOK']]);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    const missing = `${home(emulator)}/no-such-folder`;
    await rejectsWith(collect(w.workspace.list({ path: missing })), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Path (${missing}) doesn't exist.`,
    });
  });

  it('filters notebooks by notebooks_modified_after but keeps files and folders', async () => {
    const dir = await freshDir(emulator, w, 'list-modified-after');
    await putNotebook(w, `${dir}/nb`, 'PYTHON', 'x = 1');
    await putFile(w, `${dir}/f.txt`, 'f');
    const notebook = await w.workspace.getStatus({ path: `${dir}/nb` });
    const listed = await collect(w.workspace.list({ path: dir, notebooks_modified_after: notebook.modified_at! }));
    assert.deepEqual(listed.map((info) => info.path), [`${dir}/f.txt`]);
    const all = await collect(w.workspace.list({ path: dir, notebooks_modified_after: notebook.modified_at! - 1 }));
    assert.equal(all.length, 2);
  });
});

describe('workspace/list and get-status with includeSize', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator({ includeSize: true });
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('reports size for files and notebooks', async () => {
    const dir = await freshDir(emulator, w, 'sized');
    await putFile(w, `${dir}/seven.bin`, Buffer.from([0, 1, 2, 3, 4, 5, 255]));
    await putNotebook(w, `${dir}/nb`, 'PYTHON', `${HEADERS.PYTHON}\nx = 1\n`);
    const objects = await collect(w.workspace.list({ path: dir }));
    const file = objects.find((info) => info.path === `${dir}/seven.bin`);
    const notebook = objects.find((info) => info.path === `${dir}/nb`);
    assert.equal(file?.size, 7);
    assert.equal(typeof notebook?.size, 'number');
    assert.equal((await w.workspace.getStatus({ path: `${dir}/seven.bin` })).size, 7);
  });
});

describe('workspace/get-status', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
    dir = await freshDir(emulator, w, 'status');
    await putFile(w, `${dir}/file.txt`, 'hello');
    await putNotebook(w, `${dir}/Source NB`, 'SCALA', 'println(1)');
    await w.workspace.import({ path: `${dir}/Jupyter NB`, content: b64(JUPYTER_NOTEBOOK), format: 'JUPYTER' });
  });
  after(() => emulator.stop());

  it('returns a bare ObjectInfo for a file, a notebook and a folder', async () => {
    const file = await w.workspace.getStatus({ path: `${dir}/file.txt` });
    assert.equal(file.path, `${dir}/file.txt`);
    assert.equal(file.object_type, 'FILE');
    assert.equal(typeof file.object_id, 'number');
    assert.equal(typeof file.resource_id, 'string');
    assert.equal(typeof file.created_at, 'number');
    assert.equal(typeof file.modified_at, 'number');
    assert.equal('size' in file, false);
    assert.equal('objects' in file, false, 'not wrapped in a list');
    assert.equal('repos_export_format' in file, false);

    const notebook = await w.workspace.getStatus({ path: `${dir}/Source NB` });
    assert.equal(notebook.object_type, 'NOTEBOOK');
    assert.equal(notebook.language, 'SCALA');
    assert.equal('repos_export_format' in notebook, false, 'only with return_export_info');

    const folder = await w.workspace.getStatus({ path: dir });
    assert.equal(folder.object_type, 'DIRECTORY');
    assert.equal(folder.path, dir);
  });

  it('gives repos_export_format SOURCE or JUPYTER with return_export_info=true', async () => {
    assert.equal((await statusWithExportInfo(w, `${dir}/Source NB`)).repos_export_format, 'SOURCE');
    const jupyter = await statusWithExportInfo(w, `${dir}/Jupyter NB`);
    assert.equal(jupyter.repos_export_format, 'JUPYTER');
    assert.equal(jupyter.object_type, 'NOTEBOOK');
    assert.equal(jupyter.language, 'PYTHON');
  });

  it('accepts a /Workspace prefix and echoes it back', async () => {
    const plain = await w.workspace.getStatus({ path: `${dir}/file.txt` });
    const prefixed = await w.workspace.getStatus({ path: `/Workspace${dir}/file.txt` });
    assert.equal(prefixed.path, `/Workspace${dir}/file.txt`);
    assert.equal(prefixed.object_id, plain.object_id);
    await putFile(w, `/Workspace${dir}/via-prefix.txt`, 'p');
    assert.equal((await w.workspace.getStatus({ path: `${dir}/via-prefix.txt` })).object_type, 'FILE', 'the same tree');
    await rejectsWith(w.workspace.getStatus({ path: `/Workspace${dir}/missing` }), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Path (/Workspace${dir}/missing) doesn't exist.`,
    });
    const listed = await collect(w.workspace.list({ path: `/Workspace${dir}` }));
    assert.ok(listed.length > 0);
    for (const info of listed) assert.ok(info.path!.startsWith(`/Workspace${dir}/`), info.path);
  });

  it('collapses duplicate slashes', async () => {
    const doubled = `/${dir.split('/').filter(Boolean).join('//')}//file.txt`;
    assert.ok(doubled.includes('//'));
    const info = await w.workspace.getStatus({ path: doubled });
    assert.equal(info.path, `${dir}/file.txt`);
    assert.equal(info.object_type, 'FILE');
  });

  it('handles spaces and plus signs in paths (the SDK sends spaces as `+`)', async () => {
    const path = `${dir}/my file + more ü.txt`;
    await putFile(w, path, 'spaced');
    const info = await w.workspace.getStatus({ path });
    assert.equal(info.path, path);
    assert.deepEqual((await exported(w, path)).bytes, Buffer.from('spaced'));
    const listed = await collect(w.workspace.list({ path: dir }));
    assert.ok(listed.some((entry) => entry.path === path));
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/my+file+++more+ü.txt` }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/missing` }), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Path (${dir}/missing) doesn't exist.`,
    });
  });
});

describe('workspace/export', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
    dir = await freshDir(emulator, w, 'export');
  });
  after(() => emulator.stop());

  for (const language of LANGUAGES) {
    it(`starts a SOURCE export of a ${language} notebook with its header, even if imported without it`, async () => {
      const body = `value = 1\n`;
      await putNotebook(w, `${dir}/bare-${language}`, language, body);
      const bare = await exported(w, `${dir}/bare-${language}`, 'SOURCE');
      assert.equal(bare.bytes.toString('utf8'), `${HEADERS[language]}\n${body}`);
      assert.equal(bare.fileType, EXTENSIONS[language].slice(1));

      const withHeader = `${HEADERS[language]}\n${body}`;
      await putNotebook(w, `${dir}/headed-${language}`, language, withHeader);
      assert.equal((await exported(w, `${dir}/headed-${language}`, 'SOURCE')).bytes.toString('utf8'), withHeader);
      assert.equal((await exported(w, `${dir}/headed-${language}`)).bytes.toString('utf8'), withHeader, 'SOURCE is the default');
    });
  }

  it('returns the bytes of a FILE unchanged with SOURCE and AUTO', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x10, 0x0a, 0x0d, 0x80, 0x41]);
    await putFile(w, `${dir}/blob.bin`, bytes);
    assert.deepEqual((await exported(w, `${dir}/blob.bin`, 'SOURCE')).bytes, bytes);
    assert.deepEqual((await exported(w, `${dir}/blob.bin`, 'AUTO')).bytes, bytes);
    assert.deepEqual((await exported(w, `${dir}/blob.bin`)).bytes, bytes);
    const script = 'print("not a notebook")\n';
    await putFile(w, `${dir}/script.py`, script);
    assert.equal((await exported(w, `${dir}/script.py`, 'SOURCE')).bytes.toString('utf8'), script, 'no header added to a FILE');
  });

  it('round-trips a JUPYTER import byte-identically and converts it to SOURCE', async () => {
    await w.workspace.import({ path: `${dir}/Jupyter`, content: b64(JUPYTER_NOTEBOOK), format: 'JUPYTER' });
    const info = await w.workspace.getStatus({ path: `${dir}/Jupyter` });
    assert.equal(info.object_type, 'NOTEBOOK');
    assert.equal(info.language, 'PYTHON');

    const jupyter = await exported(w, `${dir}/Jupyter`, 'JUPYTER');
    assert.equal(jupyter.bytes.toString('utf8'), JUPYTER_NOTEBOOK);
    assert.equal(jupyter.fileType, 'ipynb');

    const source = (await exported(w, `${dir}/Jupyter`, 'SOURCE')).bytes.toString('utf8');
    assert.ok(source.startsWith(`${HEADERS.PYTHON}\n`), source);
    assert.match(source, /x = 41\nprint\(x \+ 1\)/);
    assert.match(source, /# COMMAND ----------/);

    const auto = await exported(w, `${dir}/Jupyter`, 'AUTO');
    assert.equal(auto.fileType, 'ipynb');
    assert.equal(auto.bytes.toString('utf8'), JUPYTER_NOTEBOOK);
  });

  it('exports a SOURCE notebook as JUPYTER JSON and as source with AUTO', async () => {
    await putNotebook(w, `${dir}/AsJupyter`, 'SQL', `${HEADERS.SQL}\nSELECT 1\n`);
    const jupyter = JSON.parse((await exported(w, `${dir}/AsJupyter`, 'JUPYTER')).bytes.toString('utf8')) as {
      nbformat: number;
      cells: unknown[];
      metadata: { language_info: { name: string } };
    };
    assert.equal(jupyter.nbformat, 4);
    assert.equal(jupyter.metadata.language_info.name, 'sql');
    assert.ok(jupyter.cells.length >= 1);
    const auto = await exported(w, `${dir}/AsJupyter`, 'AUTO');
    assert.equal(auto.fileType, 'sql');
    assert.equal(auto.bytes.toString('utf8'), `${HEADERS.SQL}\nSELECT 1\n`);
  });

  it('exports a folder as a zip archive: notebooks only with SOURCE, files too with AUTO', async () => {
    const folder = `${dir}/zipped`;
    await w.workspace.mkdirs({ path: folder });
    await putNotebook(w, `${folder}/nb`, 'PYTHON', 'x = 1');
    await putFile(w, `${folder}/attached-data.csv`, 'a,b\n');
    const source = await exported(w, folder, 'SOURCE');
    assert.equal(source.bytes.subarray(0, 2).toString('latin1'), 'PK');
    assert.ok(source.bytes.includes(Buffer.from('nb.py')), 'the notebook is in the archive under its source name');
    assert.equal(source.bytes.includes(Buffer.from('attached-data.csv')), false, 'SOURCE omits non-notebooks');
    const auto = await exported(w, folder, 'AUTO');
    assert.equal(auto.bytes.subarray(0, 2).toString('latin1'), 'PK');
    assert.ok(auto.bytes.includes(Buffer.from('nb.py')));
    assert.ok(auto.bytes.includes(Buffer.from('attached-data.csv')), 'AUTO includes files');
  });

  it('returns raw bytes with direct_download=true', async () => {
    const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b, 0x7d]);
    await putFile(w, `${dir}/raw.bin`, bytes);
    const response = await directDownload(emulator, `${dir}/raw.bin`);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);

    await putNotebook(w, `${dir}/rawnb`, 'SCALA', 'val x = 1\n');
    const notebook = await directDownload(emulator, `${dir}/rawnb`);
    assert.equal(notebook.status, 200);
    assert.equal(await notebook.text(), `${HEADERS.SCALA}\nval x = 1\n`);
  });

  it('refuses a JSON export over 10 MiB with 400 MAX_NOTEBOOK_SIZE_EXCEEDED, but streams it with direct_download', async () => {
    const size = JSON_LIMIT + 1;
    emulator.tree.write(`${dir}/huge.bin`, { kind: 'FILE', content: Buffer.alloc(size, 0x61) });
    await rejectsWith(w.workspace.export({ path: `${dir}/huge.bin`, format: 'AUTO' }), {
      statusCode: 400,
      errorCode: 'MAX_NOTEBOOK_SIZE_EXCEEDED',
      message: `File size imported is (${size} bytes), exceeded max size (10485760 bytes)`,
    });
    const direct = await directDownload(emulator, `${dir}/huge.bin`, 'AUTO');
    assert.equal(direct.status, 200);
    assert.equal((await direct.arrayBuffer()).byteLength, size);
  });

  it('answers 400 INVALID_PARAMETER_VALUE for an unknown format', async () => {
    await putFile(w, `${dir}/fmt.txt`, 'x');
    await rejectsWith(w.workspace.export({ path: `${dir}/fmt.txt`, format: 'SPREADSHEET' as workspace.ExportFormat }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await rejectsWith(w.workspace.export({ path: `${dir}/fmt.txt`, format: 'source' as workspace.ExportFormat }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    await rejectsWith(w.workspace.export({ path: `${dir}/missing`, format: 'SOURCE' }), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Path (${dir}/missing) doesn't exist.`,
    });
  });
});

describe('workspace/import', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
    dir = await freshDir(emulator, w, 'import');
  });
  after(() => emulator.stop());

  it('creates a notebook at the verbatim path with SOURCE + language', async () => {
    await putNotebook(w, `${dir}/kept.py`, 'PYTHON', `${HEADERS.PYTHON}\nx = 1\n`);
    const info = await w.workspace.getStatus({ path: `${dir}/kept.py` });
    assert.equal(info.object_type, 'NOTEBOOK');
    assert.equal(info.language, 'PYTHON');
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/kept` }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  for (const language of LANGUAGES) {
    const extension = EXTENSIONS[language];
    it(`turns an AUTO x${extension} starting with the header into notebook x (${language})`, async () => {
      const source = `${HEADERS[language]}\nbody\n`;
      await w.workspace.import({ path: `${dir}/auto-${language}${extension}`, content: b64(source), format: 'AUTO' });
      const info = await w.workspace.getStatus({ path: `${dir}/auto-${language}` });
      assert.equal(info.object_type, 'NOTEBOOK');
      assert.equal(info.language, language);
      assert.equal(info.path, `${dir}/auto-${language}`);
      await rejectsWith(w.workspace.getStatus({ path: `${dir}/auto-${language}${extension}` }), {
        statusCode: 404,
        errorCode: 'RESOURCE_DOES_NOT_EXIST',
      });
      assert.equal((await exported(w, `${dir}/auto-${language}`)).bytes.toString('utf8'), source);
    });
  }

  it('keeps an AUTO x.py without the header as FILE x.py', async () => {
    const text = '# just a comment\nprint(1)\n';
    await w.workspace.import({ path: `${dir}/plain.py`, content: b64(text), format: 'AUTO' });
    const info = await w.workspace.getStatus({ path: `${dir}/plain.py` });
    assert.equal(info.object_type, 'FILE');
    assert.equal(info.language, undefined);
    assert.equal((await exported(w, `${dir}/plain.py`)).bytes.toString('utf8'), text);
    // The header of another language does not count either.
    await w.workspace.import({ path: `${dir}/wrong.sql`, content: b64(`${HEADERS.PYTHON}\nSELECT 1\n`), format: 'AUTO' });
    assert.equal((await w.workspace.getStatus({ path: `${dir}/wrong.sql` })).object_type, 'FILE');
  });

  it('refuses to replace an existing object without overwrite: 400 RESOURCE_ALREADY_EXISTS', async () => {
    await putFile(w, `${dir}/taken.txt`, 'first');
    await rejectsWith(putFile(w, `${dir}/taken.txt`, 'second'), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    assert.equal((await exported(w, `${dir}/taken.txt`)).bytes.toString('utf8'), 'first');

    await putNotebook(w, `${dir}/taken-nb`, 'PYTHON', 'a = 1');
    await rejectsWith(putNotebook(w, `${dir}/taken-nb`, 'PYTHON', 'b = 2'), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    await w.workspace.mkdirs({ path: `${dir}/taken-dir` });
    await rejectsWith(putFile(w, `${dir}/taken-dir`, 'x', true), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
  });

  it('replaces with overwrite, keeping the object id and advancing modified_at', async () => {
    await putNotebook(w, `${dir}/replaced`, 'PYTHON', 'v = 1');
    const before = await w.workspace.getStatus({ path: `${dir}/replaced` });
    await w.workspace.import({ path: `${dir}/replaced`, content: b64('v = 2'), format: 'SOURCE', language: 'PYTHON', overwrite: true });
    const after = await w.workspace.getStatus({ path: `${dir}/replaced` });
    assert.equal(after.object_id, before.object_id);
    assert.equal(after.created_at, before.created_at);
    assert.ok(after.modified_at! > before.modified_at!, `${after.modified_at} > ${before.modified_at}`);
    assert.equal((await exported(w, `${dir}/replaced`)).bytes.toString('utf8'), `${HEADERS.PYTHON}\nv = 2`);

    await putFile(w, `${dir}/replaced.txt`, 'one');
    const fileBefore = await w.workspace.getStatus({ path: `${dir}/replaced.txt` });
    await putFile(w, `${dir}/replaced.txt`, 'two', true);
    const fileAfter = await w.workspace.getStatus({ path: `${dir}/replaced.txt` });
    assert.equal(fileAfter.object_id, fileBefore.object_id);
    assert.ok(fileAfter.modified_at! > fileBefore.modified_at!);
    assert.equal((await exported(w, `${dir}/replaced.txt`)).bytes.toString('utf8'), 'two');
  });

  it('does not create parents: 404 RESOURCE_DOES_NOT_EXIST naming the parent', async () => {
    const parent = `${dir}/no/such`;
    await rejectsWith(putFile(w, `${parent}/x.txt`, 'x'), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `The parent folder (${parent}) does not exist.`,
    });
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/no` }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('refuses JSON content over 10 MiB with 400 MAX_NOTEBOOK_SIZE_EXCEEDED', async () => {
    const size = JSON_LIMIT + 1;
    await rejectsWith(putFile(w, `${dir}/too-big.bin`, Buffer.alloc(size, 0x62)), {
      statusCode: 400,
      errorCode: 'MAX_NOTEBOOK_SIZE_EXCEEDED',
      message: `File size imported is (${size} bytes), exceeded max size (10485760 bytes)`,
    });
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/too-big.bin` }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await putFile(w, `${dir}/just-fits.bin`, Buffer.alloc(JSON_LIMIT, 0x62));
    assert.equal((await w.workspace.getStatus({ path: `${dir}/just-fits.bin` })).object_type, 'FILE');
  });

  it('answers 400 INVALID_PARAMETER_VALUE for invalid base64 and malformed requests', async () => {
    await rejectsWith(w.workspace.import({ path: `${dir}/bad64.txt`, content: '%%% not base64 %%%', format: 'AUTO' }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await rejectsWith(w.workspace.import({ path: `${dir}/bad.ipynb`, content: b64('not json'), format: 'JUPYTER' }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await rejectsWith(w.workspace.import({ path: `${dir}/badfmt`, content: b64('x'), format: 'WORD' as workspace.ImportFormat }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    await rejectsWith(w.workspace.import({ path: `${dir}/badlang`, content: b64('x'), format: 'SOURCE', language: 'COBOL' as workspace.Language }), {
      statusCode: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    const malformed = await api(emulator, 'POST', '/api/2.0/workspace/import', {
      body: '{"path": "/Users/x", "content": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    const noPath = await postJson(emulator, '/api/2.0/workspace/import', { content: b64('x'), format: 'AUTO' });
    assert.equal(noPath.status, 400);
    assert.equal(noPath.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.deepEqual(
      (await collect(w.workspace.list({ path: dir }))).filter((info) => /bad/.test(info.path!)),
      [],
      'nothing was created by a refused import',
    );
  });

  it('accepts multipart/form-data with a `content` file part', async () => {
    const form = new FormData();
    form.append('path', `${dir}/Multipart NB`);
    form.append('format', 'SOURCE');
    form.append('language', 'SQL');
    form.append('overwrite', 'false');
    form.append('content', new Blob([Buffer.from('SELECT 42\n')]), 'nb.sql');
    const response = await fetch(`${emulator.host}/api/2.0/workspace/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.token}` },
      body: form,
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.deepEqual(await response.json(), {});
    const info = await w.workspace.getStatus({ path: `${dir}/Multipart NB` });
    assert.equal(info.object_type, 'NOTEBOOK');
    assert.equal(info.language, 'SQL');
    assert.equal((await exported(w, `${dir}/Multipart NB`)).bytes.toString('utf8'), `${HEADERS.SQL}\nSELECT 42\n`);
  });

  it('accepts a 12 MiB AUTO file through multipart (beyond the JSON limit) and honours overwrite', async () => {
    const size = 12 * MiB;
    const content = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) content[i] = (i / 4096) % 251;
    const upload = async (overwrite: boolean): Promise<Response> => {
      const form = new FormData();
      form.append('path', `${dir}/big.bin`);
      form.append('format', 'AUTO');
      form.append('overwrite', String(overwrite));
      form.append('content', new Blob([content]), 'big.bin');
      return fetch(`${emulator.host}/api/2.0/workspace/import`, {
        method: 'POST',
        headers: { authorization: `Bearer ${emulator.token}` },
        body: form,
      });
    };
    const created = await upload(false);
    assert.equal(created.status, 200, await created.clone().text());
    const info = await w.workspace.getStatus({ path: `${dir}/big.bin` });
    assert.equal(info.object_type, 'FILE');
    const download = await directDownload(emulator, `${dir}/big.bin`, 'AUTO');
    assert.equal(download.status, 200);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(content), 'the stored bytes are the uploaded bytes');

    const refused = await upload(false);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error_code: string }).error_code, 'RESOURCE_ALREADY_EXISTS');
    assert.equal((await upload(true)).status, 200);
  });
});

describe('workspace/mkdirs', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('creates every missing parent (mkdir -p) and accepts an existing folder', async () => {
    const base = `${home(emulator)}/mk`;
    assert.deepEqual(await w.workspace.mkdirs({ path: `${base}/a/b/c` }), {});
    for (const path of [base, `${base}/a`, `${base}/a/b`, `${base}/a/b/c`]) {
      assert.equal((await w.workspace.getStatus({ path })).object_type, 'DIRECTORY', path);
    }
    const before = await w.workspace.getStatus({ path: `${base}/a/b` });
    await putFile(w, `${base}/a/b/keep.txt`, 'kept');
    await w.workspace.mkdirs({ path: `${base}/a/b` });
    const after = await w.workspace.getStatus({ path: `${base}/a/b` });
    assert.equal(after.object_id, before.object_id, 'an existing folder is left alone');
    assert.equal((await exported(w, `${base}/a/b/keep.txt`)).bytes.toString('utf8'), 'kept');
  });

  it('answers 400 RESOURCE_ALREADY_EXISTS when a file is at the path or on the way', async () => {
    const base = `${home(emulator)}/mk-blocked`;
    await w.workspace.mkdirs({ path: base });
    await putFile(w, `${base}/file`, 'x');
    await putNotebook(w, `${base}/nb`, 'R', 'x <- 1');
    await rejectsWith(w.workspace.mkdirs({ path: `${base}/file` }), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    await rejectsWith(w.workspace.mkdirs({ path: `${base}/file/sub/deeper` }), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    await rejectsWith(w.workspace.mkdirs({ path: `${base}/nb/sub` }), { statusCode: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
    assert.equal((await w.workspace.getStatus({ path: `${base}/file` })).object_type, 'FILE');
  });
});

describe('workspace/delete', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    const missing = `${home(emulator)}/gone`;
    await rejectsWith(w.workspace.delete({ path: missing }), {
      statusCode: 404,
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: `Path (${missing}) doesn't exist.`,
    });
  });

  it('deletes files, notebooks and empty folders', async () => {
    const dir = await freshDir(emulator, w, 'del-simple');
    await putFile(w, `${dir}/f.txt`, 'x');
    await putNotebook(w, `${dir}/nb`, 'PYTHON', 'x');
    await w.workspace.mkdirs({ path: `${dir}/empty` });
    for (const path of [`${dir}/f.txt`, `${dir}/nb`, `${dir}/empty`]) {
      assert.deepEqual(await w.workspace.delete({ path }), {});
      await rejectsWith(w.workspace.getStatus({ path }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    }
    assert.deepEqual(await collect(w.workspace.list({ path: dir })), []);
  });

  it('refuses a non-empty folder without recursive: 400 DIRECTORY_NOT_EMPTY', async () => {
    const dir = await freshDir(emulator, w, 'del-full');
    await putFile(w, `${dir}/f.txt`, 'x');
    await rejectsWith(w.workspace.delete({ path: dir }), {
      statusCode: 400,
      errorCode: 'DIRECTORY_NOT_EMPTY',
      message: `Folder (${dir}) is not empty`,
    });
    await rejectsWith(w.workspace.delete({ path: dir, recursive: false }), { statusCode: 400, errorCode: 'DIRECTORY_NOT_EMPTY' });
    assert.equal((await exported(w, `${dir}/f.txt`)).bytes.toString('utf8'), 'x', 'nothing was deleted');
  });

  it('deletes a whole subtree with recursive', async () => {
    const dir = await freshDir(emulator, w, 'del-tree');
    await w.workspace.mkdirs({ path: `${dir}/a/b` });
    await putFile(w, `${dir}/a/b/f.txt`, 'x');
    await putNotebook(w, `${dir}/a/nb`, 'SQL', 'SELECT 1');
    await w.workspace.delete({ path: dir, recursive: true });
    await rejectsWith(w.workspace.getStatus({ path: dir }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await rejectsWith(w.workspace.getStatus({ path: `${dir}/a/b/f.txt` }), { statusCode: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    const homeEntries = await collect(w.workspace.list({ path: home(emulator) }));
    assert.equal(homeEntries.some((info) => info.path === dir), false);
  });
});

describe('current user', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator({ userName: 'contract.tester@example.com' });
  });
  after(() => emulator.stop());

  it('returns the emulator user from currentUser.me()', async () => {
    const me = await sdkClient(emulator).currentUser.me();
    assert.equal(me.userName, 'contract.tester@example.com');
    assert.equal(emulator.userName, 'contract.tester@example.com');
    assert.equal(typeof me.id, 'string');
    assert.equal(me.active, true);
    const homeFolder = await sdkClient(emulator).workspace.getStatus({ path: '/Users/contract.tester@example.com' });
    assert.equal(homeFolder.object_type, 'DIRECTORY');
  });
});

describe('authentication', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator({ token: 'dapi-the-right-token' });
  });
  after(() => emulator.stop());

  it('rejects a wrong token with 403 and numeric error_code 403', async () => {
    const w = sdkClient(emulator, 'dapi-a-wrong-token');
    const expected = { statusCode: 403, errorCode: 403, message: 'Invalid access token.' };
    await rejectsWith(w.workspace.getStatus({ path: '/' }), expected);
    await rejectsWith(w.currentUser.me(), expected);
    await rejectsWith(w.workspace.mkdirs({ path: `${home(emulator)}/intruder` }), expected);
    assert.equal(emulator.tree.find(`${home(emulator)}/intruder`), undefined, 'nothing was created');
  });

  it('rejects a missing or non-bearer token with the same body', async () => {
    const variants: Array<Record<string, string>> = [{}, { authorization: 'dapi-the-right-token' }, { authorization: 'Basic ZGFwaTp4' }];
    for (const headers of variants) {
      const response = await fetch(`${emulator.host}/api/2.0/workspace/get-status?path=%2F`, { headers });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.deepEqual(await response.json(), { error_code: 403, message: 'Invalid access token.' });
    }
    const ok = await api(emulator, 'GET', '/api/2.0/workspace/get-status?path=%2F');
    assert.equal(ok.status, 200);
  });
});

describe('child limit', () => {
  // The empty seed's root holds three folders (Users, Shared, Repos), so 3 is the smallest limit
  // a fresh emulator starts with regardless of how the seed is treated.
  const LIMIT = 3;
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  let full: string;
  let outside: string;
  before(async () => {
    emulator = await startEmulator({ childLimit: LIMIT });
    w = sdkClient(emulator);
    full = `${home(emulator)}/full`;
    outside = `${home(emulator)}/outside`;
    await w.workspace.mkdirs({ path: full });
    await w.workspace.mkdirs({ path: outside });
    await putFile(w, `${full}/one.txt`, '1');
    await putNotebook(w, `${full}/two`, 'PYTHON', 'x = 2');
    await w.workspace.mkdirs({ path: `${full}/three` });
    assert.equal((await collect(w.workspace.list({ path: full }))).length, LIMIT);
    await putFile(w, `${outside}/mover.txt`, 'm');
  });
  after(() => emulator.stop());

  const limitError = { statusCode: 403, errorCode: 'MAX_CHILD_NODE_SIZE_EXCEEDED' };

  it('refuses an import as the N+1-th child', async () => {
    await rejectsWith(putFile(w, `${full}/extra.txt`, '4'), limitError);
    await rejectsWith(putNotebook(w, `${full}/extra`, 'SQL', 'SELECT 4'), limitError);
  });

  it('refuses mkdirs as the N+1-th child', async () => {
    await rejectsWith(w.workspace.mkdirs({ path: `${full}/extra-dir` }), limitError);
    await rejectsWith(w.workspace.mkdirs({ path: `${full}/extra-dir/deeper` }), limitError);
  });

  it('refuses import-file as the N+1-th child', async () => {
    const response = await api(emulator, 'POST', `/api/2.0/workspace-files/import-file${encodeURI(`${full}/extra.bin`)}?overwrite=false`, {
      body: Buffer.from('4'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(response.status, 403);
    assert.equal(((await response.json()) as { error_code: string }).error_code, 'MAX_CHILD_NODE_SIZE_EXCEEDED');
  });

  it('refuses a rename into the full folder', async () => {
    const moved = await postJson(emulator, '/api/2.0/workspace/rename', {
      source_path: `${outside}/mover.txt`,
      destination_path: `${full}/mover.txt`,
    });
    assert.equal(moved.status, 403);
    assert.equal(moved.body.error_code, 'MAX_CHILD_NODE_SIZE_EXCEEDED');
    assert.equal((await w.workspace.getStatus({ path: `${outside}/mover.txt` })).object_type, 'FILE', 'the source stayed');
  });

  it('still allows replacing and renaming within the full folder', async () => {
    await putFile(w, `${full}/one.txt`, 'one again', true);
    const renamed = await postJson(emulator, '/api/2.0/workspace/rename', {
      source_path: `${full}/one.txt`,
      destination_path: `${full}/uno.txt`,
    });
    assert.equal(renamed.status, 200);
    const names = (await collect(w.workspace.list({ path: full }))).map((info) => info.path).sort();
    assert.deepEqual(names, [`${full}/three`, `${full}/two`, `${full}/uno.txt`]);
  });
});

describe('unknown endpoints', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('answers 404 ENDPOINT_NOT_FOUND', async () => {
    await rejectsWith(
      w.apiClient.request({ path: '/api/2.0/workspace/frobnicate', method: 'GET', headers: new Headers(), raw: false }),
      { statusCode: 404, errorCode: 'ENDPOINT_NOT_FOUND' },
    );
    const wrongMethod = await api(emulator, 'DELETE', '/api/2.0/workspace/list?path=%2F');
    assert.equal(wrongMethod.status, 404);
    assert.equal(((await wrongMethod.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
    const clusters = await api(emulator, 'GET', '/api/2.0/clusters/list');
    assert.equal(clusters.status, 404);
    assert.equal(((await clusters.json()) as { error_code: string }).error_code, 'ENDPOINT_NOT_FOUND');
  });
});

describe('concurrency', () => {
  let emulator: WorkspaceEmulator;
  let w: WorkspaceClient;
  before(async () => {
    emulator = await startEmulator();
    w = sdkClient(emulator);
  });
  after(() => emulator.stop());

  it('leaves a consistent tree after parallel imports, deletes and renames', async () => {
    const dir = await freshDir(emulator, w, 'parallel');
    const COUNT = 50;
    const names = Array.from({ length: COUNT }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    await Promise.all(names.map((name) => putFile(w, `${dir}/${name}`, name)));
    assert.equal((await collect(w.workspace.list({ path: dir }))).length, COUNT);

    // Deletes of 0..9, renames of 10..19 to r10..r19, and 10 new imports, all at once.
    const deleted = names.slice(0, 10);
    const renamed = names.slice(10, 20);
    const added = Array.from({ length: 10 }, (_, i) => `new${i}.txt`);
    const outcomes = await Promise.allSettled([
      ...deleted.map((name) => w.workspace.delete({ path: `${dir}/${name}` })),
      ...renamed.map(async (name) => {
        const result = await postJson(emulator, '/api/2.0/workspace/rename', {
          source_path: `${dir}/${name}`,
          destination_path: `${dir}/r${name}`,
        });
        assert.equal(result.status, 200, JSON.stringify(result.body));
      }),
      ...added.map((name) => putFile(w, `${dir}/${name}`, name)),
      // Racing duplicates: exactly one import of the same new name may win.
      ...Array.from({ length: 5 }, () => putFile(w, `${dir}/contested.txt`, 'contested')),
    ]);
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    assert.equal(failures.length, 4, failures.map((failure) => String(failure.reason)).join('\n'));
    for (const failure of failures) {
      assert.ok(failure.reason instanceof ApiError && failure.reason.errorCode === 'RESOURCE_ALREADY_EXISTS', String(failure.reason));
    }

    const expected = [
      ...names.slice(20),
      ...renamed.map((name) => `r${name}`),
      ...added,
      'contested.txt',
    ].map((name) => `${dir}/${name}`);
    const listed = await collect(w.workspace.list({ path: dir }));
    assert.equal(listed.length, COUNT + 1);
    assert.deepEqual(listed.map((info) => info.path).sort(), expected.sort());
    assert.equal(new Set(listed.map((info) => info.object_id)).size, listed.length, 'object ids stay unique');
    for (const name of renamed) {
      assert.equal((await exported(w, `${dir}/r${name}`)).bytes.toString('utf8'), name, 'a renamed file keeps its bytes');
    }
  });
});
