// The app's SpawnEngine over Electron's utilityProcess, with `utilityProcess.fork` replaced by a fake
// child (Electron cannot run here; this is the Electron API the test cannot use for real): the
// child's stderr reaches the request's log line by line (main redacts and rotates it there); a V8
// fatal `error` event of the child is logged instead of throwing in main; the child's environment
// has no DATABRICKS_* secret.
import '../support/electron-shim';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
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
  const savedToken = process.env['DATABRICKS_TOKEN'];

  before(() => {
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
  after(() => {
    if (savedToken === undefined) delete process.env['DATABRICKS_TOKEN'];
    else process.env['DATABRICKS_TOKEN'] = savedToken;
  });

  it('forwards stderr line by line and a fatal-error report to the log, scrubs the environment, and closes on exit', async () => {
    const spawn = utilityProcessEngineSpawner();
    const lines: string[] = [];
    const engine = await spawn({ demo: true, log: (line) => lines.push(line) });
    const fork = forks.at(-1)!;
    assert.deepEqual(fork.args, ['--demo']);
    assert.equal(fork.options.env?.['DATABRICKS_TOKEN'], undefined);
    fork.child.stderr.write('engine says hello\nand a sec');
    fork.child.stderr.write('ond line\nunfinished');
    // Before the fix this emit threw ERR_UNHANDLED_ERROR in main (no 'error' listener).
    fork.child.emit('error', 'FatalError', 'v8::FatalProcessOutOfMemory', '{"header":{}}');
    fork.child.stderr.end();
    fork.child.emit('exit', 134);
    assert.deepEqual(await engine.connection.exited, { code: 134, signal: null });
    for (let i = 0; i < 100 && !lines.includes('unfinished'); i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(lines.filter((line) => !line.startsWith('engine FatalError')), ['engine says hello', 'and a second line', 'unfinished']);
    assert.ok(lines.includes('engine FatalError at v8::FatalProcessOutOfMemory'), lines.join('\n'));
  });
});
