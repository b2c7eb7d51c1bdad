// EngineLogs, the log files main writes for each workspace's engine: every line main appends (the
// engine's `engine:log` lines, the supervisor's notes with engine error texts) passes through the
// protocol's redaction, so a token that slipped into a message never reaches the file.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EngineLogs, MAX_LOG_LINE_CHARS, MAX_PENDING_LOG_LINES } from '../../src/main/supervisor/engine-logs';

describe('EngineLogs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsfs-engine-logs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('masks tokens in the lines it appends and keeps the rest', async () => {
    const logs = new EngineLogs(join(dir, 'logs'));
    const pat = `dapi${'0123456789abcdef'.repeat(2)}`;
    await logs.append('ws-1', `supervisor: failed (unexpected): GET /api/2.0/workspace/list with Authorization: Bearer ${pat} answered 500`);
    await logs.append('ws-1', `info [http] token ${pat} refused`);
    // The first append made the missing folder itself (private to the user).
    assert.equal((await stat(join(dir, 'logs'))).mode & 0o777, 0o700);
    const text = await readFile(join(dir, 'logs', 'ws-1.log'), 'utf8');
    assert.ok(!text.includes(pat), text);
    assert.match(text, /supervisor: failed \(unexpected\): GET \/api\/2\.0\/workspace\/list with Authorization: Bearer \*\*\* answered 500/);
    assert.match(text, /info \[http\] token \*\*\* refused/);
  });

  it('queues a burst in order, writes it in few appends, and drops (and counts) what is beyond the bound', async () => {
    const logs = new EngineLogs(join(dir, 'burst'));
    const total = MAX_PENDING_LOG_LINES * 2;
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < total; i++) last = logs.append('ws-2', `line ${i}`);
    await last;
    const lines = (await readFile(join(dir, 'burst', 'ws-2.log'), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, MAX_PENDING_LOG_LINES + 1);
    assert.match(lines[0]!, / line 0$/);
    assert.match(lines[MAX_PENDING_LOG_LINES - 1]!, new RegExp(` line ${MAX_PENDING_LOG_LINES - 1}$`));
    assert.match(lines.at(-1)!, new RegExp(` ${total - MAX_PENDING_LOG_LINES} log lines dropped`));
    await logs.append('ws-2', 'after the burst');
    assert.match(await readFile(join(dir, 'burst', 'ws-2.log'), 'utf8'), / after the burst\n$/);
  });

  it('cuts a huge line (a dump without newlines) and says how much was cut', async () => {
    const logs = new EngineLogs(join(dir, 'huge'));
    await logs.append('ws-3', 'x'.repeat(MAX_LOG_LINE_CHARS + 5000));
    const text = await readFile(join(dir, 'huge', 'ws-3.log'), 'utf8');
    assert.ok(text.length < MAX_LOG_LINE_CHARS + 200, `${text.length} characters written`);
    assert.match(text, /… \(5000 more characters cut\)\n$/);
  });
});
