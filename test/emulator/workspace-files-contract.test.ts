// Contract suite, part 2: what the SDK cannot reach, over raw HTTP — the undocumented
// workspace-files endpoints (import-file, list-files, object-info, new-files, raw GET), the signed
// URLs they hand out (Range, expiry, tampering, PUT headers), `workspace/rename`, and switching
// those families off (reference §2.7, §3, §8). The public workspace API is covered through the
// SDK in sdk-contract.test.ts; this file uses that API only to look at results.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiError, ReadableStream as SdkReadableStream } from '@databricks/sdk-experimental';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { api, EXTENSIONS, HEADERS, home, LANGUAGES, postJson, sdkClient, startEmulator } from '../support/emulator-fixture';

interface ObjectInfoBody {
  path: string;
  object_type: string;
  object_id: number;
  resource_id: string;
  language?: string;
  size?: number;
  created_at?: number;
  modified_at?: number;
  repos_export_format?: string;
}
interface SignedUrlBody {
  url: string;
  headers: Record<string, string>;
  url_type?: string;
  expiry_time_millis?: number;
}
interface FilesEntry {
  object_info: ObjectInfoBody;
  signed_url?: SignedUrlBody;
}
interface ErrorBody {
  error_code: string | number;
  message: string;
}

/** A workspace path in URL form: no leading slash, each segment escaped. */
function urlPath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment.length > 0)
    .map(encodeURIComponent)
    .join('/');
}

function importFile(emulator: WorkspaceEmulator, path: string, content: string | Buffer, overwrite?: boolean): Promise<Response> {
  const query = overwrite === undefined ? '' : `?overwrite=${overwrite}`;
  return api(emulator, 'POST', `/api/2.0/workspace-files/import-file/${urlPath(path)}${query}`, {
    body: Buffer.from(content),
    headers: { 'content-type': 'application/octet-stream' },
  });
}

async function getJson<T>(emulator: WorkspaceEmulator, endpoint: string, query: Record<string, string>): Promise<{ status: number; body: T }> {
  const response = await api(emulator, 'GET', `${endpoint}?${new URLSearchParams(query)}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** get-status (with export info) as the raw body, or undefined on 404. */
async function status(emulator: WorkspaceEmulator, path: string): Promise<ObjectInfoBody | undefined> {
  const { status: code, body } = await getJson<ObjectInfoBody & ErrorBody>(emulator, '/api/2.0/workspace/get-status', {
    path,
    return_export_info: 'true',
  });
  if (code === 404) {
    assert.equal(body.error_code, 'RESOURCE_DOES_NOT_EXIST');
    return undefined;
  }
  assert.equal(code, 200, JSON.stringify(body));
  return body;
}

/** The raw bytes of a FILE through `GET /api/2.0/workspace-files/{path}`. */
async function fileBytes(emulator: WorkspaceEmulator, path: string): Promise<Buffer> {
  const response = await api(emulator, 'GET', `/api/2.0/workspace-files/${urlPath(path)}`);
  assert.equal(response.status, 200, `GET workspace-files ${path}`);
  return Buffer.from(await response.arrayBuffer());
}

async function sourceExport(emulator: WorkspaceEmulator, path: string, format = 'SOURCE'): Promise<string> {
  const response = await api(emulator, 'GET', `/api/2.0/workspace/export?${new URLSearchParams({ path, format, direct_download: 'true' })}`);
  assert.equal(response.status, 200);
  return response.text();
}

/** Checks status and envelope; `errorCode` undefined where the reference has not captured it. */
async function expectError(response: Response, status: number, errorCode: string | number | undefined): Promise<ErrorBody> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const body = JSON.parse(text) as ErrorBody;
  if (errorCode !== undefined) assert.equal(body.error_code, errorCode, text);
  assert.equal(typeof body.message, 'string');
  return body;
}

function rename(emulator: WorkspaceEmulator, from: string, to: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return postJson(emulator, '/api/2.0/workspace/rename', { source_path: from, destination_path: to });
}

async function mkdirs(emulator: WorkspaceEmulator, path: string): Promise<void> {
  const result = await postJson(emulator, '/api/2.0/workspace/mkdirs', { path });
  assert.equal(result.status, 200, JSON.stringify(result.body));
}

async function putFile(emulator: WorkspaceEmulator, path: string, content: string | Buffer): Promise<void> {
  const response = await importFile(emulator, path, content, false);
  assert.equal(response.status, 200, await response.text());
}

async function objectInfo(emulator: WorkspaceEmulator, path: string): Promise<FilesEntry> {
  const { status: code, body } = await getJson<{ wsfs_object_info: FilesEntry }>(emulator, '/api/2.0/workspace-files/object-info', { path });
  assert.equal(code, 200);
  return body.wsfs_object_info;
}

async function signedGetUrl(emulator: WorkspaceEmulator, path: string): Promise<SignedUrlBody> {
  const entry = await objectInfo(emulator, path);
  assert.ok(entry.signed_url !== undefined, `a signed URL for ${path}`);
  return entry.signed_url;
}

async function newFiles(emulator: WorkspaceEmulator, path: string, overwrite?: boolean): Promise<{ status: number; body: Record<string, unknown> }> {
  const content = Buffer.from('').toString('base64');
  return postJson(emulator, '/api/2.0/workspace-files/new-files', overwrite === undefined ? { path, content } : { path, content, overwrite });
}

const JUPYTER = `${JSON.stringify(
  {
    cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: ['SELECT 7'] }],
    metadata: { language_info: { name: 'sql' } },
    nbformat: 4,
    nbformat_minor: 5,
  },
  null,
  1,
)}\n`;

describe('workspace-files/import-file', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    dir = `${home(emulator)}/import-file`;
    await mkdirs(emulator, dir);
  });
  after(() => emulator.stop());

  it('creates a FILE from raw bytes at a path with escaped segments', async () => {
    const path = `${dir}/odd name #1 ?x 100% ü.bin`;
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x0a]);
    const response = await importFile(emulator, path, bytes);
    assert.equal(response.status, 200, await response.clone().text());
    const info = await status(emulator, path);
    assert.equal(info?.object_type, 'FILE');
    assert.equal(info?.path, path);
    assert.deepEqual(await fileBytes(emulator, path), bytes);
  });

  for (const language of LANGUAGES) {
    const extension = EXTENSIONS[language];
    it(`turns x${extension} with the ${language} header into notebook x`, async () => {
      const source = `${HEADERS[language]}\nstatement\n`;
      const response = await importFile(emulator, `${dir}/nb-${language}${extension}`, source, false);
      assert.equal(response.status, 200, await response.clone().text());
      const info = await status(emulator, `${dir}/nb-${language}`);
      assert.equal(info?.object_type, 'NOTEBOOK');
      assert.equal(info?.language, language);
      assert.equal(info?.repos_export_format, 'SOURCE');
      assert.equal(await status(emulator, `${dir}/nb-${language}${extension}`), undefined, 'no file with the extension');
      assert.equal(await sourceExport(emulator, `${dir}/nb-${language}`), source);
    });
  }

  it('keeps x.py without the header as FILE x.py', async () => {
    await putFile(emulator, `${dir}/script.py`, 'print("hi")\n');
    assert.equal((await status(emulator, `${dir}/script.py`))?.object_type, 'FILE');
    assert.equal(await status(emulator, `${dir}/script`), undefined);
  });

  it('turns x.ipynb with Jupyter JSON into a JUPYTER notebook x', async () => {
    await putFile(emulator, `${dir}/Query.ipynb`, JUPYTER);
    const info = await status(emulator, `${dir}/Query`);
    assert.equal(info?.object_type, 'NOTEBOOK');
    assert.equal(info?.repos_export_format, 'JUPYTER');
    assert.equal(info?.language, 'SQL');
    assert.equal(await status(emulator, `${dir}/Query.ipynb`), undefined);
    const source = await sourceExport(emulator, `${dir}/Query`);
    assert.ok(source.startsWith(`${HEADERS.SQL}\n`), source);
    assert.match(source, /SELECT 7/);
    assert.equal(await sourceExport(emulator, `${dir}/Query`, 'JUPYTER'), JUPYTER);
  });

  it('answers 409 for an existing FILE without overwrite and leaves it alone', async () => {
    await putFile(emulator, `${dir}/taken.txt`, 'first');
    // The body's error_code of this 409 was never captured from the service (reference §4).
    await expectError(await importFile(emulator, `${dir}/taken.txt`, 'second', false), 409, undefined);
    assert.equal((await importFile(emulator, `${dir}/taken.txt`, 'third')).status, 409, 'overwrite defaults to false');
    assert.equal((await fileBytes(emulator, `${dir}/taken.txt`)).toString(), 'first');
  });

  it('answers 400 with an EMPTY error_code for an existing NOTEBOOK', async () => {
    await putFile(emulator, `${dir}/Existing.py`, `${HEADERS.PYTHON}\nx = 1\n`);
    const response = await importFile(emulator, `${dir}/Existing.py`, `${HEADERS.PYTHON}\nx = 2\n`, false);
    const body = await expectError(response, 400, '');
    assert.ok(body.message.includes('already exists.'), body.message);
    assert.equal(await sourceExport(emulator, `${dir}/Existing`), `${HEADERS.PYTHON}\nx = 1\n`);

    // The SDK cannot parse an empty code: it reports the status text, as the reference says.
    const w = sdkClient(emulator);
    const payload = new SdkReadableStream({
      start(controller) {
        controller.enqueue(Buffer.from(`${HEADERS.PYTHON}\nx = 3\n`));
        controller.close();
      },
    });
    await assert.rejects(
      w.apiClient.request({
        path: `/api/2.0/workspace-files/import-file/${urlPath(`${dir}/Existing.py`)}`,
        method: 'POST',
        headers: new Headers({ 'Content-Type': 'application/octet-stream' }),
        query: { overwrite: 'false' },
        payload,
        raw: false,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.statusCode, 400);
        assert.equal(error.errorCode, 'Bad Request');
        assert.match(error.message, /already exists\./);
        return true;
      },
    );
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST when the parent is missing', async () => {
    const body = await expectError(await importFile(emulator, `${dir}/nope/x.txt`, 'x'), 404, 'RESOURCE_DOES_NOT_EXIST');
    assert.match(body.message, /nope/);
    assert.equal(await status(emulator, `${dir}/nope`), undefined, 'import-file does not create parents');
  });

  it('replaces a FILE and a notebook with overwrite=true, keeping object ids', async () => {
    await putFile(emulator, `${dir}/replace.txt`, 'old');
    const before = await status(emulator, `${dir}/replace.txt`);
    assert.equal((await importFile(emulator, `${dir}/replace.txt`, 'new bytes', true)).status, 200);
    const after = await status(emulator, `${dir}/replace.txt`);
    assert.equal(after?.object_id, before?.object_id);
    assert.ok(after!.modified_at! > before!.modified_at!);
    assert.equal((await fileBytes(emulator, `${dir}/replace.txt`)).toString(), 'new bytes');

    await putFile(emulator, `${dir}/Replaced.scala`, `${HEADERS.SCALA}\nval a = 1\n`);
    const notebookBefore = await status(emulator, `${dir}/Replaced`);
    assert.equal((await importFile(emulator, `${dir}/Replaced.scala`, `${HEADERS.SCALA}\nval a = 2\n`, true)).status, 200);
    assert.equal((await status(emulator, `${dir}/Replaced`))?.object_id, notebookBefore?.object_id);
    assert.equal(await sourceExport(emulator, `${dir}/Replaced`), `${HEADERS.SCALA}\nval a = 2\n`);
  });
});

describe('workspace-files/list-files and object-info', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    dir = `${home(emulator)}/listing`;
    await mkdirs(emulator, `${dir}/sub`);
    await putFile(emulator, `${dir}/data.bin`, Buffer.alloc(1234, 1));
    await putFile(emulator, `${dir}/nb.py`, `${HEADERS.PYTHON}\nx = 1\n`);
  });
  after(() => emulator.stop());

  it('lists children with size and modified_at, and signed URLs for FILEs only', async () => {
    const { status: code, body } = await getJson<{ objects: FilesEntry[] }>(emulator, '/api/2.0/workspace-files/list-files', { path: dir });
    assert.equal(code, 200);
    const byPath = new Map(body.objects.map((entry) => [entry.object_info.path, entry]));
    assert.deepEqual([...byPath.keys()].sort(), [`${dir}/data.bin`, `${dir}/nb`, `${dir}/sub`]);

    const file = byPath.get(`${dir}/data.bin`)!;
    assert.equal(file.object_info.object_type, 'FILE');
    assert.equal(file.object_info.size, 1234);
    assert.equal(typeof file.object_info.modified_at, 'number');
    assert.equal(typeof file.signed_url?.url, 'string');
    const fetched = await fetch(file.signed_url!.url, { headers: file.signed_url!.headers });
    assert.equal(fetched.status, 200);
    assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), Buffer.alloc(1234, 1));

    const notebook = byPath.get(`${dir}/nb`)!;
    assert.equal(notebook.object_info.object_type, 'NOTEBOOK');
    assert.equal(typeof notebook.object_info.size, 'number');
    assert.equal(typeof notebook.object_info.modified_at, 'number');
    assert.equal(notebook.signed_url, undefined);
    assert.equal(byPath.get(`${dir}/sub`)!.signed_url, undefined);
  });

  it('answers object-info with wsfs_object_info', async () => {
    const file = await objectInfo(emulator, `${dir}/data.bin`);
    assert.equal(file.object_info.path, `${dir}/data.bin`);
    assert.equal(file.object_info.size, 1234);
    assert.equal(typeof file.object_info.object_id, 'number');
    assert.equal(typeof file.signed_url?.url, 'string');
    assert.equal(typeof file.signed_url?.expiry_time_millis, 'number');
    const notebook = await objectInfo(emulator, `${dir}/nb`);
    assert.equal(notebook.object_info.object_type, 'NOTEBOOK');
    assert.equal(notebook.signed_url, undefined);
  });

  it('answers 404 RESOURCE_DOES_NOT_EXIST for a missing path', async () => {
    await expectError(await api(emulator, 'GET', `/api/2.0/workspace-files/object-info?${new URLSearchParams({ path: `${dir}/x` })}`), 404, 'RESOURCE_DOES_NOT_EXIST');
    await expectError(await api(emulator, 'GET', `/api/2.0/workspace-files/list-files?${new URLSearchParams({ path: `${dir}/x` })}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('signed URLs', () => {
  const CONTENT = Buffer.from('0123456789abcdef');
  let emulator: WorkspaceEmulator;
  let path: string;
  before(async () => {
    emulator = await startEmulator();
    path = `${home(emulator)}/signed.bin`;
    await putFile(emulator, path, CONTENT);
  });
  after(() => emulator.stop());

  it('serves the whole body without the workspace token', async () => {
    const signed = await signedGetUrl(emulator, path);
    const response = await fetch(signed.url, { headers: signed.headers });
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), CONTENT);
  });

  it('serves byte ranges: 206 with Content-Range, suffix ranges, 416 out of range', async () => {
    const signed = await signedGetUrl(emulator, path);
    const ranged = async (range: string): Promise<Response> => fetch(signed.url, { headers: { ...signed.headers, range } });

    const middle = await ranged('bytes=2-5');
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get('content-range'), `bytes 2-5/${CONTENT.length}`);
    assert.equal(await middle.text(), '2345');

    const open = await ranged('bytes=12-');
    assert.equal(open.status, 206);
    assert.equal(await open.text(), 'cdef');

    const suffix = await ranged('bytes=-3');
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), `bytes 13-15/${CONTENT.length}`);
    assert.equal(await suffix.text(), 'def');

    const beyond = await ranged('bytes=100-200');
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${CONTENT.length}`);
    await beyond.arrayBuffer();
  });

  it('refuses a tampered token with 403', async () => {
    const signed = await signedGetUrl(emulator, path);
    const cut = signed.url.lastIndexOf('/') + 1;
    const token = signed.url.slice(cut);
    const [payload, signature] = token.split('.');
    assert.ok(payload !== undefined && signature !== undefined, token);
    const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    forged.path = `${home(emulator)}/other.bin`;
    const variants = [
      `${payload}.${flip(signature, 0)}`,
      `${flip(payload, 3)}.${signature}`,
      `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`,
      `${payload}.`,
      'garbage',
    ];
    for (const variant of variants) {
      const response = await fetch(signed.url.slice(0, cut) + variant, { headers: signed.headers });
      assert.equal(response.status, 403, variant);
      await response.arrayBuffer();
    }
    assert.equal((await fetch(signed.url, { headers: signed.headers })).status, 200, 'the genuine URL still works');
  });

  it('stops serving a GET URL once the file is deleted', async () => {
    const doomed = `${home(emulator)}/doomed.bin`;
    await putFile(emulator, doomed, 'bye');
    const signed = await signedGetUrl(emulator, doomed);
    const deleted = await postJson(emulator, '/api/2.0/workspace/delete', { path: doomed });
    assert.equal(deleted.status, 200);
    const response = await fetch(signed.url, { headers: signed.headers });
    assert.equal(response.status, 404);
    await response.arrayBuffer();
  });
});

describe('signed URL expiry (injected clock)', () => {
  const TTL = 60_000;
  let clock = 1_800_000_000_000;
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator({ now: () => clock, signedUrlTtlMs: TTL });
  });
  after(() => emulator.stop());

  it('refuses GET and PUT URLs with 403 after their expiry', async () => {
    const path = `${home(emulator)}/expiring.bin`;
    await putFile(emulator, path, 'soon gone');
    const get = await signedGetUrl(emulator, path);
    assert.equal(get.expiry_time_millis, clock + TTL);
    const created = await newFiles(emulator, `${home(emulator)}/late.bin`);
    assert.equal(created.status, 200);
    const put = (created.body.signed_urls as SignedUrlBody[])[0]!;

    clock += TTL - 1;
    const stillValid = await fetch(get.url, { headers: get.headers });
    assert.equal(stillValid.status, 200, 'valid until the expiry');
    await stillValid.arrayBuffer();

    clock += 2;
    const expiredGet = await fetch(get.url, { headers: get.headers });
    assert.equal(expiredGet.status, 403);
    await expiredGet.arrayBuffer();
    const expiredPut = await fetch(put.url, { method: 'PUT', headers: put.headers, body: Buffer.from('late') });
    assert.equal(expiredPut.status, 403);
    await expiredPut.arrayBuffer();
    assert.equal(await status(emulator, `${home(emulator)}/late.bin`), undefined, 'nothing written');

    const fresh = await signedGetUrl(emulator, path);
    assert.equal((await fetch(fresh.url, { headers: fresh.headers })).status, 200, 'a newly issued URL works');
  });

  it('applies a TTL changed at run time', async () => {
    const path = `${home(emulator)}/short.bin`;
    await putFile(emulator, path, 'short');
    emulator.signedUrlTtlMs = 1;
    try {
      const signed = await signedGetUrl(emulator, path);
      assert.equal(signed.expiry_time_millis, clock + 1);
      clock += 2;
      const response = await fetch(signed.url, { headers: signed.headers });
      assert.equal(response.status, 403);
      await response.arrayBuffer();
    } finally {
      emulator.signedUrlTtlMs = TTL;
    }
  });
});

describe('workspace-files/new-files and signed PUT', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    dir = `${home(emulator)}/uploads`;
    await mkdirs(emulator, dir);
  });
  after(() => emulator.stop());

  async function uploadUrl(path: string, overwrite?: boolean): Promise<SignedUrlBody> {
    const created = await newFiles(emulator, path, overwrite);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const urls = created.body.signed_urls as SignedUrlBody[];
    assert.equal(urls.length, 1);
    return urls[0]!;
  }

  it('returns a signed URL with headers; a PUT with all of them creates the file (201)', async () => {
    const path = `${dir}/uploaded.bin`;
    const signed = await uploadUrl(path);
    assert.equal(typeof signed.url, 'string');
    assert.ok(Object.keys(signed.headers).length > 0, 'headers the PUT must carry');
    assert.equal(signed.headers['x-ms-blob-type'], 'BlockBlob');
    const bytes = Buffer.from([9, 8, 7, 0, 255]);
    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes });
    assert.equal(put.status, 201);
    await put.arrayBuffer();
    assert.equal((await status(emulator, path))?.object_type, 'FILE');
    assert.deepEqual(await fileBytes(emulator, path), bytes);
  });

  it('refuses a PUT missing x-ms-blob-type with 400 and writes nothing', async () => {
    const path = `${dir}/headerless.bin`;
    const signed = await uploadUrl(path);
    const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'x-ms-blob-type'));
    const put = await fetch(signed.url, { method: 'PUT', headers, body: Buffer.from('data') });
    assert.equal(put.status, 400);
    await put.arrayBuffer();
    assert.equal(await status(emulator, path), undefined);
    const wrongValue = await fetch(signed.url, { method: 'PUT', headers: { ...signed.headers, 'x-ms-blob-type': 'AppendBlob' }, body: Buffer.from('data') });
    assert.equal(wrongValue.status, 400);
    await wrongValue.arrayBuffer();
    assert.equal(await status(emulator, path), undefined);
  });

  it('answers 409 onto an existing FILE without overwrite; with overwrite the PUT replaces it', async () => {
    const path = `${dir}/existing.txt`;
    await putFile(emulator, path, 'original');
    const before = await status(emulator, path);
    const refused = await newFiles(emulator, path);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));

    const signed = await uploadUrl(path, true);
    const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: Buffer.from('replacement') });
    assert.equal(put.status, 201);
    await put.arrayBuffer();
    assert.equal((await fileBytes(emulator, path)).toString(), 'replacement');
    assert.equal((await status(emulator, path))?.object_id, before?.object_id);
  });

  it('answers 404 when the parent is missing', async () => {
    const missing = await newFiles(emulator, `${dir}/no/such/file.bin`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('GET workspace-files/{path}', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('returns the raw bytes of a FILE', async () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
    await putFile(emulator, `${home(emulator)}/raw file.bin`, bytes);
    const response = await api(emulator, 'GET', `/api/2.0/workspace-files/${urlPath(`${home(emulator)}/raw file.bin`)}`);
    assert.equal(response.status, 200);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
  });

  it('answers 404 for a notebook and for a missing path', async () => {
    await putFile(emulator, `${home(emulator)}/nb.py`, `${HEADERS.PYTHON}\n`);
    const notebook = await api(emulator, 'GET', `/api/2.0/workspace-files/${urlPath(`${home(emulator)}/nb`)}`);
    assert.equal(notebook.status, 404);
    await notebook.arrayBuffer();
    await expectError(await api(emulator, 'GET', `/api/2.0/workspace-files/${urlPath(`${home(emulator)}/missing`)}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('workspace/rename', () => {
  let emulator: WorkspaceEmulator;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    dir = `${home(emulator)}/moves`;
    await mkdirs(emulator, dir);
  });
  after(() => emulator.stop());

  it('moves a file, keeping its object id and bytes', async () => {
    await putFile(emulator, `${dir}/a.txt`, 'alpha');
    const before = await status(emulator, `${dir}/a.txt`);
    const moved = await rename(emulator, `${dir}/a.txt`, `${dir}/b.txt`);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(moved.body, {});
    assert.equal(await status(emulator, `${dir}/a.txt`), undefined);
    assert.equal((await status(emulator, `${dir}/b.txt`))?.object_id, before?.object_id);
    assert.equal((await fileBytes(emulator, `${dir}/b.txt`)).toString(), 'alpha');
  });

  it('moves a notebook, keeping its object id and language', async () => {
    await putFile(emulator, `${dir}/Nb.sql`, `${HEADERS.SQL}\nSELECT 1\n`);
    const before = await status(emulator, `${dir}/Nb`);
    assert.equal((await rename(emulator, `${dir}/Nb`, `${dir}/Renamed Nb`)).status, 200);
    const after = await status(emulator, `${dir}/Renamed Nb`);
    assert.equal(after?.object_id, before?.object_id);
    assert.equal(after?.language, 'SQL');
    assert.equal(await sourceExport(emulator, `${dir}/Renamed Nb`), `${HEADERS.SQL}\nSELECT 1\n`);
    assert.equal(await status(emulator, `${dir}/Nb`), undefined);
  });

  it('moves a folder with its subtree, keeping object ids', async () => {
    await mkdirs(emulator, `${dir}/tree/inner`);
    await putFile(emulator, `${dir}/tree/inner/leaf.txt`, 'leaf');
    const folderBefore = await status(emulator, `${dir}/tree`);
    const leafBefore = await status(emulator, `${dir}/tree/inner/leaf.txt`);
    await mkdirs(emulator, `${dir}/elsewhere`);
    assert.equal((await rename(emulator, `${dir}/tree`, `${dir}/elsewhere/moved`)).status, 200);
    assert.equal((await status(emulator, `${dir}/elsewhere/moved`))?.object_id, folderBefore?.object_id);
    assert.equal((await status(emulator, `${dir}/elsewhere/moved/inner/leaf.txt`))?.object_id, leafBefore?.object_id);
    assert.equal((await fileBytes(emulator, `${dir}/elsewhere/moved/inner/leaf.txt`)).toString(), 'leaf');
    assert.equal(await status(emulator, `${dir}/tree`), undefined);
  });

  it('refuses an existing destination with 400 RESOURCE_ALREADY_EXISTS', async () => {
    await putFile(emulator, `${dir}/src.txt`, 'source');
    await putFile(emulator, `${dir}/dst.txt`, 'destination');
    const refused = await rename(emulator, `${dir}/src.txt`, `${dir}/dst.txt`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error_code, 'RESOURCE_ALREADY_EXISTS');
    assert.equal((await fileBytes(emulator, `${dir}/src.txt`)).toString(), 'source');
    assert.equal((await fileBytes(emulator, `${dir}/dst.txt`)).toString(), 'destination');
  });

  it('answers 404 for a missing source or destination parent', async () => {
    const missing = await rename(emulator, `${dir}/ghost.txt`, `${dir}/anything.txt`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
    await putFile(emulator, `${dir}/stay.txt`, 'stay');
    const noParent = await rename(emulator, `${dir}/stay.txt`, `${dir}/no/such/stay.txt`);
    assert.equal(noParent.status, 404);
    assert.equal(noParent.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
    assert.equal((await status(emulator, `${dir}/stay.txt`))?.object_type, 'FILE');
  });

  it('refuses to move a folder into its own subtree with 400', async () => {
    await mkdirs(emulator, `${dir}/outer/child`);
    const refused = await rename(emulator, `${dir}/outer`, `${dir}/outer/child/outer`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await status(emulator, `${dir}/outer/child`))?.object_type, 'DIRECTORY');
  });
});

describe('workspace/rename with renameOverwrites', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator({ renameOverwrites: true });
  });
  after(() => emulator.stop());

  it('replaces an existing destination file', async () => {
    const dir = home(emulator);
    await putFile(emulator, `${dir}/src.txt`, 'source');
    await putFile(emulator, `${dir}/dst.txt`, 'destination');
    const moved = await rename(emulator, `${dir}/src.txt`, `${dir}/dst.txt`);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal((await fileBytes(emulator, `${dir}/dst.txt`)).toString(), 'source');
    assert.equal(await status(emulator, `${dir}/src.txt`), undefined);
    const { body } = await getJson<{ objects: ObjectInfoBody[] }>(emulator, '/api/2.0/workspace/list', { path: dir });
    assert.deepEqual(body.objects.map((info) => info.path), [`${dir}/dst.txt`]);
  });
});

/** Every endpoint of the switchable families, as a request that would succeed if it were served. */
function switchableRequests(emulator: WorkspaceEmulator, file: string): Array<[string, () => Promise<Response>]> {
  const json = { 'content-type': 'application/json' };
  return [
    ['import-file', () => importFile(emulator, `${home(emulator)}/via-import-file.txt`, 'x', true)],
    ['list-files', () => api(emulator, 'GET', `/api/2.0/workspace-files/list-files?${new URLSearchParams({ path: home(emulator) })}`)],
    ['object-info', () => api(emulator, 'GET', `/api/2.0/workspace-files/object-info?${new URLSearchParams({ path: file })}`)],
    [
      'new-files',
      () => api(emulator, 'POST', '/api/2.0/workspace-files/new-files', { body: JSON.stringify({ path: `${home(emulator)}/via-new-files.txt`, content: '' }), headers: json }),
    ],
    ['GET workspace-files/{path}', () => api(emulator, 'GET', `/api/2.0/workspace-files/${urlPath(file)}`)],
    [
      'rename',
      () => api(emulator, 'POST', '/api/2.0/workspace/rename', { body: JSON.stringify({ source_path: file, destination_path: `${file}.moved` }), headers: json }),
    ],
  ];
}

describe('workspace-files and rename disabled at start', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator({ disable: ['workspace-files', 'rename'] });
  });
  after(() => emulator.stop());

  it('answers 404 ENDPOINT_NOT_FOUND on every endpoint of both families', async () => {
    const file = `${home(emulator)}/present.txt`;
    const imported = await postJson(emulator, '/api/2.0/workspace/import', { path: file, content: Buffer.from('here').toString('base64'), format: 'AUTO' });
    assert.equal(imported.status, 200, 'the public API still works');
    for (const [name, send] of switchableRequests(emulator, file)) {
      await expectError(await send(), 404, 'ENDPOINT_NOT_FOUND').catch((error: unknown) => {
        throw new Error(`${name}: ${String(error)}`);
      });
    }
    assert.equal((await status(emulator, file))?.object_type, 'FILE', 'the file was neither moved nor replaced');
    assert.equal(await status(emulator, `${home(emulator)}/via-import-file.txt`), undefined);
  });
});

describe('workspace-files and rename switched at run time', () => {
  let emulator: WorkspaceEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('stops serving the endpoints and signed URLs when switched off, and serves them again when on', async () => {
    const file = `${home(emulator)}/switch.txt`;
    await putFile(emulator, file, 'switch');
    const signed = await signedGetUrl(emulator, file);
    const upload = (await newFiles(emulator, `${home(emulator)}/switch-upload.bin`)).body.signed_urls as SignedUrlBody[];

    emulator.setFeature('workspace-files', false);
    emulator.setFeature('rename', false);
    try {
      for (const [name, send] of switchableRequests(emulator, file)) {
        await expectError(await send(), 404, 'ENDPOINT_NOT_FOUND').catch((error: unknown) => {
          throw new Error(`${name}: ${String(error)}`);
        });
      }
      const get = await fetch(signed.url, { headers: signed.headers });
      assert.equal(get.status, 404, 'a signed GET URL stops working');
      await get.arrayBuffer();
      const put = await fetch(upload[0]!.url, { method: 'PUT', headers: upload[0]!.headers, body: Buffer.from('x') });
      assert.equal(put.status, 404, 'a signed PUT URL stops working');
      await put.arrayBuffer();
      assert.equal(await status(emulator, `${home(emulator)}/switch-upload.bin`), undefined);
    } finally {
      emulator.setFeature('workspace-files', true);
      emulator.setFeature('rename', true);
    }

    assert.equal((await fileBytes(emulator, file)).toString(), 'switch');
    assert.equal((await rename(emulator, file, `${file}.renamed`)).status, 200);
    assert.equal((await fileBytes(emulator, `${file}.renamed`)).toString(), 'switch');
  });
});
