// Unit tests of the emulator's pure parts: request paths, notebook format conversions, endpoint
// keys, the seeded random source, the ZIP writer and signed URLs. No server, no network.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { NOTEBOOK_SYNTAX, type Language } from '../../src/shared/workspace-types';
import { ApiError } from '../../src/emulator/api-error';
import { mulberry32 } from '../../src/emulator/fault-injector';
import { exportJupyter, exportSource, jupyterLanguage, parseJupyter, sourceCells } from '../../src/emulator/notebook-format';
import { endpointKey } from '../../src/emulator/request-stats';
import { UPLOAD_HEADERS, UrlSigner } from '../../src/emulator/signed-urls';
import { displayPath, parseRequestPath } from '../../src/emulator/workspace-paths';
import type { NotebookNode } from '../../src/emulator/workspace-tree';
import { zipArchive } from '../../src/emulator/zip-archive';

/** Asserts that `fn` throws an ApiError with this status and error code; returns it. */
function assertApiError(fn: () => unknown, status: number, code: string): ApiError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ApiError, `expected an ApiError, got ${String(caught)}`);
  assert.equal(caught.status, status);
  assert.equal(caught.body.error_code, code);
  return caught;
}

function notebookNode(language: Language, format: 'SOURCE' | 'JUPYTER', content: string | Buffer): NotebookNode {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return { kind: 'NOTEBOOK', language, format, content: bytes, objectId: 1, createdAt: 1, modifiedAt: 1 };
}

describe('parseRequestPath', () => {
  it('accepts absolute paths and keeps them canonical', () => {
    assert.deepEqual(parseRequestPath('/Users/a@b.com/x.py'), { canonical: '/Users/a@b.com/x.py', prefix: '' });
    assert.deepEqual(parseRequestPath('/'), { canonical: '/', prefix: '' });
    assert.deepEqual(parseRequestPath('/Shared/a b/ü+&.txt'), { canonical: '/Shared/a b/ü+&.txt', prefix: '' });
  });

  it('strips and remembers a /Workspace prefix', () => {
    assert.deepEqual(parseRequestPath('/Workspace/Users/u/x'), { canonical: '/Users/u/x', prefix: '/Workspace' });
    assert.deepEqual(parseRequestPath('/Workspace'), { canonical: '/', prefix: '/Workspace' });
    assert.deepEqual(parseRequestPath('//Workspace//Shared/'), { canonical: '/Shared', prefix: '/Workspace' });
    assert.equal(displayPath(parseRequestPath('/Workspace/Shared//x')), '/Workspace/Shared/x');
  });

  it('treats look-alikes of the prefix as ordinary folders', () => {
    assert.deepEqual(parseRequestPath('/WorkspaceX/a'), { canonical: '/WorkspaceX/a', prefix: '' });
    assert.deepEqual(parseRequestPath('/workspace/a'), { canonical: '/workspace/a', prefix: '' });
    assert.deepEqual(parseRequestPath('/Shared/Workspace/a'), { canonical: '/Shared/Workspace/a', prefix: '' });
  });

  it('collapses duplicate slashes and drops a trailing slash', () => {
    assert.deepEqual(parseRequestPath('//Users///u//x/'), { canonical: '/Users/u/x', prefix: '' });
    assert.deepEqual(parseRequestPath('///'), { canonical: '/', prefix: '' });
    assert.equal(displayPath(parseRequestPath('/Shared//a///b')), '/Shared/a/b');
  });

  it('rejects relative paths, dot segments, NUL and missing values with 400 INVALID_PARAMETER_VALUE', () => {
    for (const raw of ['Users/u/x', 'x', './x', '/Users/../etc', '/Users/u/..', '/./Shared', '/Shared/.', '/a\0b']) {
      assertApiError(() => parseRequestPath(raw), 400, 'INVALID_PARAMETER_VALUE');
    }
    for (const raw of [undefined, null, '', 42, {}]) {
      const error = assertApiError(() => parseRequestPath(raw), 400, 'INVALID_PARAMETER_VALUE');
      assert.match(error.body.message, /path/);
    }
    const named = assertApiError(() => parseRequestPath(undefined, 'source_path'), 400, 'INVALID_PARAMETER_VALUE');
    assert.match(named.body.message, /source_path/);
  });

  it('allows names that merely contain dots', () => {
    assert.equal(parseRequestPath('/Shared/..hidden/.env/a..b').canonical, '/Shared/..hidden/.env/a..b');
  });
});

describe('notebook format', () => {
  const py = NOTEBOOK_SYNTAX.PYTHON;

  it('splits source into cells, without header and separators', () => {
    const text = `${py.header}\na = 1\n\n${py.separator}\n\nb = 2\nc = 3\n`;
    assert.deepEqual(sourceCells(text, 'PYTHON'), ['a = 1', 'b = 2\nc = 3']);
    assert.deepEqual(sourceCells('a = 1\n\n# COMMAND ----------\n\nb = 2', 'PYTHON'), ['a = 1', 'b = 2']);
    assert.deepEqual(sourceCells(text.replace(/\n/g, '\r\n'), 'PYTHON'), ['a = 1', 'b = 2\nc = 3']);
    assert.deepEqual(sourceCells('x = 1\n', 'PYTHON'), ['x = 1']);
  });

  it('uses each language’s own separator', () => {
    for (const language of ['SQL', 'SCALA', 'R'] as const) {
      const { header, separator } = NOTEBOOK_SYNTAX[language];
      assert.deepEqual(sourceCells(`${header}\none\n\n${separator}\n\ntwo\n`, language), ['one', 'two'], language);
    }
    // A Python separator means nothing in SQL.
    assert.deepEqual(sourceCells(`-- Databricks notebook source\na\n# COMMAND ----------\nb`, 'SQL'), ['a\n# COMMAND ----------\nb']);
  });

  it('exports SOURCE as stored when the header is present', () => {
    const text = `${py.header}\nx = 1\n`;
    const node = notebookNode('PYTHON', 'SOURCE', text);
    assert.equal(exportSource(node), node.content);
    for (const language of ['SQL', 'SCALA', 'R'] as const) {
      const stored = `${NOTEBOOK_SYNTAX[language].header}\nbody\n`;
      assert.equal(exportSource(notebookNode(language, 'SOURCE', stored)).toString(), stored, language);
    }
  });

  it('adds the header only when it is missing', () => {
    assert.equal(exportSource(notebookNode('PYTHON', 'SOURCE', 'x = 1\n')).toString(), `${py.header}\nx = 1\n`);
    assert.equal(exportSource(notebookNode('SCALA', 'SOURCE', 'val x = 1')).toString(), '// Databricks notebook source\nval x = 1');
    assert.equal(exportSource(notebookNode('SQL', 'SOURCE', '')).toString(), '-- Databricks notebook source\n');
    // Another language's header is not this language's header.
    assert.equal(
      exportSource(notebookNode('SQL', 'SOURCE', `${py.header}\nSELECT 1\n`)).toString(),
      `-- Databricks notebook source\n${py.header}\nSELECT 1\n`,
    );
    // A header with CRLF counts as present.
    const crlf = `${py.header}\r\nx = 1\r\n`;
    assert.equal(exportSource(notebookNode('PYTHON', 'SOURCE', crlf)).toString(), crlf);
  });

  it('builds Jupyter from source, turning %md cells into markdown cells', () => {
    const text = `${py.header}\n# MAGIC %md\n# MAGIC # Title\n# MAGIC\n# MAGIC Some *text*\n\n${py.separator}\n\nimport os\nprint(os.sep)\n`;
    const notebook = JSON.parse(exportJupyter(notebookNode('PYTHON', 'SOURCE', text)).toString()) as {
      cells: Array<{ cell_type: string; source: string[]; outputs?: unknown[] }>;
      metadata: { language_info: { name: string } };
      nbformat: number;
    };
    assert.equal(notebook.nbformat, 4);
    assert.equal(notebook.metadata.language_info.name, 'python');
    assert.equal(notebook.cells.length, 2);
    assert.equal(notebook.cells[0]!.cell_type, 'markdown');
    assert.deepEqual(notebook.cells[0]!.source, ['# Title\n', '\n', 'Some *text*']);
    assert.equal(notebook.cells[1]!.cell_type, 'code');
    assert.deepEqual(notebook.cells[1]!.source, ['import os\n', 'print(os.sep)']);
    assert.deepEqual(notebook.cells[1]!.outputs, []);
  });

  it('round-trips source → Jupyter → source for every language', () => {
    for (const language of ['PYTHON', 'SQL', 'SCALA', 'R'] as const) {
      const { header, separator, magicPrefix } = NOTEBOOK_SYNTAX[language];
      const text = `${header}\n${magicPrefix}%md\n${magicPrefix}# Heading\n\n${separator}\n\nline one\nline two\n`;
      const ipynb = exportJupyter(notebookNode(language, 'SOURCE', text));
      assert.equal(jupyterLanguage(parseJupyter(ipynb)), language);
      assert.equal(exportSource(notebookNode(language, 'JUPYTER', ipynb)).toString(), text, language);
    }
  });

  it('exports a JUPYTER notebook verbatim as Jupyter and converts it to source', () => {
    const ipynb = Buffer.from(
      JSON.stringify({
        cells: [
          { cell_type: 'markdown', metadata: {}, source: ['# Exploration\n', 'Read the data.'] },
          { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: 'import pandas as pd\ndf = pd.DataFrame()' },
          { cell_type: 'code', metadata: {}, outputs: [], execution_count: 3, source: ['df.describe()'] },
        ],
        metadata: { language_info: { name: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
      }),
    );
    const node = notebookNode('PYTHON', 'JUPYTER', ipynb);
    assert.equal(exportJupyter(node), ipynb);
    assert.equal(
      exportSource(node).toString(),
      `${py.header}\n# MAGIC %md\n# MAGIC # Exploration\n# MAGIC Read the data.\n\n${py.separator}\n\n` +
        `import pandas as pd\ndf = pd.DataFrame()\n\n${py.separator}\n\ndf.describe()\n`,
    );
  });

  it('rejects content that is not a Jupyter notebook with 400 INVALID_PARAMETER_VALUE', () => {
    for (const bad of ['not json', '[]', 'null', '{"cells": []}', '{"nbformat": 4}', '{"cells": {}, "nbformat": 4}']) {
      assertApiError(() => parseJupyter(Buffer.from(bad)), 400, 'INVALID_PARAMETER_VALUE');
    }
    assert.equal(jupyterLanguage(parseJupyter(Buffer.from('{"cells":[],"nbformat":4}'))), undefined);
    assert.equal(jupyterLanguage(parseJupyter(Buffer.from('{"cells":[],"nbformat":4,"metadata":{"language_info":{"name":"Scala"}}}'))), 'SCALA');
    assert.equal(jupyterLanguage(parseJupyter(Buffer.from('{"cells":[],"nbformat":4,"metadata":{"language_info":{"name":"julia"}}}'))), undefined);
  });
});

describe('endpointKey', () => {
  it('is the method and the path without parameters', () => {
    assert.equal(endpointKey('GET', '/api/2.0/workspace/list'), 'GET /api/2.0/workspace/list');
    assert.equal(endpointKey('POST', '/api/2.0/workspace/import'), 'POST /api/2.0/workspace/import');
    assert.equal(endpointKey('GET', '/api/2.0/preview/scim/v2/Me'), 'GET /api/2.0/preview/scim/v2/Me');
  });

  it('folds paths carried in the URL into placeholders', () => {
    assert.equal(
      endpointKey('POST', '/api/2.0/workspace-files/import-file/Users/u/a%20b.py'),
      'POST /api/2.0/workspace-files/import-file/{path}',
    );
    assert.equal(endpointKey('POST', '/api/2.0/workspace-files/import-file/x'), 'POST /api/2.0/workspace-files/import-file/{path}');
    assert.equal(endpointKey('GET', '/api/2.0/workspace-files/Users/u/data.csv'), 'GET /api/2.0/workspace-files/{path}');
    assert.equal(endpointKey('GET', '/api/2.0/workspace-files/Shared'), 'GET /api/2.0/workspace-files/{path}');
    assert.equal(endpointKey('GET', '/__emulator/signed/abc.def'), 'GET /__emulator/signed/{token}');
    assert.equal(endpointKey('PUT', '/__emulator/signed/xyz.123'), 'PUT /__emulator/signed/{token}');
  });

  it('keeps the named workspace-files endpoints apart', () => {
    for (const name of ['list-files', 'object-info', 'new-files']) {
      const method = name === 'new-files' ? 'POST' : 'GET';
      assert.equal(endpointKey(method, `/api/2.0/workspace-files/${name}`), `${method} /api/2.0/workspace-files/${name}`);
    }
  });
});

describe('mulberry32', () => {
  const draw = (seed: number, count: number): number[] => {
    const random = mulberry32(seed);
    return Array.from({ length: count }, () => random());
  };

  it('repeats the same sequence for the same seed', () => {
    assert.deepEqual(draw(42, 200), draw(42, 200));
    assert.deepEqual(draw(0, 50), draw(0, 50));
    // Seeds are taken as unsigned 32-bit integers.
    assert.deepEqual(draw(2 ** 32 + 7, 20), draw(7, 20));
  });

  it('gives different sequences for different seeds', () => {
    assert.notDeepEqual(draw(1, 20), draw(2, 20));
    assert.notDeepEqual(draw(42, 20), draw(43, 20));
  });

  it('returns spread-out floats in [0, 1)', () => {
    const values = draw(12345, 10_000);
    for (const value of values) assert.ok(value >= 0 && value < 1, `out of range: ${value}`);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    assert.ok(mean > 0.45 && mean < 0.55, `mean ${mean}`);
    assert.ok(new Set(values).size > 9_900, 'values repeat too often');
    assert.ok(values.some((value) => value < 0.1) && values.some((value) => value > 0.9));
  });
});

describe('zipArchive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsfs-zip-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const entries: Array<[string, Buffer]> = [
    ['README.md', Buffer.from('# hello\n')],
    ['src/pkg/module.py', Buffer.from('def f():\n    return 1\n')],
    ['empty.txt', Buffer.alloc(0)],
    ['data/blob.bin', Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256))],
  ];

  /** Reads a stored-only ZIP through its central directory, checking every CRC. */
  function readZip(zip: Buffer): Array<[string, Buffer]> {
    const end = zip.length - 22;
    assert.equal(zip.readUInt32LE(end), 0x06054b50, 'end of central directory signature');
    const count = zip.readUInt16LE(end + 10);
    let central = zip.readUInt32LE(end + 16);
    assert.equal(central + zip.readUInt32LE(end + 12), end, 'central directory size and offset');
    const result: Array<[string, Buffer]> = [];
    for (let i = 0; i < count; i++) {
      assert.equal(zip.readUInt32LE(central), 0x02014b50, 'central header signature');
      assert.equal(zip.readUInt16LE(central + 10), 0, 'stored, not compressed');
      const crc = zip.readUInt32LE(central + 16);
      const size = zip.readUInt32LE(central + 20);
      const nameLength = zip.readUInt16LE(central + 28);
      const local = zip.readUInt32LE(central + 42);
      const name = zip.subarray(central + 46, central + 46 + nameLength).toString('utf8');
      assert.equal(zip.readUInt32LE(local), 0x04034b50, 'local header signature');
      assert.equal(zip.readUInt32LE(local + 14), crc, 'local and central CRC agree');
      const localName = zip.readUInt16LE(local + 26);
      const start = local + 30 + localName + zip.readUInt16LE(local + 28);
      const content = zip.subarray(start, start + size);
      assert.equal(crc32(content), crc, `CRC of ${name}`);
      result.push([name, Buffer.from(content)]);
      central += 46 + nameLength + zip.readUInt16LE(central + 30) + zip.readUInt16LE(central + 32);
    }
    return result;
  }

  it('writes entries that read back with correct CRCs, including UTF-8 names', () => {
    const withUtf8: Array<[string, Buffer]> = [...entries, ['notebooks/Überblick ü.py', Buffer.from('# Databricks notebook source\n')]];
    assert.deepEqual(readZip(zipArchive(withUtf8)), withUtf8);
    const zip = zipArchive(withUtf8);
    assert.equal(zip.readUInt16LE(6) & 0x0800, 0x0800, 'UTF-8 name flag');
  });

  it('writes an empty archive as a bare end record', () => {
    const zip = zipArchive([]);
    assert.equal(zip.length, 22);
    assert.deepEqual(readZip(zip), []);
  });

  const unzip = spawnSync('unzip', ['-v'], { stdio: 'ignore' });
  it('is accepted by unzip (list, test, extract)', { skip: unzip.status === 0 ? false : 'unzip is not installed' }, () => {
    const file = join(dir, 'archive.zip');
    writeFileSync(file, zipArchive(entries));
    const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(names, entries.map(([name]) => name));
    const tested = execFileSync('unzip', ['-t', file], { encoding: 'utf8' });
    assert.match(tested, /No errors detected/);
    for (const [name, content] of entries) {
      assert.deepEqual(execFileSync('unzip', ['-p', file, name]), content, name);
    }
  });
});

describe('UrlSigner', () => {
  let now = 1_700_000_000_000;
  const signer = new UrlSigner(() => 'http://127.0.0.1:9', () => 60_000, () => now);
  const tokenOf = (url: string): string => {
    const prefix = 'http://127.0.0.1:9/__emulator/signed/';
    assert.ok(url.startsWith(prefix), url);
    return url.slice(prefix.length);
  };

  it('issues GET and PUT URLs that verify to their grant', () => {
    const get = signer.issue({ method: 'GET', path: '/Shared/a.csv', objectId: 77 });
    assert.deepEqual(get.headers, {});
    assert.equal(get.expiry_time_millis, now + 60_000);
    assert.deepEqual(signer.verify(tokenOf(get.url)), {
      ok: true,
      grant: { method: 'GET', path: '/Shared/a.csv', objectId: 77, expiresAt: now + 60_000 },
    });
    const put = signer.issue({ method: 'PUT', path: '/Shared/new.bin', overwrite: true });
    assert.deepEqual(put.headers, { ...UPLOAD_HEADERS });
    const verified = signer.verify(tokenOf(put.url));
    assert.ok(verified.ok);
    assert.equal(verified.grant.method, 'PUT');
    assert.equal(verified.grant.overwrite, true);
  });

  it('refuses a token once it has expired', () => {
    const start = now;
    const token = tokenOf(signer.issue({ method: 'GET', path: '/x', objectId: 1 }).url);
    now = start + 60_000;
    assert.equal(signer.verify(token).ok, true, 'valid up to its expiry');
    now = start + 60_001;
    assert.deepEqual(signer.verify(token), { ok: false, reason: 'expired' });
    now = start;
  });

  it('refuses tampered, truncated, extended and foreign tokens', () => {
    const token = tokenOf(signer.issue({ method: 'GET', path: '/Shared/a', objectId: 5 }).url);
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ method: 'GET', path: '/Shared/b', objectId: 5, expiresAt: now + 60_000 })).toString('base64url');
    const flip = (text: string, at: number): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const other = new UrlSigner(() => 'http://127.0.0.1:9', () => 60_000, () => now);
    const foreign = tokenOf(other.issue({ method: 'GET', path: '/Shared/a', objectId: 5 }).url);
    for (const bad of [
      `${forged}.${signature}`,
      `${flip(payload, 3)}.${signature}`,
      `${payload}.${flip(signature, 5)}`,
      `${payload}.${signature.slice(0, -1)}`,
      `${payload}.${signature}.extra`,
      `${payload}.`,
      payload,
      '',
      foreign,
    ]) {
      assert.deepEqual(signer.verify(bad), { ok: false, reason: 'invalid' }, bad);
    }
    assert.equal(signer.verify(token).ok, true);
  });
});
