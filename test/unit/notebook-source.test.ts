// Notebook source rules: what a saved file becomes (detectNotebook, planUpload), the language
// conversion of SOURCE text (convertSource), and what a rename means remotely (planRename).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LANGUAGES, NOTEBOOK_SYNTAX, type Language } from '../../src/shared/workspace-types';
import type { RemoteEntry } from '../../src/fs/remote/remote-workspace';
import { buildDirectoryView, type DirectoryView, type VisibleEntry } from '../../src/fs/notebooks/directory-view';
import { HEADER_PROBE_BYTES, convertSource, detectNotebook, planUpload } from '../../src/fs/notebooks/notebook-source';
import { planRename } from '../../src/fs/notebooks/rename-plan';

const D = '/Users/ada@example.com/project';
const E = '/Shared/other';
let ids = 0;
const file = (dir: string, name: string): RemoteEntry => ({ path: `${dir}/${name}`, type: 'FILE', rawType: 'FILE', objectId: ++ids });
const folder = (dir: string, name: string): RemoteEntry => ({ path: `${dir}/${name}`, type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: ++ids });
const other = (dir: string, name: string): RemoteEntry => ({ path: `${dir}/${name}`, type: 'OTHER', rawType: 'DASHBOARD', objectId: ++ids });
const notebook = (dir: string, name: string, language: Language): RemoteEntry => ({
  path: `${dir}/${name}`,
  type: 'NOTEBOOK',
  rawType: 'NOTEBOOK',
  objectId: ++ids,
  language,
});
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const visible = (view: DirectoryView, name: string): VisibleEntry => {
  const entry = view.entries.get(name);
  assert.ok(entry, `${name} is visible`);
  return entry;
};

const JUPYTER = JSON.stringify({ cells: [{ cell_type: 'code', source: ['x = 1'], metadata: {}, outputs: [] }], metadata: {}, nbformat: 4, nbformat_minor: 2 });
const jupyter = (metadata: Record<string, unknown>): Buffer => bytes(JSON.stringify({ cells: [], metadata, nbformat: 4, nbformat_minor: 5 }));

describe('detectNotebook', () => {
  it('makes a notebook of each language from its extension and exact header', () => {
    for (const language of LANGUAGES) {
      const { extension, header } = NOTEBOOK_SYNTAX[language];
      assert.deepEqual(detectNotebook(`nb${extension}`, bytes(`${header}\nbody\n`)), { remoteName: 'nb', language, format: 'SOURCE' });
    }
  });

  it('requires the header exactly, as line 1', () => {
    const h = '# Databricks notebook source';
    assert.equal(detectNotebook('a.py', bytes(`${h} \nx`)), undefined);
    assert.equal(detectNotebook('a.py', bytes(` ${h}\nx`)), undefined);
    assert.equal(detectNotebook('a.py', bytes(`#  Databricks notebook source\n`)), undefined);
    assert.equal(detectNotebook('a.py', bytes(`\n${h}\n`)), undefined);
    assert.equal(detectNotebook('a.py', bytes(`${h.toLowerCase()}\n`)), undefined);
    assert.equal(detectNotebook('a.sql', bytes(`${h}\n`)), undefined, 'a Python header does not make a SQL notebook');
    assert.equal(detectNotebook('a.scala', bytes('-- Databricks notebook source\n')), undefined);
    assert.equal(detectNotebook('a.txt', bytes(`${h}\n`)), undefined);
    assert.equal(detectNotebook('a.py', bytes('')), undefined);
    assert.deepEqual(detectNotebook('a.py', bytes(h)), { remoteName: 'a', language: 'PYTHON', format: 'SOURCE' }, 'header without a newline');
  });

  it('accepts a CRLF first line', () => {
    assert.equal(detectNotebook('a.sql', bytes('-- Databricks notebook source\r\nSELECT 1\r\n'))?.language, 'SQL');
    assert.equal(detectNotebook('a.sql', bytes('-- Databricks notebook source\rSELECT 1')), undefined, 'a lone CR is not a line end');
  });

  it('needs only the first HEADER_PROBE_BYTES bytes', () => {
    for (const language of LANGUAGES) {
      const { extension, header } = NOTEBOOK_SYNTAX[language];
      const head = bytes(`${header}\r\n${'x'.repeat(100)}`).subarray(0, HEADER_PROBE_BYTES);
      assert.equal(detectNotebook(`n${extension}`, head)?.language, language);
    }
  });

  it('matches the extension case-insensitively and strips it as written', () => {
    assert.deepEqual(detectNotebook('model.R', bytes('# Databricks notebook source\n')), { remoteName: 'model', language: 'R', format: 'SOURCE' });
    assert.deepEqual(detectNotebook('Model.PY', bytes('# Databricks notebook source\n')), { remoteName: 'Model', language: 'PYTHON', format: 'SOURCE' });
    assert.deepEqual(detectNotebook('q.Sql', bytes('-- Databricks notebook source\n')), { remoteName: 'q', language: 'SQL', format: 'SOURCE' });
  });

  it('keeps a bare extension a file', () => {
    assert.equal(detectNotebook('.py', bytes('# Databricks notebook source\n')), undefined);
    assert.equal(detectNotebook('.ipynb', bytes(JUPYTER)), undefined);
  });

  it('keeps spaces and unicode in the notebook name', () => {
    assert.equal(detectNotebook('Mein Notizbuch ü 笔记.scala', bytes('// Databricks notebook source\n'))?.remoteName, 'Mein Notizbuch ü 笔记');
  });

  it('makes a JUPYTER notebook of a .ipynb holding nbformat JSON', () => {
    assert.deepEqual(detectNotebook('analysis.ipynb', bytes(JUPYTER)), { remoteName: 'analysis', language: 'PYTHON', format: 'JUPYTER' });
    assert.deepEqual(detectNotebook('A.IPYNB', bytes(JUPYTER)), { remoteName: 'A', language: 'PYTHON', format: 'JUPYTER' });
    assert.equal(detectNotebook('q.ipynb', jupyter({ language_info: { name: 'sql' } }))?.language, 'SQL');
    assert.equal(detectNotebook('q.ipynb', jupyter({ kernelspec: { language: 'R', name: 'ir' } }))?.language, 'R');
    assert.equal(detectNotebook('q.ipynb', jupyter({ language_info: { name: 'scala' }, kernelspec: { language: 'python' } }))?.language, 'SCALA');
    assert.equal(detectNotebook('q.ipynb', jupyter({ language_info: { name: 'julia' } }))?.language, 'PYTHON');
  });

  it('keeps a .ipynb that is not nbformat JSON a file', () => {
    assert.equal(detectNotebook('a.ipynb', bytes('not json')), undefined);
    assert.equal(detectNotebook('a.ipynb', bytes('{"cells": []}')), undefined, 'no nbformat');
    assert.equal(detectNotebook('a.ipynb', bytes('{"nbformat": 4}')), undefined, 'no cells');
    assert.equal(detectNotebook('a.ipynb', bytes('[1]')), undefined);
    assert.equal(detectNotebook('a.ipynb', bytes(JUPYTER).subarray(0, 20)), undefined, 'a truncated file');
    assert.equal(detectNotebook('a.ipynb', Buffer.from([0xff, 0xfe, 0x7b])), undefined, 'not UTF-8');
    assert.equal(detectNotebook('a.json', bytes(JUPYTER)), undefined);
  });
});

describe('planUpload', () => {
  const view = buildDirectoryView(D, [
    notebook(D, 'nb', 'PYTHON'),
    notebook(D, 'jup', 'SQL'),
    file(D, 'jup.sql'),
    file(D, 'renamed.py'),
    file(D, 'data.csv'),
    folder(D, 'etl'),
    notebook(D, 'sales', 'SQL'),
    other(D, 'Board.lvdash.json'),
  ]);
  const header = bytes('# Databricks notebook source\nx = 1\n');
  const plain = bytes('x = 1\n');

  it('makes a new source file with the header a notebook, without the extension', () => {
    assert.deepEqual(planUpload('new.py', header, view), { kind: 'notebook', path: `${D}/new`, language: 'PYTHON', format: 'SOURCE' });
    assert.deepEqual(planUpload('model.R', header, view), { kind: 'notebook', path: `${D}/model`, language: 'R', format: 'SOURCE' });
  });

  it('keeps a new source file without the header a plain file', () => {
    assert.deepEqual(planUpload('new.py', plain, view), { kind: 'file', path: `${D}/new.py` });
    assert.deepEqual(planUpload('notes.txt', header, view), { kind: 'file', path: `${D}/notes.txt` });
  });

  it('makes a new .ipynb of nbformat JSON a JUPYTER notebook', () => {
    assert.deepEqual(planUpload('fresh.ipynb', bytes(JUPYTER), view), { kind: 'notebook', path: `${D}/fresh`, language: 'PYTHON', format: 'JUPYTER' });
    assert.deepEqual(planUpload('fresh.ipynb', bytes('{}'), view), { kind: 'file', path: `${D}/fresh.ipynb` });
  });

  it('keeps an existing notebook that notebook, whatever the bytes', () => {
    const expected = { kind: 'notebook', path: `${D}/nb`, language: 'PYTHON', format: 'SOURCE' };
    assert.deepEqual(planUpload('nb.py', header, view), expected);
    assert.deepEqual(planUpload('nb.py', plain, view), expected, 'a save without the header');
    assert.deepEqual(planUpload('jup.ipynb', bytes(JUPYTER), view), { kind: 'notebook', path: `${D}/jup`, language: 'SQL', format: 'JUPYTER' });
  });

  it('turns an existing file into a notebook when its new bytes make one', () => {
    assert.deepEqual(planUpload('renamed.py', header, view), {
      kind: 'notebook',
      path: `${D}/renamed`,
      language: 'PYTHON',
      format: 'SOURCE',
      replaces: view.entries.get('renamed.py')!.entry,
    });
    assert.deepEqual(planUpload('renamed.py', plain, view), { kind: 'file', path: `${D}/renamed.py` });
    assert.deepEqual(planUpload('jup.sql', bytes('-- Databricks notebook source\n'), view).kind, 'refuse', 'notebook jup exists');
  });

  it('refuses what the workspace cannot hold', () => {
    const refusal = (name: string, content: Buffer): string | undefined => {
      const plan = planUpload(name, content, view);
      return plan.kind === 'refuse' ? plan.reason : undefined;
    };
    assert.equal(refusal('etl', plain), 'is-a-directory');
    assert.equal(refusal('etl.py', header), 'name-taken', 'notebook etl next to folder etl');
    assert.equal(refusal('sales.py', header), 'name-taken', 'notebook sales (SQL) exists');
    assert.equal(refusal('nb', plain), 'name-taken', 'a file named like notebook nb');
    assert.equal(refusal('Board.lvdash.json', plain), 'name-taken', 'a hidden dashboard');
    assert.equal(refusal('..', plain), 'invalid-name');
    assert.equal(refusal('a\0b', plain), 'invalid-name');
    assert.equal(refusal('etl.py', plain), undefined, 'a plain file etl.py is fine');
  });
});

describe('convertSource', () => {
  const python = [
    '# Databricks notebook source',
    'import os  # MAGIC inside code stays',
    '# a comment stays',
    '',
    '# COMMAND ----------',
    '',
    '# DBTITLE 1,Load data',
    'df = spark.read.table("t")',
    '',
    '# COMMAND ----------',
    '',
    '# MAGIC %md',
    '# MAGIC # Title',
    '# MAGIC',
    '# MAGIC text',
    '',
    '# Databricks notebook source',
    '',
  ].join('\n');
  const sql = [
    '-- Databricks notebook source',
    'import os  # MAGIC inside code stays',
    '# a comment stays',
    '',
    '-- COMMAND ----------',
    '',
    '-- DBTITLE 1,Load data',
    'df = spark.read.table("t")',
    '',
    '-- COMMAND ----------',
    '',
    '-- MAGIC %md',
    '-- MAGIC # Title',
    '-- MAGIC',
    '-- MAGIC text',
    '',
    '# Databricks notebook source',
    '',
  ].join('\n');

  it('rewrites header, separators, MAGIC and DBTITLE lines and nothing else', () => {
    assert.equal(convertSource(python, 'PYTHON', 'SQL'), sql);
    assert.equal(convertSource(sql, 'SQL', 'PYTHON'), python);
    assert.match(convertSource(python, 'PYTHON', 'SCALA'), /^\/\/ Databricks notebook source\n[\s\S]*\n\/\/ COMMAND ----------\n[\s\S]*\n\/\/ MAGIC %md\n/);
  });

  it('leaves the text unchanged between PYTHON and R', () => {
    assert.equal(convertSource(python, 'PYTHON', 'R'), python);
    assert.equal(convertSource(python, 'R', 'PYTHON'), python);
  });

  it('round-trips byte for byte through every pair of languages', () => {
    for (const from of LANGUAGES) {
      const text = convertSource(python, 'PYTHON', from);
      for (const to of LANGUAGES) {
        assert.equal(convertSource(convertSource(text, from, to), to, from), text, `${from} → ${to} → ${from}`);
      }
    }
  });

  it('keeps CRLF line endings', () => {
    const crlf = python.replace(/\n/g, '\r\n');
    assert.equal(convertSource(crlf, 'PYTHON', 'SQL'), sql.replace(/\n/g, '\r\n'));
    assert.equal(convertSource(convertSource(crlf, 'PYTHON', 'SCALA'), 'SCALA', 'PYTHON'), crlf);
  });

  it('handles text without a trailing newline or header', () => {
    assert.equal(convertSource('-- Databricks notebook source', 'SQL', 'SCALA'), '// Databricks notebook source');
    assert.equal(convertSource('SELECT 1\n-- COMMAND ----------\nSELECT 2', 'SQL', 'PYTHON'), 'SELECT 1\n# COMMAND ----------\nSELECT 2');
  });
});

describe('planRename', () => {
  const d = buildDirectoryView(D, [
    notebook(D, 'nb', 'PYTHON'),
    notebook(D, 'q', 'SQL'),
    notebook(D, 'jup', 'SCALA'),
    file(D, 'jup.scala'),
    notebook(D, 'other', 'PYTHON'),
    file(D, 'data.txt'),
    file(D, 'nb.py.tmp'),
    file(D, 'plain.py'),
    folder(D, 'etl'),
    folder(D, 'empty'),
    other(D, 'Board.lvdash.json'),
    notebook(D, 'Mein Notizbuch ü', 'PYTHON'),
  ]);
  const e = buildDirectoryView(E, [file(E, 'taken.sql'), notebook(E, 'target', 'SQL'), notebook(E, 'jtarget', 'R'), file(E, 'jtarget.r')]);
  const nb = visible(d, 'nb.py');

  it('moves a notebook renamed within its language, also to another folder', () => {
    assert.deepEqual(planRename(nb, 'renamed.py', d), { kind: 'move', from: `${D}/nb`, to: `${D}/renamed` });
    assert.deepEqual(planRename(nb, 'renamed.py', e), { kind: 'move', from: `${D}/nb`, to: `${E}/renamed` });
    assert.deepEqual(planRename(visible(d, 'q.sql'), 'Q2.SQL', d), { kind: 'move', from: `${D}/q`, to: `${D}/Q2` });
  });

  it('does nothing for the same name, or a same-language name of the same notebook', () => {
    assert.deepEqual(planRename(nb, 'nb.py', d), { kind: 'noop' });
    assert.deepEqual(planRename(nb, 'nb.PY', d), { kind: 'noop' });
    assert.deepEqual(planRename(visible(d, 'etl'), 'etl', d), { kind: 'noop' });
    const r = buildDirectoryView(D, [notebook(D, 'm', 'R')]);
    assert.deepEqual(planRename(visible(r, 'm.r'), 'm.R', r), { kind: 'noop' });
  });

  it('converts a notebook renamed to another language, in place or to a new name', () => {
    assert.deepEqual(planRename(nb, 'nb.sql', d), { kind: 'convert-language', from: `${D}/nb`, to: `${D}/nb`, fromLanguage: 'PYTHON', toLanguage: 'SQL' });
    assert.deepEqual(planRename(nb, 'b.scala', e), { kind: 'convert-language', from: `${D}/nb`, to: `${E}/b`, fromLanguage: 'PYTHON', toLanguage: 'SCALA' });
    assert.deepEqual(planRename(nb, 'nb.R', d), { kind: 'convert-language', from: `${D}/nb`, to: `${D}/nb`, fromLanguage: 'PYTHON', toLanguage: 'R' });
    assert.deepEqual(planRename(visible(d, 'Mein Notizbuch ü.py'), 'Mein Notizbuch ü 2.sql', d), {
      kind: 'convert-language',
      from: `${D}/Mein Notizbuch ü`,
      to: `${D}/Mein Notizbuch ü 2`,
      fromLanguage: 'PYTHON',
      toLanguage: 'SQL',
    });
  });

  it('converts over a file holding the target name, replacing it', () => {
    assert.deepEqual(planRename(visible(d, 'q.sql'), 'taken.sql', e), { kind: 'move', from: `${D}/q`, to: `${E}/taken`, replace: visible(e, 'taken.sql').entry });
    assert.deepEqual(planRename(nb, 'taken.sql', e), {
      kind: 'convert-language',
      from: `${D}/nb`,
      to: `${E}/taken`,
      fromLanguage: 'PYTHON',
      toLanguage: 'SQL',
      replace: visible(e, 'taken.sql').entry,
    });
  });

  it('turns a notebook renamed to a non-source name into a file of the bytes it showed', () => {
    assert.deepEqual(planRename(nb, 'nb.txt', d), { kind: 'notebook-to-file', from: `${D}/nb`, format: 'SOURCE', to: `${D}/nb.txt` });
    assert.deepEqual(planRename(nb, 'nb.ipynb', d), { kind: 'notebook-to-file', from: `${D}/nb`, format: 'SOURCE', to: `${D}/nb.ipynb` }, 'source text is not nbformat');
    assert.deepEqual(planRename(nb, '.py', d), { kind: 'notebook-to-file', from: `${D}/nb`, format: 'SOURCE', to: `${D}/.py` });
    assert.deepEqual(planRename(nb, 'data.txt', d), { kind: 'notebook-to-file', from: `${D}/nb`, format: 'SOURCE', to: `${D}/data.txt`, replace: visible(d, 'data.txt').entry });
    assert.deepEqual(planRename(visible(d, 'jup.ipynb'), 'jup.json', d), { kind: 'notebook-to-file', from: `${D}/jup`, format: 'JUPYTER', to: `${D}/jup.json` });
  });

  it('moves a JUPYTER-presented notebook renamed to another .ipynb name', () => {
    const jup = visible(d, 'jup.ipynb');
    assert.deepEqual(jup.presentation, { kind: 'NOTEBOOK', language: 'SCALA', format: 'JUPYTER' });
    assert.deepEqual(planRename(jup, 'moved.ipynb', e), { kind: 'move', from: `${D}/jup`, to: `${E}/moved` });
    assert.deepEqual(planRename(jup, 'jup.IPYNB', d), { kind: 'noop' });
  });

  it('drops the file that pushed a notebook to .ipynb when the notebook is renamed onto it', () => {
    const jup = visible(d, 'jup.ipynb');
    assert.deepEqual(planRename(jup, 'jup.scala', d), { kind: 'remove-destination', replace: visible(d, 'jup.scala').entry });
  });

  it('gives an existing notebook new content when a file or notebook is renamed onto it', () => {
    assert.deepEqual(planRename(visible(d, 'nb.py.tmp'), 'nb.py', d), {
      kind: 'replace-notebook-content',
      from: `${D}/nb.py.tmp`,
      read: 'RAW',
      to: `${D}/nb`,
      language: 'PYTHON',
      format: 'SOURCE',
    });
    assert.deepEqual(planRename(visible(d, 'other.py'), 'nb.py', d), {
      kind: 'replace-notebook-content',
      from: `${D}/other`,
      read: 'SOURCE',
      to: `${D}/nb`,
      language: 'PYTHON',
      format: 'SOURCE',
    });
    assert.deepEqual(planRename(nb, 'target.sql', e), {
      kind: 'replace-notebook-content',
      from: `${D}/nb`,
      read: 'SOURCE',
      convert: { from: 'PYTHON', to: 'SQL' },
      to: `${E}/target`,
      language: 'SQL',
      format: 'SOURCE',
    });
    assert.deepEqual(planRename(nb, 'jtarget.ipynb', e), {
      kind: 'replace-notebook-content',
      from: `${D}/nb`,
      read: 'JUPYTER',
      to: `${E}/jtarget`,
      language: 'R',
      format: 'JUPYTER',
    });
  });

  it('moves a plain file to a source name and keeps it a file', () => {
    assert.deepEqual(planRename(visible(d, 'data.txt'), 'script.py', d), { kind: 'move', from: `${D}/data.txt`, to: `${D}/script.py` });
    assert.deepEqual(planRename(visible(d, 'plain.py'), 'plain.sql', d), { kind: 'move', from: `${D}/plain.py`, to: `${D}/plain.sql` });
    assert.deepEqual(planRename(visible(d, 'data.txt'), 'plain.py', d), { kind: 'move', from: `${D}/data.txt`, to: `${D}/plain.py`, replace: visible(d, 'plain.py').entry });
  });

  it('moves folders, replacing a folder but nothing else', () => {
    const etl = visible(d, 'etl');
    assert.deepEqual(planRename(etl, 'pipelines', e), { kind: 'move', from: `${D}/etl`, to: `${E}/pipelines` });
    assert.deepEqual(planRename(etl, 'etl.py', d), { kind: 'move', from: `${D}/etl`, to: `${D}/etl.py` });
    assert.deepEqual(planRename(etl, 'empty', d), { kind: 'move', from: `${D}/etl`, to: `${D}/empty`, replace: visible(d, 'empty').entry });
    assert.equal((planRename(etl, 'data.txt', d) as { reason?: string }).reason, 'not-a-directory');
    assert.equal((planRename(etl, 'nb.py', d) as { reason?: string }).reason, 'not-a-directory');
  });

  it('refuses what the workspace cannot hold', () => {
    const reason = (from: VisibleEntry, toName: string, view: DirectoryView): string | undefined => {
      const plan = planRename(from, toName, view);
      return plan.kind === 'refuse' ? plan.reason : undefined;
    };
    assert.equal(reason(visible(d, 'data.txt'), 'etl', d), 'is-a-directory');
    assert.equal(reason(nb, 'etl', d), 'is-a-directory');
    assert.equal(reason(nb, 'etl.py', d), 'name-taken', 'notebook etl next to folder etl');
    assert.equal(reason(nb, 'q.py', d), 'name-taken', 'notebook q (SQL) exists');
    assert.equal(reason(nb, 'nb', d), 'name-taken', 'a file named like the notebook itself');
    assert.equal(reason(visible(d, 'data.txt'), 'other', d), 'name-taken', 'a file named like notebook other');
    assert.equal(reason(visible(d, 'etl'), 'Board.lvdash.json', d), 'name-taken', 'a hidden dashboard');
    assert.equal(reason(nb, 'a/b.py', d), 'invalid-name');
    assert.equal(reason(nb, '', d), 'invalid-name');
  });
});
