// The app's SpawnEngine over Electron's utilityProcess, with `utilityProcess.fork` replaced by a fake
// child (Electron cannot run here; this is the Electron API the test cannot use for real): the log
// file is opened before the fork, so an unusable log path rejects the spawn instead of crashing main
// with an unhandled stream error; a V8 fatal `error` event of the child is written to the log
// instead of throwing in main; the child's environment has no DATABRICKS_* secret.
import '../support/electron-shim';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { utilityProcessEngineSpawner } from '../../src/main/electron/utility-process-engine-spawner';

/** A stand-in for Electron's UtilityProcess: an EventEmitter with the members the spawner uses. */
class FakeChild extends EventEmitter {
  readonly pid = 4242;
  readonly stderr = new PassThrough();
  postMessage(): void {}
  kill(): boolean {
    return true;
  }
}

interface Fork {
  modulePath: string;
  args: string[];
  options: { env?: Record<string, string | undefined> };
  child: FakeChild;
}

describe('utilityProcessEngineSpawner (fake utilityProcess.fork)', () => {
  const forks: Fork[] = [];
  let dir: string;
  const savedToken = process.env['DATABRICKS_TOKEN'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wsfs-utility-spawner-'));
    const electron = require('electron') as Record<string, unknown>;
    electron['utilityProcess'] = {
      fork: (modulePath: string, args: string[], options: Fork['options']): FakeChild => {
        const child = new FakeChild();
        forks.push({ modulePath, args, options, child });
        return child;
      },
    };
    process.env['DATABRICKS_TOKEN'] = 'dapi-must-not-reach-the-engine';
  });
  after(async () => {
    if (savedToken === undefined) delete process.env['DATABRICKS_TOKEN'];
    else process.env['DATABRICKS_TOKEN'] = savedToken;
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects the spawn, without forking, when the log file cannot be opened', async () => {
    const spawn = utilityProcessEngineSpawner();
    const logPath = join(dir, 'no-such-folder', 'ws-1.log');
    await assert.rejects(spawn({ demo: true, logPath }), (error: Error) => error.message.includes(logPath));
    assert.equal(forks.length, 0, 'no engine process may be left running without its log');
  });

  it('appends stderr and a fatal-error report to the log, scrubs the environment, and closes on exit', async () => {
    const spawn = utilityProcessEngineSpawner();
    const logPath = join(dir, 'ws-2.log');
    const engine = await spawn({ demo: true, logPath });
    const fork = forks.at(-1)!;
    assert.deepEqual(fork.args, ['--demo']);
    assert.equal(fork.options.env?.['DATABRICKS_TOKEN'], undefined);
    fork.child.stderr.write('engine says hello\n');
    // Before the fix this emit threw ERR_UNHANDLED_ERROR in main (no 'error' listener).
    fork.child.emit('error', 'FatalError', 'v8::FatalProcessOutOfMemory', '{"header":{}}');
    fork.child.stderr.end();
    fork.child.emit('exit', 134);
    assert.deepEqual(await engine.connection.exited, { code: 134, signal: null });
    let log = '';
    for (let i = 0; i < 100 && !log.includes('FatalError'); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      log = await readFile(logPath, 'utf8');
    }
    assert.match(log, /engine says hello/);
    assert.match(log, /FatalError at v8::FatalProcessOutOfMemory/);
  });
});
