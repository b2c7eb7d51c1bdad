// The directory view: which local names a folder's children get, the `.ipynb` fallback on a
// collision, what is hidden and why, and that the result does not depend on listing order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Language } from '../../src/shared/workspace-types';
import type { RemoteEntry } from '../../src/fs/remote/remote-workspace';
import {
  buildDirectoryView,
  childPath,
  downloadFormat,
  invalidNameReason,
  type DirectoryView,
} from '../../src/fs/notebooks/directory-view';

const DIR = '/Users/ada@example.com';
let ids = 0;
const at = (name: string): string => `${DIR}/${name}`;
const file = (name: string): RemoteEntry => ({ path: at(name), type: 'FILE', rawType: 'FILE', objectId: ++ids });
const folder = (name: string): RemoteEntry => ({ path: at(name), type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: ++ids });
const repo = (name: string): RemoteEntry => ({ path: at(name), type: 'REPO', rawType: 'REPO', objectId: ++ids });
const other = (name: string, rawType: string): RemoteEntry => ({ path: at(name), type: 'OTHER', rawType, objectId: ++ids });
const notebook = (name: string, language: Language | undefined): RemoteEntry => ({
  path: at(name),
  type: 'NOTEBOOK',
  rawType: 'NOTEBOOK',
  objectId: ++ids,
  ...(language !== undefined && { language }),
});

const view = (...entries: RemoteEntry[]): DirectoryView => buildDirectoryView(DIR, entries);
const shown = (v: DirectoryView): Record<string, string> =>
  Object.fromEntries([...v.entries].map(([name, e]) => [name, `${e.entry.path.slice(DIR.length + 1)} ${JSON.stringify(e.presentation)}`]));
const hiddenReasons = (v: DirectoryView): Array<[string, string]> => v.hidden.map((h) => [h.remoteName, h.reason]);

describe('directory view: names', () => {
  it('shows a notebook of each language under its extension, presented as SOURCE', () => {
    const v = view(notebook('a', 'PYTHON'), notebook('b', 'SQL'), notebook('c', 'SCALA'), notebook('d', 'R'));
    assert.deepEqual(v.names, ['a.py', 'b.sql', 'c.scala', 'd.r']);
    assert.deepEqual(v.entries.get('b.sql')?.presentation, { kind: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' });
    assert.deepEqual(v.entries.get('d.r')?.presentation, { kind: 'NOTEBOOK', language: 'R', format: 'SOURCE' });
    assert.equal(v.entries.get('c.scala')?.entry.path, at('c'));
    assert.deepEqual(v.hidden, []);
  });

  it('shows files, folders and repos under their exact names', () => {
    const v = view(file('data.csv'), folder('etl'), repo('analytics'), file('noext'));
    assert.deepEqual(shown(v), {
      analytics: 'analytics {"kind":"DIRECTORY"}',
      'data.csv': 'data.csv {"kind":"FILE"}',
      etl: 'etl {"kind":"DIRECTORY"}',
      noext: 'noext {"kind":"FILE"}',
    });
  });

  it('lists names sorted by code unit', () => {
    const v = view(file('b'), file('B'), file('a'), notebook('Z', 'SQL'), file('_x'));
    assert.deepEqual(v.names, ['B', 'Z.sql', '_x', 'a', 'b']);
  });

  it('keeps spaces and unicode in names', () => {
    const v = view(notebook('Getting Started', 'PYTHON'), notebook('Ünïcödé 笔记', 'SQL'), file('résumé final.txt'), folder('my folder'));
    assert.deepEqual(v.names, ['Getting Started.py', 'my folder', 'résumé final.txt', 'Ünïcödé 笔记.sql']);
    assert.equal(v.entries.get('Ünïcödé 笔记.sql')?.entry.path, at('Ünïcödé 笔记'));
  });

  it('adds the extension to a notebook whose name already has one', () => {
    const v = view(notebook('report.py', 'PYTHON'), file('report'));
    assert.deepEqual(v.names, ['report', 'report.py.py']);
    assert.equal(v.entries.get('report.py.py')?.entry.path, at('report.py'));
  });

  it('works at the workspace root', () => {
    const v = buildDirectoryView('/', [
      { path: '/Users', type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: 1 },
      { path: '/Shared', type: 'DIRECTORY', rawType: 'DIRECTORY', objectId: 2 },
      { path: '/Welcome', type: 'NOTEBOOK', rawType: 'NOTEBOOK', objectId: 3, language: 'SCALA' },
    ]);
    assert.deepEqual(v.names, ['Shared', 'Users', 'Welcome.scala']);
  });
});

describe('directory view: collisions', () => {
  it('falls back to .ipynb, presented as JUPYTER, when a file has the source name', () => {
    const v = view(notebook('foo', 'PYTHON'), file('foo.py'));
    assert.deepEqual(v.names, ['foo.ipynb', 'foo.py']);
    assert.deepEqual(v.entries.get('foo.ipynb')?.presentation, { kind: 'NOTEBOOK', language: 'PYTHON', format: 'JUPYTER' });
    assert.equal(v.entries.get('foo.ipynb')?.entry.path, at('foo'));
    assert.deepEqual(v.entries.get('foo.py')?.presentation, { kind: 'FILE' });
  });

  it('falls back for a folder or repo of the source name too', () => {
    assert.deepEqual(view(notebook('q', 'SQL'), folder('q.sql')).names, ['q.ipynb', 'q.sql']);
    assert.deepEqual(view(notebook('q', 'SCALA'), repo('q.scala')).names, ['q.ipynb', 'q.scala']);
  });

  it('hides the notebook when the .ipynb name is taken as well; real entries always win', () => {
    const v = view(notebook('foo', 'PYTHON'), file('foo.py'), file('foo.ipynb'));
    assert.deepEqual(v.names, ['foo.ipynb', 'foo.py']);
    assert.equal(v.entries.get('foo.ipynb')?.presentation.kind, 'FILE');
    assert.deepEqual(hiddenReasons(v), [['foo', 'name-collision']]);
    assert.match(v.hidden[0]!.message, /foo\.py and foo\.ipynb/);
  });

  it('compares names case-sensitively', () => {
    const v = view(notebook('foo', 'PYTHON'), file('FOO.py'), file('foo.PY'), notebook('bar', 'R'), file('bar.R'));
    assert.deepEqual(v.names, ['FOO.py', 'bar.R', 'bar.r', 'foo.PY', 'foo.py']);
    assert.deepEqual(v.entries.get('bar.r')?.presentation, { kind: 'NOTEBOOK', language: 'R', format: 'SOURCE' });
  });

  it('does not let a notebook take the name of a hidden object', () => {
    const v = view(notebook('sales', 'PYTHON'), other('sales.py', 'DASHBOARD'));
    assert.deepEqual(v.names, ['sales.ipynb']);
    assert.deepEqual(hiddenReasons(v), [['sales.py', 'unsupported-type']]);
  });

  it('keeps notebook and file of unrelated names apart', () => {
    const v = view(notebook('foo', 'SQL'), file('foo.py'), folder('foo.ipynb'));
    assert.deepEqual(v.names, ['foo.ipynb', 'foo.py', 'foo.sql']);
    assert.equal(v.entries.get('foo.sql')?.presentation.kind, 'NOTEBOOK');
  });
});

describe('directory view: hidden entries', () => {
  it('hides OTHER objects with their type in the message', () => {
    const v = view(other('Sales.lvdash.json', 'DASHBOARD'), other('lib', 'LIBRARY'), other('runs', 'MLFLOW_EXPERIMENT'), file('a'));
    assert.deepEqual(v.names, ['a']);
    assert.deepEqual(hiddenReasons(v), [
      ['Sales.lvdash.json', 'unsupported-type'],
      ['lib', 'unsupported-type'],
      ['runs', 'unsupported-type'],
    ]);
    assert.match(v.hidden[2]!.message, /MLFLOW_EXPERIMENT/);
    assert.equal(v.byRemoteName.get('lib')?.rawType, 'LIBRARY');
  });

  it('hides a notebook without a known language', () => {
    const v = view(notebook('mystery', undefined));
    assert.deepEqual(v.names, []);
    assert.deepEqual(hiddenReasons(v), [['mystery', 'no-language']]);
  });

  it('hides names that cannot be local file names', () => {
    const long = 'x'.repeat(254);
    const v = buildDirectoryView(DIR, [
      file('.'),
      file('..'),
      file('nul\0byte'),
      file('y'.repeat(256)),
      notebook(long, 'PYTHON'),
      { path: `${DIR}/sub/deeper`, type: 'FILE', rawType: 'FILE', objectId: 900 },
      { path: '/elsewhere/x', type: 'FILE', rawType: 'FILE', objectId: 901 },
      file('ok'),
    ]);
    assert.deepEqual(v.names, ['ok']);
    assert.equal(v.hidden.length, 7);
    assert.ok(v.hidden.every((h) => h.reason === 'invalid-name'));
    assert.ok(v.hidden.some((h) => h.remoteName === long && /255 bytes/.test(h.message)));
  });

  it('counts a name in UTF-8 bytes', () => {
    assert.equal(invalidNameReason('é'.repeat(127)), undefined);
    assert.match(invalidNameReason('é'.repeat(128)) ?? '', /255 bytes/);
    assert.equal(invalidNameReason('a name with spaces'), undefined);
    assert.match(invalidNameReason('a/b') ?? '', /"\/"/);
  });

  it('keeps the real entry when a notebook is listed under the same name', () => {
    for (const other of [file('same'), folder('same'), repo('same')]) {
      const nb = notebook('same', 'PYTHON');
      for (const order of [[nb, other], [other, nb]]) {
        const v = buildDirectoryView(DIR, order);
        assert.deepEqual(v.names, ['same']);
        assert.equal(v.entries.get('same')?.entry, other);
        assert.deepEqual(hiddenReasons(v), [['same', 'duplicate-name']]);
      }
    }
  });

  it('keeps one of two entries listed under one name, the lowest object id', () => {
    const first: RemoteEntry = { path: at('dup'), type: 'FILE', rawType: 'FILE', objectId: 5 };
    const second: RemoteEntry = { path: at('dup'), type: 'FILE', rawType: 'FILE', objectId: 7 };
    for (const order of [[first, second], [second, first]]) {
      const v = buildDirectoryView(DIR, order);
      assert.equal(v.entries.get('dup')?.entry.objectId, 5);
      assert.deepEqual(hiddenReasons(v), [['dup', 'duplicate-name']]);
      assert.equal(v.hidden[0]!.entry.objectId, 7);
    }
  });
});

describe('directory view: determinism', () => {
  const entries: RemoteEntry[] = [
    notebook('foo', 'PYTHON'),
    file('foo.py'),
    notebook('bar', 'SQL'),
    file('bar.sql'),
    file('bar.ipynb'),
    notebook('baz', 'SCALA'),
    folder('baz'),
    notebook('r', 'R'),
    other('dash', 'DASHBOARD'),
    repo('repo'),
    { path: `${DIR}/x`, type: 'FILE', rawType: 'FILE', objectId: 1000 },
    { path: `${DIR}/x`, type: 'FILE', rawType: 'FILE', objectId: 999 },
  ];
  // Fixed permutations: identity, reversed, and a stride walk (5 is coprime with 12).
  const permutations = [
    entries,
    [...entries].reverse(),
    entries.map((_, i) => entries[(i * 5 + 3) % entries.length]!),
  ];

  it('gives the same view for any listing order', () => {
    const reference = buildDirectoryView(DIR, entries);
    for (const permuted of permutations) {
      if (permuted !== entries) assert.notDeepEqual(permuted.map((e) => e.objectId), entries.map((e) => e.objectId));
      const v = buildDirectoryView(DIR, permuted);
      assert.deepEqual(v.names, reference.names);
      assert.deepEqual([...v.entries], [...reference.entries]);
      assert.deepEqual(v.hidden, reference.hidden);
    }
    assert.deepEqual(reference.names, ['bar.ipynb', 'bar.sql', 'baz', 'foo.ipynb', 'foo.py', 'r.r', 'repo', 'x']);
    assert.deepEqual(hiddenReasons(reference), [
      ['bar', 'name-collision'],
      ['baz', 'duplicate-name'],
      ['dash', 'unsupported-type'],
      ['x', 'duplicate-name'],
    ]);
    assert.equal(reference.entries.get('x')?.entry.objectId, 999);
  });
});

describe('directory view: helpers', () => {
  it('names the download format of each presentation', () => {
    assert.equal(downloadFormat({ kind: 'FILE' }), 'RAW');
    assert.equal(downloadFormat({ kind: 'DIRECTORY' }), undefined);
    assert.equal(downloadFormat({ kind: 'NOTEBOOK', language: 'SQL', format: 'SOURCE' }), 'SOURCE');
    assert.equal(downloadFormat({ kind: 'NOTEBOOK', language: 'SQL', format: 'JUPYTER' }), 'JUPYTER');
  });

  it('joins child paths, at the root too', () => {
    assert.equal(childPath('/', 'Users'), '/Users');
    assert.equal(childPath('/a/b', 'c d'), '/a/b/c d');
  });
});
