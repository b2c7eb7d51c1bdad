// JsonStateFile, one small state file of the engine: a synchronous durable write made while an
// older asynchronous save is in flight ends with the newer content on disk (the older save renames
// last, so one more save follows it); a folder that cannot be listed does not stop the read.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonStateFile } from '../../src/fs/json-state-file';

describe('JsonStateFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsfs-json-state-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a writeNow during an older save in flight leaves the newer content on disk', async () => {
    const file = join(dir, 'state.json');
    let content = '"A"';
    const failures: unknown[] = [];
    const state = new JsonStateFile({ file, saveDelayMs: 10_000, snapshot: () => content, failed: (error) => failures.push(error) });
    state.change('soon');
    const older = state.flush();
    // Let the older save take its snapshot and start its asynchronous replace.
    await new Promise((resolve) => setImmediate(resolve));
    content = '"B"';
    assert.equal(state.writeNow(), true);
    await older;
    await state.flush();
    assert.equal(await readFile(file, 'utf8'), '"B"');
    assert.deepEqual(failures, []);
  });

  it('reads the file even when leftovers of torn saves cannot be listed', async () => {
    const file = join(dir, 'plain.json');
    await writeFile(file, '{"x":1}');
    const state = new JsonStateFile({ file, saveDelayMs: 10, snapshot: () => '{}', failed: () => assert.fail('no failure expected') });
    assert.equal(state.read(), '{"x":1}');
  });
});
