// `--debug` shows every remote request: DatabricksRemote reports each finished exchange with
// method, target, status and time — and never a signed URL's credential-bearing query or a token.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import type { ExchangeEvent } from '../../src/fs/remote/http-transport';
import { startEmulator } from '../support/emulator-fixture';
import { MiB, removeFolder, tempFolder, testRemote } from '../support/remote-fixture';

let emulator: WorkspaceEmulator;
let dir: string;
before(async () => {
  emulator = await startEmulator({ seed: 'demo' });
  dir = await tempFolder('exchange-log');
});
after(async () => {
  await emulator.stop();
  await removeFolder(dir);
});

it('reports every exchange without tokens or signed URL queries', async () => {
  const events: ExchangeEvent[] = [];
  const remote = testRemote(emulator, join(dir, 'tmp'), { onExchange: (event) => events.push(event) });
  const home = `/Users/${emulator.userName}`;
  emulator.tree.write(`${home}/big.bin`, { kind: 'FILE', content: Buffer.alloc(11 * MiB, 7) });
  await remote.list(home);
  await remote.downloadTo(`${home}/big.bin`, 'RAW', join(dir, 'big.bin'));
  await assert.rejects(remote.stat(`${home}/missing`));

  const listing = events.find((event) => event.target.startsWith('/api/2.0/workspace-files/list-files?path='));
  assert.ok(listing, JSON.stringify(events));
  assert.equal(listing.method, 'GET');
  assert.equal(listing.status, 200);
  assert.ok(listing.ms >= 0);
  assert.ok(events.some((event) => event.target === 'signed URL' && event.status === 200), JSON.stringify(events));
  const missing = events.find((event) => event.target.includes('get-status') && event.status === 404);
  assert.ok(missing, JSON.stringify(events));
  assert.equal(missing.error, 'not-found');
  const text = JSON.stringify(events);
  assert.equal(text.includes(emulator.token), false);
  assert.equal(text.includes('__emulator/signed'), false);
});
