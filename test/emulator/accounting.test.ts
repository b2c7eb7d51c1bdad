// Request accounting of the emulator: exact per-endpoint counts for a known workload of SDK and
// raw calls (keys folded as documented), exact body byte counts in and out, resetting over HTTP
// and programmatically, and what is and is not counted (admin calls; refused requests).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ReadableStream as SdkReadableStream, WorkspaceClient } from '@databricks/sdk-experimental';
import type { StatsSnapshot } from '../../src/emulator/request-stats';
import type { WorkspaceEmulator } from '../../src/emulator/workspace-emulator';
import { api, home, sdkClient, startEmulator } from '../support/emulator-fixture';

const toBody = (buffer: Buffer): SdkReadableStream =>
  new SdkReadableStream({
    start(controller) {
      controller.enqueue(buffer);
      controller.close();
    },
  });

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function adminStats(emulator: WorkspaceEmulator): Promise<StatsSnapshot> {
  const response = await fetch(`${emulator.host}/__emulator/stats`);
  assert.equal(response.status, 200);
  return (await response.json()) as StatsSnapshot;
}

async function resetStats(emulator: WorkspaceEmulator): Promise<StatsSnapshot> {
  const response = await fetch(`${emulator.host}/__emulator/stats/reset`, { method: 'POST' });
  assert.equal(response.status, 200);
  return (await response.json()) as StatsSnapshot;
}

describe('emulator request accounting', () => {
  let emulator: WorkspaceEmulator;
  let sdk: WorkspaceClient;
  let dir: string;

  before(async () => {
    emulator = await startEmulator({ seed: 'demo' });
    sdk = sdkClient(emulator);
    dir = `${home(emulator)}/accounting`;
  });
  beforeEach(async () => {
    emulator.faults.clear();
    await resetStats(emulator);
  });
  after(() => emulator.stop());

  it('counts a known workload of SDK calls exactly, per folded endpoint', async () => {
    const me = await sdk.currentUser.me();
    assert.equal(me.userName, emulator.userName);
    await sdk.workspace.mkdirs({ path: dir });
    const source = Buffer.from('# Databricks notebook source\nprint(1)\n');
    await sdk.workspace.import({ path: `${dir}/nb`, format: 'SOURCE', language: 'PYTHON', content: source.toString('base64') });
    await sdk.workspace.import({ path: `${dir}/notes.txt`, format: 'AUTO', content: Buffer.from('notes').toString('base64') });
    const listed: string[] = [];
    for await (const item of sdk.workspace.list({ path: dir })) listed.push(item.path!);
    for await (const item of sdk.workspace.list({ path: `/Workspace${dir}` })) listed.push(item.path!);
    assert.equal(listed.length, 4);
    assert.equal((await sdk.workspace.getStatus({ path: `${dir}/nb` })).object_type, 'NOTEBOOK');
    assert.equal((await sdk.workspace.getStatus({ path: dir })).object_type, 'DIRECTORY');
    await assert.rejects(sdk.workspace.getStatus({ path: `${dir}/missing` }), /doesn't exist/);
    const exported = await sdk.workspace.export({ path: `${dir}/nb`, format: 'SOURCE' });
    assert.equal(Buffer.from(exported.content!, 'base64').toString(), source.toString());

    const bytes = Buffer.from([0, 1, 2, 255]);
    for (const name of ['a.bin', 'with space ü.bin']) {
      await sdk.apiClient.request({
        path: `/api/2.0/workspace-files/import-file${encodeURI(`${dir}/${name}`)}`,
        method: 'POST',
        headers: new Headers({ 'Content-Type': 'application/octet-stream' }),
        query: { overwrite: true },
        payload: toBody(bytes),
        raw: false,
      });
    }
    const raw = (await sdk.apiClient.request({
      path: `/api/2.0/workspace-files${encodeURI(`${dir}/with space ü.bin`)}`,
      method: 'GET',
      headers: new Headers(),
      raw: true,
    })) as { contents: AsyncIterable<Uint8Array> };
    assert.deepEqual(await readAll(raw.contents), bytes);
    const listFiles = (await sdk.apiClient.request({
      path: '/api/2.0/workspace-files/list-files',
      method: 'GET',
      headers: new Headers(),
      query: { path: dir },
      raw: false,
    })) as { objects: unknown[] };
    assert.equal(listFiles.objects.length, 4);
    const info = (await sdk.apiClient.request({
      path: '/api/2.0/workspace-files/object-info',
      method: 'GET',
      headers: new Headers(),
      query: { path: `${dir}/a.bin` },
      raw: false,
    })) as { wsfs_object_info: { signed_url: { url: string } } };
    const signed = await fetch(info.wsfs_object_info.signed_url.url);
    assert.deepEqual(Buffer.from(await signed.arrayBuffer()), bytes);
    const upload = (await sdk.apiClient.request({
      path: '/api/2.0/workspace-files/new-files',
      method: 'POST',
      headers: new Headers({ 'Content-Type': 'application/json' }),
      payload: { path: `${dir}/put.bin` },
      raw: false,
    })) as { signed_urls: Array<{ url: string; headers: Record<string, string> }> };
    const put = await fetch(upload.signed_urls[0]!.url, { method: 'PUT', headers: upload.signed_urls[0]!.headers, body: bytes });
    assert.equal(put.status, 201);
    await sdk.apiClient.request({
      path: '/api/2.0/workspace/rename',
      method: 'POST',
      headers: new Headers({ 'Content-Type': 'application/json' }),
      payload: { source_path: `${dir}/put.bin`, destination_path: `${dir}/moved.bin` },
      raw: false,
    });
    await sdk.workspace.delete({ path: `${dir}/notes.txt` });

    assert.deepEqual((await adminStats(emulator)).requests, {
      'GET /api/2.0/preview/scim/v2/Me': 1,
      'POST /api/2.0/workspace/mkdirs': 1,
      'POST /api/2.0/workspace/import': 2,
      'GET /api/2.0/workspace/list': 2,
      'GET /api/2.0/workspace/get-status': 3,
      'GET /api/2.0/workspace/export': 1,
      'POST /api/2.0/workspace-files/import-file/{path}': 2,
      'GET /api/2.0/workspace-files/{path}': 1,
      'GET /api/2.0/workspace-files/list-files': 1,
      'GET /api/2.0/workspace-files/object-info': 1,
      'GET /__emulator/signed/{token}': 1,
      'POST /api/2.0/workspace-files/new-files': 1,
      'PUT /__emulator/signed/{token}': 1,
      'POST /api/2.0/workspace/rename': 1,
      'POST /api/2.0/workspace/delete': 1,
    });
    assert.equal(emulator.stats.total(), 20);
  });

  it('counts request and response body bytes exactly (raw HTTP)', async () => {
    const size = 123_457;
    const content = Buffer.from(Array.from({ length: size }, (_, i) => (i * 13) % 256));
    const path = `${home(emulator)}/bytes.bin`;
    let sent = 0;
    let received = 0;
    const exchange = async (method: string, url: string, body?: string | Buffer): Promise<Buffer> => {
      const response = await api(emulator, method, url, body === undefined ? {} : { body });
      const reply = Buffer.from(await response.arrayBuffer());
      sent += body === undefined ? 0 : Buffer.byteLength(body);
      received += reply.length;
      return reply;
    };

    await exchange('POST', `/api/2.0/workspace-files/import-file${encodeURI(path)}?overwrite=true`, content);
    assert.deepEqual(await adminStats(emulator), {
      requests: { 'POST /api/2.0/workspace-files/import-file/{path}': 1 },
      bytesIn: size,
      bytesOut: 2,
    });
    assert.deepEqual(await exchange('GET', `/api/2.0/workspace-files${encodeURI(path)}`), content);
    assert.deepEqual(await adminStats(emulator), {
      requests: { 'POST /api/2.0/workspace-files/import-file/{path}': 1, 'GET /api/2.0/workspace-files/{path}': 1 },
      bytesIn: size,
      bytesOut: 2 + size,
    });

    await exchange('GET', `/api/2.0/workspace/export?path=${encodeURIComponent(path)}&direct_download=true`);
    await exchange('GET', `/api/2.0/workspace/export?path=${encodeURIComponent(path)}`);
    await exchange('POST', '/api/2.0/workspace/mkdirs', JSON.stringify({ path: `${home(emulator)}/bytes/dir` }));
    await exchange('GET', `/api/2.0/workspace/get-status?path=${encodeURIComponent(`${path}.missing`)}`);
    await exchange('POST', '/api/2.0/workspace/import', JSON.stringify({ path: `${home(emulator)}/bytes/x.txt`, format: 'AUTO', content: 'eA==' }));
    const snapshot = emulator.stats.snapshot();
    assert.equal(snapshot.bytesIn, sent);
    assert.equal(snapshot.bytesOut, received);
    assert.ok(received > 3 * size, 'the exports were not counted');
  });

  it('counts bytes of streamed SDK uploads and downloads', async () => {
    const content = Buffer.alloc(300_000, 0x5a);
    const path = `${home(emulator)}/sdk-bytes.bin`;
    await sdk.apiClient.request({
      path: `/api/2.0/workspace-files/import-file${encodeURI(path)}`,
      method: 'POST',
      headers: new Headers({ 'Content-Type': 'application/octet-stream' }),
      query: { overwrite: true },
      payload: toBody(content),
      raw: false,
    });
    assert.equal(emulator.stats.snapshot().bytesIn, content.length);
    emulator.stats.reset();
    const download = (await sdk.apiClient.request({
      path: `/api/2.0/workspace-files${encodeURI(path)}`,
      method: 'GET',
      headers: new Headers(),
      raw: true,
    })) as { contents: AsyncIterable<Uint8Array> };
    assert.deepEqual(await readAll(download.contents), content);
    assert.deepEqual(emulator.stats.snapshot(), { requests: { 'GET /api/2.0/workspace-files/{path}': 1 }, bytesIn: 0, bytesOut: content.length });
  });

  it('POST /__emulator/stats/reset zeroes every counter', async () => {
    await sdk.workspace.getStatus({ path: home(emulator) });
    await api(emulator, 'POST', '/api/2.0/workspace/mkdirs', { body: JSON.stringify({ path: `${home(emulator)}/r` }) });
    const before = await adminStats(emulator);
    assert.equal(before.requests['GET /api/2.0/workspace/get-status'], 1);
    assert.ok(before.bytesIn > 0 && before.bytesOut > 0);
    assert.deepEqual(await resetStats(emulator), { requests: {}, bytesIn: 0, bytesOut: 0 });
    assert.deepEqual(await adminStats(emulator), { requests: {}, bytesIn: 0, bytesOut: 0 });
    await sdk.workspace.getStatus({ path: home(emulator) });
    assert.deepEqual((await adminStats(emulator)).requests, { 'GET /api/2.0/workspace/get-status': 1 });
  });

  it('offers the same counters programmatically', async () => {
    await sdk.workspace.getStatus({ path: home(emulator) });
    await sdk.workspace.getStatus({ path: '/Shared' });
    await sdk.currentUser.me();
    const snapshot = emulator.stats.snapshot();
    assert.deepEqual(snapshot.requests, { 'GET /api/2.0/workspace/get-status': 2, 'GET /api/2.0/preview/scim/v2/Me': 1 });
    assert.deepEqual(snapshot, await adminStats(emulator));
    assert.equal(emulator.stats.requestsTo('GET /api/2.0/workspace/get-status'), 2);
    assert.equal(emulator.stats.requestsTo('GET /api/2.0/workspace/list'), 0);
    assert.equal(emulator.stats.total(), 3);
    snapshot.requests['GET /api/2.0/workspace/get-status'] = 99;
    assert.equal(emulator.stats.requestsTo('GET /api/2.0/workspace/get-status'), 2, 'a snapshot is a copy');
    emulator.stats.reset();
    assert.deepEqual(emulator.stats.snapshot(), { requests: {}, bytesIn: 0, bytesOut: 0 });
    assert.equal(emulator.stats.total(), 0);
  });

  it('does not count admin calls', async () => {
    await fetch(`${emulator.host}/__emulator/health`);
    await fetch(`${emulator.host}/__emulator/faults`);
    await fetch(`${emulator.host}/__emulator/faults`, { method: 'POST', body: '{"latencyMs":0}' });
    await fetch(`${emulator.host}/__emulator/faults`, { method: 'DELETE' });
    await fetch(`${emulator.host}/__emulator/nope`);
    await adminStats(emulator);
    await adminStats(emulator);
    assert.deepEqual(await adminStats(emulator), { requests: {}, bytesIn: 0, bytesOut: 0 });
  });

  it('counts requests refused for a bad or missing token, unknown endpoints and injected faults', async () => {
    const wrong = await api(emulator, 'GET', `/api/2.0/workspace/list?path=${encodeURIComponent(home(emulator))}`, { token: 'dapi-wrong' });
    assert.equal(wrong.status, 403);
    const wrongBody = await wrong.arrayBuffer();
    const missing = await api(emulator, 'POST', '/api/2.0/workspace/mkdirs', { token: null, body: '{"path":"/Shared/x"}' });
    assert.equal(missing.status, 403);
    await missing.arrayBuffer();
    await assert.rejects(sdkClient(emulator, 'dapi-wrong').workspace.getStatus({ path: '/Shared' }), /Invalid access token/);
    const unknown = await api(emulator, 'GET', '/api/2.0/nope?x=1');
    assert.equal(unknown.status, 404);
    await unknown.arrayBuffer();
    emulator.faults.set({ rules: [{ count: 1, fault: { kind: 'error', status: 503 } }] });
    assert.equal((await api(emulator, 'GET', '/api/2.0/preview/scim/v2/Me')).status, 503);
    const snapshot = await adminStats(emulator);
    assert.deepEqual(snapshot.requests, {
      'GET /api/2.0/workspace/list': 1,
      'POST /api/2.0/workspace/mkdirs': 1,
      'GET /api/2.0/workspace/get-status': 1,
      'GET /api/2.0/nope': 1,
      'GET /api/2.0/preview/scim/v2/Me': 1,
    });
    assert.equal(snapshot.bytesIn, Buffer.byteLength('{"path":"/Shared/x"}'));
    assert.ok(snapshot.bytesOut >= wrongBody.byteLength * 3, 'error bodies were not counted');
    assert.equal(emulator.tree.find('/Shared/x'), undefined, 'a refused request took effect');
  });
});
