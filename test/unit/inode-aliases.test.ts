// The persisted provisional ids and aliases of a state folder: kept across instances (a remount),
// provisional ids never handed out twice (reserved on disk in blocks before use, so not after a
// crash either), bounded (oldest forgotten), an unreadable file starts empty with a warning, and a
// write replaces the file atomically (no temp files left; torn ones removed at start).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { INODE_RESERVATION_BLOCK, InodeAliases } from '../../src/fs/inode-aliases';
import { PROVISIONAL_ID_BASE } from '../../src/fs/inode-numbers';
import { Logger, type LogRecord } from '../../src/fs/logger';

let dir: string;
const records: LogRecord[] = [];
const logger = new Logger({ level: 'warn', sink: (record) => records.push(record) });
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'inode-aliases-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('keeps aliases and the provisional counter across instances', async () => {
  await mkdir(join(dir, 'kept'));
  const file = join(dir, 'kept', 'inodes.json');
  const first = new InodeAliases(file, logger);
  const a = first.allocate();
  const b = first.allocate();
  assert.equal(a, PROVISIONAL_ID_BASE);
  assert.equal(b, a + 1);
  first.remember(1_000_000_000_007, a);
  assert.equal(first.shown(1_000_000_000_007), a);
  assert.equal(first.shown(1_000_000_000_008), 1_000_000_000_008, 'other objects show their own id');
  await first.flush();
  assert.deepEqual(await readdir(join(dir, 'kept')), ['inodes.json'], 'no temp file left');

  const second = new InodeAliases(file, logger);
  assert.equal(second.shown(1_000_000_000_007), a);
  assert.equal(second.allocate(), a + INODE_RESERVATION_BLOCK, 'ids handed out (or reserved) before are never handed out again');
});

it('forgets the oldest aliases past its limit', async () => {
  const file = join(dir, 'bounded.json');
  const aliases = new InodeAliases(file, logger, 2);
  for (let i = 1; i <= 3; i++) aliases.remember(i, aliases.allocate());
  assert.equal(aliases.shown(1), 1, 'the oldest is forgotten');
  assert.ok(aliases.shown(2) >= PROVISIONAL_ID_BASE && aliases.shown(3) >= PROVISIONAL_ID_BASE);
  await aliases.flush();
  const reread = new InodeAliases(file, logger, 2);
  assert.equal(reread.shown(1), 1);
  assert.equal(reread.allocate(), PROVISIONAL_ID_BASE + INODE_RESERVATION_BLOCK);
});

it('starts empty, with a warning, from an unreadable file', async () => {
  const file = join(dir, 'corrupt.json');
  await writeFile(file, '{"format":"wsfs-inode-aliases","version":1,"next":1,"aliases":[[');
  records.length = 0;
  const aliases = new InodeAliases(file, logger);
  assert.equal(aliases.allocate(), PROVISIONAL_ID_BASE);
  assert.equal(records.length, 1);
  assert.match(records[0]!.message, /unreadable/);
});

it('reserves provisional ids on disk before handing them out: a crash (no flush) never reuses one', async () => {
  await mkdir(join(dir, 'crash'));
  const file = join(dir, 'crash', 'inodes.json');
  await writeFile(`${file}.0badf00d.tmp`, '{"format":"wsfs-inode-aliases",'); // a save cut short by an earlier crash
  const first = new InodeAliases(file, logger);
  const handed = Array.from({ length: INODE_RESERVATION_BLOCK + 5 }, () => first.allocate());
  assert.equal(new Set(handed).size, handed.length);
  const stored = JSON.parse(await readFile(file, 'utf8')) as { next: number };
  assert.ok(stored.next > Math.max(...handed), 'the reservation on disk covers every id handed out, without a flush');
  assert.ok(!(await readdir(join(dir, 'crash'))).includes('inodes.json.0badf00d.tmp'), 'the torn temp file is removed');
  // The engine is killed here: no flush. The next one starts above every id handed out.
  const second = new InodeAliases(file, logger);
  assert.ok(second.allocate() > Math.max(...handed));
  await Promise.all([first.flush(), second.flush()]);
  assert.deepEqual(await readdir(join(dir, 'crash')), ['inodes.json'], 'no temp file of its own stays');
});
