// The conformance scenarios: what a program sees on a wsfs mount, written once against a small
// driver so the same list runs in-process (WorkspaceFs called directly) and through a real FUSE
// mount (node:fs on the mount point). Each scenario gets its own empty scratch folder in the
// emulator's demo seed and may read (never change) the seed. Errors are compared by errno name.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';

/** The attributes a scenario looks at. */
export interface DriverStat {
  kind: 'file' | 'directory';
  size: number;
  mode: number;
  mtimeMs: number;
}

/** An open file. */
export interface DriverFile {
  read(length: number, position: number): Promise<Buffer>;
  write(data: Buffer | string, position: number): Promise<void>;
  truncate(size: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The operations scenarios use; every failure rejects with an Error whose `code` is an errno name. */
export interface ConformanceDriver {
  stat(path: string): Promise<DriverStat>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** Creates or replaces (open with O_CREAT|O_TRUNC, write, close). */
  writeFile(path: string, data: Buffer | string): Promise<void>;
  appendFile(path: string, data: Buffer | string): Promise<void>;
  /** `r` read-only, `r+` read-write, `w` create/truncate, `a` append. */
  open(path: string, mode: 'r' | 'r+' | 'w' | 'a'): Promise<DriverFile>;
  truncate(path: string, size: number): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  utimes(path: string, atimeMs: number, mtimeMs: number): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** access(2) with `mode` (default F_OK; R_OK, W_OK, X_OK of node:fs `constants`, or'd). */
  access(path: string, mode?: number): Promise<void>;
}

/**
 * What a scenario may ask of the workspace behind the mount (to check what really got stored).
 * With background uploads a close returns before the upload, so the probe first waits until the
 * engine owes the workspace nothing (docs/cache.md "Waiting for uploads"); in sync mode there is
 * nothing to wait for. Either way a scenario sees the same workspace.
 */
export interface WorkspaceProbe {
  /** The object at `path` (relative to the mount root; notebooks without extension), or undefined, once every closed save is uploaded. */
  object(path: string): Promise<{ type: string; language?: string } | undefined>;
}

/** Per-scenario context. */
export interface ScenarioContext {
  driver: ConformanceDriver;
  workspace: WorkspaceProbe;
  /** An empty folder for this scenario, e.g. `/conformance-3` (a mount path, `/`-rooted). */
  dir: string;
  /** The mounting user. */
  uid: number;
  gid: number;
}

/** One named scenario. */
export interface Scenario {
  name: string;
  run(context: ScenarioContext): Promise<void>;
}

/** Asserts that `promise` rejects with errno `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, `expected ${code}, got ${String(error)}`);
    return true;
  });
}

const HEADERS = [
  { language: 'PYTHON', ext: '.py', header: '# Databricks notebook source', separator: '# COMMAND ----------', code: 'print(1)' },
  { language: 'SQL', ext: '.sql', header: '-- Databricks notebook source', separator: '-- COMMAND ----------', code: 'SELECT 1' },
  { language: 'SCALA', ext: '.scala', header: '// Databricks notebook source', separator: '// COMMAND ----------', code: 'println(1)' },
  { language: 'R', ext: '.r', header: '# Databricks notebook source', separator: '# COMMAND ----------', code: 'print(1)' },
] as const;

/** Every scenario, in a stable order. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'seed: attributes of folders, files and notebooks; sizes match what a read returns',
    async run({ driver }) {
      const root = await driver.stat('/');
      assert.equal(root.kind, 'directory');
      assert.equal(root.mode & 0o777, 0o755);
      const readme = await driver.stat('/README.md');
      assert.equal(readme.kind, 'file');
      assert.equal(readme.mode & 0o777, 0o644);
      assert.equal(readme.size, (await driver.readFile('/README.md')).length);
      const notebook = await driver.stat('/Sales Report.sql');
      assert.equal(notebook.size, (await driver.readFile('/Sales Report.sql')).length);
      assert.equal((await driver.stat('/etl')).kind, 'directory');
    },
  },
  {
    name: 'seed: notebooks show under their languages and read as SOURCE with the header',
    async run({ driver }) {
      const root = await driver.readdir('/');
      for (const name of ['Getting Started.py', 'Sales Report.sql', 'README.md', 'etl']) assert.ok(root.includes(name), `${name} in ${root.join(', ')}`);
      const etl = await driver.readdir('/etl');
      assert.ok(etl.includes('Ingest.scala') && etl.includes('Model.r'), etl.join(', '));
      const expect: Record<string, string> = {
        '/Getting Started.py': '# Databricks notebook source',
        '/Sales Report.sql': '-- Databricks notebook source',
        '/etl/Ingest.scala': '// Databricks notebook source',
        '/etl/Model.r': '# Databricks notebook source',
      };
      for (const [path, header] of Object.entries(expect)) {
        const text = (await driver.readFile(path)).toString('utf8');
        assert.equal(text.split('\n')[0]!.replace(/\r$/, ''), header, path);
      }
    },
  },
  {
    name: 'write, read back, overwrite and list a plain file',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/a.txt`, 'hello');
      assert.equal((await driver.readFile(`${dir}/a.txt`)).toString(), 'hello');
      assert.equal((await driver.stat(`${dir}/a.txt`)).size, 5);
      await driver.writeFile(`${dir}/a.txt`, 'bye');
      assert.equal((await driver.readFile(`${dir}/a.txt`)).toString(), 'bye');
      assert.deepEqual(await driver.readdir(dir), ['a.txt']);
      assert.equal((await workspace.object(`${dir}/a.txt`))?.type, 'FILE');
    },
  },
  {
    name: 'touch: creating an empty file stores it; utimes sets the mtime shown until the file changes',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/empty`, '');
      assert.equal((await workspace.object(`${dir}/empty`))?.type, 'FILE');
      assert.equal((await driver.stat(`${dir}/empty`)).size, 0);
      const set = Date.UTC(2020, 0, 2, 3, 4, 5, 678);
      await driver.utimes(`${dir}/empty`, set, set);
      assertSameTime((await driver.stat(`${dir}/empty`)).mtimeMs, set);
      // A write makes a new version, which shows the time of the write.
      await driver.writeFile(`${dir}/empty`, 'now');
      assert.ok((await driver.stat(`${dir}/empty`)).mtimeMs > set + 1_000);
      // Set while open for writing, after the last write: the upload's version keeps it.
      const open = await driver.open(`${dir}/open.txt`, 'w');
      await open.write('data', 0);
      await driver.utimes(`${dir}/open.txt`, set, set);
      assertSameTime((await driver.stat(`${dir}/open.txt`)).mtimeMs, set);
      await open.close();
      assert.equal((await workspace.object(`${dir}/open.txt`))?.type, 'FILE');
      assertSameTime((await driver.stat(`${dir}/open.txt`)).mtimeMs, set);
      // rsync's pattern: a temp file, closed, its time set, renamed over the target.
      await driver.writeFile(`${dir}/target.txt`, 'old');
      await driver.writeFile(`${dir}/.target.txt.Xy12Ab`, 'new content');
      await driver.utimes(`${dir}/.target.txt.Xy12Ab`, set + 1, set + 1);
      await driver.rename(`${dir}/.target.txt.Xy12Ab`, `${dir}/target.txt`);
      assertSameTime((await driver.stat(`${dir}/target.txt`)).mtimeMs, set + 1);
      assert.equal((await driver.readFile(`${dir}/target.txt`)).toString(), 'new content');
      assert.equal((await workspace.object(`${dir}/target.txt`))?.type, 'FILE');
      assertSameTime((await driver.stat(`${dir}/target.txt`)).mtimeMs, set + 1);
      // Folders keep their time.
      const folder = (await driver.stat(dir)).mtimeMs;
      await driver.utimes(dir, set, set);
      assert.equal((await driver.stat(dir)).mtimeMs, folder);
    },
  },
  {
    name: 'notebooks round trip in all four languages',
    async run({ driver, workspace, dir }) {
      for (const { language, ext, header, separator, code } of HEADERS) {
        const path = `${dir}/nb_${language}${ext}`;
        await driver.writeFile(path, `${header}\n${code}\n\n${separator}\n\n${code} + 1\n`);
        const object = await workspace.object(`${dir}/nb_${language}`);
        assert.equal(object?.type, 'NOTEBOOK', path);
        assert.equal(object?.language, language, path);
        const read = (await driver.readFile(path)).toString('utf8');
        assert.ok(read.startsWith(`${header}\n`), read);
        assert.ok(read.includes(`${code} + 1`), read);
        assert.equal((await driver.stat(path)).size, Buffer.byteLength(read));
        await driver.writeFile(path, `${header}\n${code} + 2\n`);
        assert.match((await driver.readFile(path)).toString('utf8'), / \+ 2/);
        assert.equal((await workspace.object(`${dir}/nb_${language}`))?.type, 'NOTEBOOK');
        assert.equal((await workspace.object(path)), undefined, 'no file with the extension');
      }
      const names = await driver.readdir(dir);
      assert.deepEqual(names, ['nb_PYTHON.py', 'nb_R.r', 'nb_SCALA.scala', 'nb_SQL.sql']);
    },
  },
  {
    name: 'a .py without the header stays a plain file',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/script.py`, 'print("hi")\n');
      assert.equal((await workspace.object(`${dir}/script.py`))?.type, 'FILE');
      assert.equal((await driver.readFile(`${dir}/script.py`)).toString(), 'print("hi")\n');
    },
  },
  {
    name: 'append adds at the end',
    async run({ driver, dir }) {
      await driver.writeFile(`${dir}/log`, 'one\n');
      await driver.appendFile(`${dir}/log`, 'two\n');
      await driver.appendFile(`${dir}/log`, 'three\n');
      assert.equal((await driver.readFile(`${dir}/log`)).toString(), 'one\ntwo\nthree\n');
    },
  },
  {
    name: 'repeated truncate, by path and by handle',
    async run({ driver, dir }) {
      const path = `${dir}/t.txt`;
      await driver.writeFile(path, 'hello world');
      await driver.truncate(path, 5);
      assert.equal((await driver.readFile(path)).toString(), 'hello');
      await driver.truncate(path, 2);
      assert.equal((await driver.stat(path)).size, 2);
      await driver.truncate(path, 0);
      assert.equal((await driver.readFile(path)).length, 0);
      await driver.truncate(path, 3);
      assert.deepEqual([...(await driver.readFile(path))], [0, 0, 0]);
      const file = await driver.open(path, 'r+');
      await file.write('abc', 0);
      await file.truncate(1);
      await file.truncate(2);
      await file.close();
      assert.deepEqual([...(await driver.readFile(path))], [0x61, 0]);
    },
  },
  {
    name: 'editor atomic save: write a temp file, rename it over the original (file and notebook)',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/doc.txt`, 'v1');
      await driver.writeFile(`${dir}/.doc.txt.swp`, 'v2');
      await driver.rename(`${dir}/.doc.txt.swp`, `${dir}/doc.txt`);
      assert.equal((await driver.readFile(`${dir}/doc.txt`)).toString(), 'v2');
      assert.deepEqual(await driver.readdir(dir), ['doc.txt']);
      await driver.writeFile(`${dir}/nb.py`, '# Databricks notebook source\nx = 1\n');
      await driver.writeFile(`${dir}/nb.py.tmp`, '# Databricks notebook source\nx = 2\n');
      await driver.rename(`${dir}/nb.py.tmp`, `${dir}/nb.py`);
      assert.equal((await workspace.object(`${dir}/nb`))?.type, 'NOTEBOOK');
      assert.match((await driver.readFile(`${dir}/nb.py`)).toString(), /x = 2/);
      assert.deepEqual(await driver.readdir(dir), ['doc.txt', 'nb.py']);
    },
  },
  {
    name: 'renaming a file that is open with unsaved writes keeps the writes',
    async run({ driver, dir }) {
      const file = await driver.open(`${dir}/draft.txt`, 'w');
      await file.write('unsaved', 0);
      await driver.rename(`${dir}/draft.txt`, `${dir}/final.txt`);
      await file.close();
      assert.equal((await driver.readFile(`${dir}/final.txt`)).toString(), 'unsaved');
      await rejectsWith(driver.stat(`${dir}/draft.txt`), 'ENOENT');
    },
  },
  {
    name: 'rename folders; the errno of impossible renames',
    async run({ driver, dir }) {
      await driver.mkdir(`${dir}/a`);
      await driver.writeFile(`${dir}/a/f.txt`, 'f');
      await driver.rename(`${dir}/a`, `${dir}/b`);
      assert.equal((await driver.readFile(`${dir}/b/f.txt`)).toString(), 'f');
      await rejectsWith(driver.stat(`${dir}/a`), 'ENOENT');
      await driver.mkdir(`${dir}/c`);
      await driver.writeFile(`${dir}/c/g.txt`, 'g');
      await rejectsWith(driver.rename(`${dir}/b`, `${dir}/c`), 'ENOTEMPTY');
      await rejectsWith(driver.rename(`${dir}/b/f.txt`, `${dir}/c`), 'EISDIR');
      await rejectsWith(driver.rename(`${dir}/b`, `${dir}/c/g.txt`), 'ENOTDIR');
      await driver.mkdir(`${dir}/empty`);
      await driver.rename(`${dir}/b`, `${dir}/empty`);
      assert.equal((await driver.readFile(`${dir}/empty/f.txt`)).toString(), 'f');
    },
  },
  {
    name: 'renaming a notebook between languages converts it',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/q.py`, '# Databricks notebook source\nx = 1\n\n# COMMAND ----------\n\ny = 2\n');
      await driver.rename(`${dir}/q.py`, `${dir}/q.sql`);
      assert.equal((await workspace.object(`${dir}/q`))?.language, 'SQL');
      const text = (await driver.readFile(`${dir}/q.sql`)).toString();
      assert.ok(text.startsWith('-- Databricks notebook source\n'), text);
      assert.match(text, /-- COMMAND ----------/);
      assert.deepEqual(await driver.readdir(dir), ['q.sql']);
      await driver.rename(`${dir}/q.sql`, `${dir}/q.txt`);
      assert.equal((await workspace.object(`${dir}/q.txt`))?.type, 'FILE');
      assert.equal((await workspace.object(`${dir}/q`)), undefined);
    },
  },
  {
    name: 'creating new.sql with the SQL header makes a SQL notebook',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/new.sql`, '-- Databricks notebook source\nSELECT 42\n');
      assert.equal((await workspace.object(`${dir}/new`))?.type, 'NOTEBOOK');
      assert.equal((await workspace.object(`${dir}/new`))?.language, 'SQL');
      assert.deepEqual(await driver.readdir(dir), ['new.sql']);
    },
  },
  {
    name: 'unlink, mkdir, rmdir',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/x`, 'x');
      await driver.unlink(`${dir}/x`);
      assert.equal((await workspace.object(`${dir}/x`)), undefined);
      await rejectsWith(driver.stat(`${dir}/x`), 'ENOENT');
      await driver.mkdir(`${dir}/d`);
      assert.equal((await workspace.object(`${dir}/d`))?.type, 'DIRECTORY');
      assert.equal((await driver.stat(`${dir}/d`)).kind, 'directory');
      await driver.rmdir(`${dir}/d`);
      assert.equal((await workspace.object(`${dir}/d`)), undefined);
      assert.deepEqual(await driver.readdir(dir), []);
    },
  },
  {
    name: 'errno of the error cases',
    async run({ driver, dir, uid, gid }) {
      await driver.writeFile(`${dir}/file`, 'f');
      await driver.mkdir(`${dir}/sub`);
      await driver.writeFile(`${dir}/sub/inner`, 'i');
      await rejectsWith(driver.stat(`${dir}/missing`), 'ENOENT');
      await rejectsWith(driver.readFile(`${dir}/missing`), 'ENOENT');
      await rejectsWith(driver.readdir(`${dir}/file`), 'ENOTDIR');
      await rejectsWith(driver.stat(`${dir}/file/below`), 'ENOTDIR');
      await rejectsWith(driver.mkdir(`${dir}/sub`), 'EEXIST');
      await rejectsWith(driver.mkdir(`${dir}/file`), 'EEXIST');
      await rejectsWith(driver.mkdir(`${dir}/missing/sub`), 'ENOENT');
      await rejectsWith(driver.rmdir(`${dir}/sub`), 'ENOTEMPTY');
      await rejectsWith(driver.rmdir(`${dir}/file`), 'ENOTDIR');
      await rejectsWith(driver.unlink(`${dir}/missing`), 'ENOENT');
      await rejectsWith(driver.unlink(`${dir}/sub`), 'EISDIR');
      await rejectsWith(driver.rename(`${dir}/missing`, `${dir}/other`), 'ENOENT');
      await rejectsWith(driver.access(`${dir}/missing`), 'ENOENT');
      await rejectsWith(driver.writeFile(`${dir}/missing/new`, 'x'), 'ENOENT');
      await driver.access(`${dir}/file`);
      // Readable and writable (the workspace decides on upload); only folders are executable, as stat's mode says.
      await driver.access(`${dir}/file`, constants.R_OK | constants.W_OK);
      await rejectsWith(driver.access(`${dir}/file`, constants.X_OK), 'EACCES');
      await rejectsWith(driver.access(`${dir}/file`, constants.R_OK | constants.X_OK), 'EACCES');
      await driver.access(`${dir}/sub`, constants.R_OK | constants.W_OK | constants.X_OK);
      await rejectsWith(driver.access(`${dir}/missing`, constants.W_OK), 'ENOENT');
      await driver.chmod(`${dir}/file`, 0o600);
      assert.equal((await driver.stat(`${dir}/file`)).mode & 0o777, 0o644, 'chmod is a no-op');
      await driver.chown(`${dir}/file`, uid, gid);
      await rejectsWith(driver.chown(`${dir}/file`, uid + 1, gid), 'EPERM');
      await rejectsWith(driver.chmod(`${dir}/missing`, 0o600), 'ENOENT');
    },
  },
  {
    name: 'concurrent writers: parallel files, and two handles on one file',
    async run({ driver, dir }) {
      await Promise.all(Array.from({ length: 8 }, (_, i) => driver.writeFile(`${dir}/p${i}.txt`, `content ${i}\n`.repeat(100))));
      for (let i = 0; i < 8; i++) assert.equal((await driver.readFile(`${dir}/p${i}.txt`)).toString(), `content ${i}\n`.repeat(100));
      await driver.writeFile(`${dir}/shared`, '');
      const [a, b] = await Promise.all([driver.open(`${dir}/shared`, 'r+'), driver.open(`${dir}/shared`, 'r+')]);
      await Promise.all([a.write('AAAA', 0), b.write('BBBB', 4)]);
      await a.close();
      await b.close();
      assert.equal((await driver.readFile(`${dir}/shared`)).toString(), 'AAAABBBB');
    },
  },
  {
    name: 'repeated rename of one file',
    async run({ driver, dir }) {
      await driver.writeFile(`${dir}/r0`, 'same');
      for (let i = 0; i < 5; i++) await driver.rename(`${dir}/r${i}`, `${dir}/r${i + 1}`);
      assert.deepEqual(await driver.readdir(dir), ['r5']);
      assert.equal((await driver.readFile(`${dir}/r5`)).toString(), 'same');
      await driver.rename(`${dir}/r5`, `${dir}/r0`);
      await driver.writeFile(`${dir}/r0`, 'changed');
      await driver.rename(`${dir}/r0`, `${dir}/final`);
      assert.equal((await driver.readFile(`${dir}/final`)).toString(), 'changed');
    },
  },
  {
    name: 'macOS clutter (.DS_Store, ._*) stays local',
    async run({ driver, workspace, dir }) {
      await driver.writeFile(`${dir}/.DS_Store`, 'finder');
      await driver.writeFile(`${dir}/._doc`, 'apple double');
      assert.equal((await driver.readFile(`${dir}/.DS_Store`)).toString(), 'finder');
      assert.equal((await driver.stat(`${dir}/._doc`)).size, 12);
      assert.deepEqual(await driver.readdir(dir), ['.DS_Store', '._doc']);
      assert.equal((await workspace.object(`${dir}/.DS_Store`)), undefined);
      assert.equal((await workspace.object(`${dir}/._doc`)), undefined);
      await driver.unlink(`${dir}/._doc`);
      await driver.unlink(`${dir}/.DS_Store`);
      assert.deepEqual(await driver.readdir(dir), []);
    },
  },
];

/** A set time as shown: equal up to what the conversions on the way carry (Node's utimes passes seconds as a double: < 1 µs). */
function assertSameTime(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 0.001, `mtime ${actual} is not ${expected}`);
}
