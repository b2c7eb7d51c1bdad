// Persistence of the emulator in a data directory: a varied tree survives stop + start with the
// same listings, statuses (ids, timestamps) and bytes; a seed is applied once; compaction keeps
// everything; object ids are not reused; a crash image (a copy taken while running, or a child
// killed with SIGKILL) loads with every acknowledged change, ignoring a torn last journal line.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ObjectInfo } from '../../src/shared/workspace-types';
import { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { CliProcess, killAllCli } from '../support/cli-child';

/** Where a workspace answers: an in-process emulator or a child process. */
interface Remote {
  host: string;
  token: string;
}

const LANGUAGE_SOURCES: Record<string, string> = {
  PYTHON: '# Databricks notebook source\nprint("python")\n\n# COMMAND ----------\n\nx = 2\n',
  SQL: '-- Databricks notebook source\nSELECT 1\n',
  SCALA: '// Databricks notebook source\nval x = 1\n',
  R: '# Databricks notebook source\nx <- 1\n',
};
const IPYNB = JSON.stringify({
  cells: [
    { cell_type: 'markdown', metadata: {}, source: ['# Notes\n', 'Some text.'] },
    { cell_type: 'code', metadata: {}, outputs: [], execution_count: null, source: ['import math\n', 'math.pi'] },
  ],
  metadata: { language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsfs-data-dir-'));
  dirs.push(dir);
  return dir;
}

async function call(remote: Remote, method: string, path: string, body?: string | Buffer): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${remote.token}` };
  if (typeof body === 'string') headers['content-type'] = 'application/json';
  if (Buffer.isBuffer(body)) headers['content-type'] = 'application/octet-stream';
  return fetch(`${remote.host}${path}`, { method, headers, body: body ?? null });
}

/** A request that must succeed; returns the body bytes. */
async function ok(remote: Remote, method: string, path: string, body?: string | Buffer): Promise<Buffer> {
  const response = await call(remote, method, path, body);
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.equal(response.status, 200, `${method} ${path}: ${bytes.toString()}`);
  return bytes;
}

const q = (path: string): string => encodeURIComponent(path);
const importFile = (remote: Remote, path: string, content: Buffer, overwrite = false): Promise<Buffer> =>
  ok(remote, 'POST', `/api/2.0/workspace-files/import-file${encodeURI(path)}?overwrite=${overwrite}`, content);
const importJson = (remote: Remote, fields: Record<string, unknown>): Promise<Buffer> =>
  ok(remote, 'POST', '/api/2.0/workspace/import', JSON.stringify(fields));
const mkdirs = (remote: Remote, path: string): Promise<Buffer> => ok(remote, 'POST', '/api/2.0/workspace/mkdirs', JSON.stringify({ path }));
const rename = (remote: Remote, from: string, to: string): Promise<Buffer> =>
  ok(remote, 'POST', '/api/2.0/workspace/rename', JSON.stringify({ source_path: from, destination_path: to }));
const remove = (remote: Remote, path: string, recursive = false): Promise<Buffer> =>
  ok(remote, 'POST', '/api/2.0/workspace/delete', JSON.stringify({ path, recursive }));
const exportBytes = (remote: Remote, path: string, format = 'SOURCE'): Promise<Buffer> =>
  ok(remote, 'GET', `/api/2.0/workspace/export?path=${q(path)}&format=${format}&direct_download=true`);

interface Observed {
  listed: ObjectInfo;
  status: ObjectInfo;
  source?: string;
  jupyter?: string;
}

/** Everything a client can see of the tree: listings, statuses and exported bytes, by path. */
async function observe(remote: Remote): Promise<Record<string, Observed>> {
  const seen: Record<string, Observed> = {};
  const queue = ['/'];
  for (let visited = 0; queue.length > 0 && visited < 10_000; visited++) {
    const dir = queue.shift()!;
    const listing = JSON.parse((await ok(remote, 'GET', `/api/2.0/workspace/list?path=${q(dir)}`)).toString()) as { objects?: ObjectInfo[] };
    for (const listed of listing.objects ?? []) {
      const status = JSON.parse(
        (await ok(remote, 'GET', `/api/2.0/workspace/get-status?path=${q(listed.path)}&return_export_info=true`)).toString(),
      ) as ObjectInfo;
      const entry: Observed = { listed, status };
      if (listed.object_type === 'DIRECTORY' || listed.object_type === 'REPO') queue.push(listed.path);
      else entry.source = (await exportBytes(remote, listed.path)).toString('base64');
      if (status.repos_export_format === 'JUPYTER') entry.jupyter = (await exportBytes(remote, listed.path, 'JUPYTER')).toString('base64');
      seen[listed.path] = entry;
    }
  }
  return seen;
}

/** Builds a varied tree: folders, files, notebooks of each language, Jupyter, renames, deletes, overwrites. */
async function buildTree(remote: Remote, root: string): Promise<void> {
  await mkdirs(remote, `${root}/proj/src/deep/er`);
  await mkdirs(remote, `${root}/proj/docs`);
  await mkdirs(remote, `${root}/trash/sub`);
  await importFile(remote, `${root}/proj/README.md`, Buffer.from('# Project\n'));
  await importFile(remote, `${root}/proj/src/main.py`, Buffer.from('print("a plain file")\n'));
  await importFile(remote, `${root}/proj/src/all-bytes.bin`, Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
  await importFile(remote, `${root}/proj/src/empty`, Buffer.alloc(0));
  await importFile(remote, `${root}/proj/src/deep/er/name with spaces ü.txt`, Buffer.from('unicode ✓\n'));
  for (const [language, text] of Object.entries(LANGUAGE_SOURCES)) {
    await importJson(remote, { path: `${root}/proj/nb_${language}`, format: 'SOURCE', language, content: Buffer.from(text).toString('base64') });
  }
  await importFile(remote, `${root}/proj/auto.scala`, Buffer.from('// Databricks notebook source\nprintln("auto")\n'));
  await importJson(remote, { path: `${root}/proj/Explore`, format: 'JUPYTER', content: Buffer.from(IPYNB).toString('base64') });
  await importFile(remote, `${root}/proj/upload.ipynb`, Buffer.from(IPYNB));
  // Overwrites: a file twice, a notebook once.
  await importFile(remote, `${root}/proj/src/main.py`, Buffer.from('print("second")\n'), true);
  await importFile(remote, `${root}/proj/src/main.py`, Buffer.from('print("third")\n'), true);
  await importJson(remote, {
    path: `${root}/proj/nb_SQL`,
    format: 'SOURCE',
    language: 'SQL',
    overwrite: true,
    content: Buffer.from('-- Databricks notebook source\nSELECT 2\n').toString('base64'),
  });
  // Renames: a file into another folder, a folder with contents, a notebook.
  await rename(remote, `${root}/proj/README.md`, `${root}/proj/docs/README.md`);
  await rename(remote, `${root}/proj/src/deep`, `${root}/proj/moved-deep`);
  await rename(remote, `${root}/proj/nb_R`, `${root}/proj/docs/R analysis`);
  // Deletes: a file, a notebook, a folder tree.
  await importFile(remote, `${root}/trash/sub/gone.txt`, Buffer.from('gone'));
  await importFile(remote, `${root}/proj/temp.txt`, Buffer.from('temp'));
  await remove(remote, `${root}/proj/temp.txt`);
  await remove(remote, `${root}/proj/nb_PYTHON`);
  await remove(remote, `${root}/trash`, true);
}

function localRemote(emulator: WorkspaceEmulator): Remote {
  return { host: emulator.host, token: emulator.token };
}

describe('emulator data directory', () => {
  after(async () => {
    await killAllCli();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a varied tree across stop and start: listings, ids, timestamps and bytes', async () => {
    const dataDir = tempDir();
    const first = await WorkspaceEmulator.start({ dataDir });
    const root = `/Users/${first.userName}`;
    let before: Record<string, Observed>;
    try {
      await buildTree(localRemote(first), root);
      before = await observe(localRemote(first));
    } finally {
      await first.stop();
    }
    assert.ok(Object.keys(before).length >= 20, 'the tree is smaller than built');
    assert.equal(before[`${root}/proj/nb_PYTHON`], undefined);
    assert.equal(before[`${root}/trash`], undefined);
    assert.equal(before[`${root}/proj/Explore`]?.status.repos_export_format, 'JUPYTER');
    assert.equal(before[`${root}/proj/upload`]?.status.repos_export_format, 'JUPYTER');
    assert.equal(before[`${root}/proj/auto`]?.status.language, 'SCALA');
    assert.equal(Buffer.from(before[`${root}/proj/src/main.py`]!.source!, 'base64').toString(), 'print("third")\n');

    const second = await WorkspaceEmulator.start({ dataDir });
    try {
      assert.deepEqual(await observe(localRemote(second)), before);
      // The restored tree keeps working: new objects get fresh ids.
      const existing = new Set(Object.values(before).map((entry) => entry.status.object_id));
      await importFile(localRemote(second), `${root}/proj/after-restart.txt`, Buffer.from('new'));
      const added = JSON.parse(
        (await ok(localRemote(second), 'GET', `/api/2.0/workspace/get-status?path=${q(`${root}/proj/after-restart.txt`)}`)).toString(),
      ) as ObjectInfo;
      assert.equal(existing.has(added.object_id), false);
    } finally {
      await second.stop();
    }
  });

  it('never hands out the object id of a deleted object again, across restarts', async () => {
    const dataDir = tempDir();
    const first = await WorkspaceEmulator.start({ dataDir });
    const path = '/Shared/short-lived.txt';
    let deletedId: number;
    try {
      await importFile(localRemote(first), path, Buffer.from('x'));
      deletedId = (JSON.parse((await ok(localRemote(first), 'GET', `/api/2.0/workspace/get-status?path=${q(path)}`)).toString()) as ObjectInfo)
        .object_id;
      await remove(localRemote(first), path);
    } finally {
      await first.stop();
    }
    const second = await WorkspaceEmulator.start({ dataDir });
    try {
      await importFile(localRemote(second), '/Shared/newcomer.txt', Buffer.from('y'));
      const info = JSON.parse(
        (await ok(localRemote(second), 'GET', `/api/2.0/workspace/get-status?path=${q('/Shared/newcomer.txt')}`)).toString(),
      ) as ObjectInfo;
      assert.ok(info.object_id > deletedId, `id ${info.object_id} reuses or precedes deleted id ${deletedId}`);
    } finally {
      await second.stop();
    }
  });

  it('seeds a fresh data dir once and never re-seeds it', async () => {
    const dataDir = tempDir();
    const first = await WorkspaceEmulator.start({ dataDir, seed: 'demo' });
    const home = `/Users/${first.userName}`;
    let before: Record<string, Observed>;
    try {
      assert.ok(first.tree.find(`${home}/README.md`), 'the demo seed is missing');
      await remove(localRemote(first), `${home}/README.md`);
      await remove(localRemote(first), `${home}/etl`, true);
      before = await observe(localRemote(first));
    } finally {
      await first.stop();
    }
    for (const seed of ['demo', 'empty'] as const) {
      const again = await WorkspaceEmulator.start({ dataDir, seed });
      try {
        const after = await observe(localRemote(again));
        assert.equal(after[`${home}/README.md`], undefined, `a deleted seed file came back (seed ${seed})`);
        assert.equal(after[`${home}/etl`], undefined, `a deleted seed folder came back (seed ${seed})`);
        assert.ok(after[`${home}/Getting Started`], 'seeded content was lost');
        assert.deepEqual(after, before);
      } finally {
        await again.stop();
      }
    }
  });

  it('keeps everything through compaction (more than 2000 changes)', async () => {
    const dataDir = tempDir();
    const emulator = await WorkspaceEmulator.start({ dataDir });
    const crashDir = `${dataDir}-crash`;
    dirs.push(crashDir);
    const expected = new Map<string, Buffer>();
    let before: Record<string, Observed>;
    try {
      emulator.tree.createFolder('/Shared/many');
      for (let i = 0; i < 2300; i++) {
        const path = `/Shared/many/f${i % 250}`;
        if (i % 97 === 0 && expected.has(path)) {
          emulator.tree.remove(path);
          expected.delete(path);
        } else {
          const content = Buffer.from(`version ${i} of ${path}\n`);
          emulator.tree.write(path, { kind: 'FILE', content });
          expected.set(path, content);
        }
      }
      for (let i = 0; i < 10; i++) {
        const content = randomBytes(1000 + i);
        await importFile(localRemote(emulator), `/Shared/many/http-${i}.bin`, content);
        expected.set(`/Shared/many/http-${i}.bin`, content);
      }
      await rename(localRemote(emulator), '/Shared/many/f1', '/Shared/many/renamed');
      expected.set('/Shared/many/renamed', expected.get('/Shared/many/f1')!);
      expected.delete('/Shared/many/f1');
      const journalLines = readFileSync(join(dataDir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).length;
      assert.ok(journalLines < 2000, `the journal was never compacted (${journalLines} lines)`);
      before = await observe(localRemote(emulator));
      // A crash image taken now holds a snapshot plus a journal tail.
      cpSync(dataDir, crashDir, { recursive: true });
    } finally {
      await emulator.stop();
    }
    for (const dir of [dataDir, crashDir]) {
      const restarted = await WorkspaceEmulator.start({ dataDir: dir });
      try {
        const after = await observe(localRemote(restarted));
        assert.deepEqual(after, before, dir);
        const files = Object.keys(after).filter((path) => path.startsWith('/Shared/many/'));
        assert.deepEqual(files.sort(), [...expected.keys()].sort());
        for (const [path, content] of expected) assert.deepEqual(Buffer.from(after[path]!.source!, 'base64'), content, path);
      } finally {
        await restarted.stop();
      }
    }
  });

  it('loads a crash image with a torn last journal line, and keeps working after it', async () => {
    const dataDir = tempDir();
    const emulator = await WorkspaceEmulator.start({ dataDir });
    const crashDir = `${dataDir}-torn`;
    dirs.push(crashDir);
    let before: Record<string, Observed>;
    try {
      await buildTree(localRemote(emulator), '/Shared');
      before = await observe(localRemote(emulator));
      cpSync(dataDir, crashDir, { recursive: true });
    } finally {
      await emulator.stop();
    }
    const journal = join(crashDir, 'journal.jsonl');
    assert.ok(readFileSync(journal, 'utf8').split('\n').filter(Boolean).length > 10, 'the crash image has no journal to replay');
    appendFileSync(journal, '{"seq":999999,"op":"set","path":"/Shared/torn","node":{"kind":"FI');
    const restarted = await WorkspaceEmulator.start({ dataDir: crashDir });
    try {
      assert.deepEqual(await observe(localRemote(restarted)), before);
      await importFile(localRemote(restarted), '/Shared/after-torn.txt', Buffer.from('still durable'));
    } finally {
      await restarted.stop();
    }
    const again = await WorkspaceEmulator.start({ dataDir: crashDir });
    try {
      assert.deepEqual(await exportBytes(localRemote(again), '/Shared/after-torn.txt'), Buffer.from('still durable'));
      assert.equal(again.tree.find('/Shared/torn'), undefined);
    } finally {
      await again.stop();
    }
  });

  it('loses no acknowledged import when the emulator process is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const first = CliProcess.spawn(['emulator', '--data-dir', dataDir, '--port', '0']);
    const remote = await first.endpoint();
    const folder = '/Shared/crash';
    await mkdirs(remote, folder);

    type Written = { path: string; kind: 'file' | 'notebook'; content: Buffer };
    const plan = (i: number): Written =>
      i % 3 === 0
        ? { path: `${folder}/nb${i}`, kind: 'notebook', content: Buffer.from(`# Databricks notebook source\nprint(${i})\n`) }
        : { path: `${folder}/file${i}.bin`, kind: 'file', content: randomBytes(1 + ((i * 7919) % 200_000)) };
    const write = async (item: Written): Promise<boolean> => {
      const response =
        item.kind === 'file'
          ? await call(remote, 'POST', `/api/2.0/workspace-files/import-file${encodeURI(item.path)}?overwrite=true`, item.content)
          : await call(
              remote,
              'POST',
              '/api/2.0/workspace/import',
              JSON.stringify({ path: item.path, format: 'SOURCE', language: 'PYTHON', overwrite: true, content: item.content.toString('base64') }),
            );
      await response.arrayBuffer();
      return response.status === 200;
    };

    const acknowledged: Written[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const items = Array.from({ length: 8 }, (_, i) => plan(batch * 8 + i));
      const results = await Promise.all(items.map(write));
      items.forEach((item, i) => {
        assert.equal(results[i], true, item.path);
        acknowledged.push(item);
      });
    }
    // Overwrite a few acknowledged files, then start more writes and kill the process under them.
    const overwritten = acknowledged.filter((item) => item.kind === 'file').slice(0, 3);
    for (const item of overwritten) {
      item.content = randomBytes(5000);
      assert.equal(await write(item), true);
    }
    const inFlight = Array.from({ length: 12 }, (_, i) => plan(100 + i));
    const pending = inFlight.map((item) => write(item).catch(() => false));
    await Promise.race(pending);
    first.kill('SIGKILL');
    assert.equal((await first.exit()).signal, 'SIGKILL');
    const settled = await Promise.all(pending);
    inFlight.forEach((item, i) => {
      if (settled[i] === true) acknowledged.push(item);
    });
    appendFileSync(join(dataDir, 'journal.jsonl'), 'garbage after a crash {"seq":');

    const second = CliProcess.spawn(['emulator', '--data-dir', dataDir, '--port', '0']);
    const restarted = await second.endpoint();
    const read = (item: Written): Promise<Buffer> =>
      item.kind === 'file' ? ok(restarted, 'GET', `/api/2.0/workspace-files${encodeURI(item.path)}`) : exportBytes(restarted, item.path);
    for (const item of acknowledged) assert.deepEqual(await read(item), item.content, `acknowledged ${item.path} was lost or changed`);
    for (const [i, item] of inFlight.entries()) {
      if (settled[i] === true) continue;
      const status = await call(restarted, 'GET', `/api/2.0/workspace/get-status?path=${q(item.path)}`);
      await status.arrayBuffer();
      if (status.status === 200) assert.deepEqual(await read(item), item.content, `unacknowledged ${item.path} is torn`);
      else assert.equal(status.status, 404);
    }
    assert.ok(acknowledged.length >= 41, `only ${acknowledged.length} writes were acknowledged`);
    second.kill('SIGTERM');
    assert.equal((await second.exit()).code, 0, second.stderr);
  });
});
