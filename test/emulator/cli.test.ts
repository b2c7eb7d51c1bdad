// The `wsfs emulator` command as a user runs it: its two start-up lines, the SDK working against
// them, clean exits on SIGTERM and SIGINT, each option taking effect, and clear errors with a
// non-zero exit for bad input. Every child is waited for with a deadline and killed in `after`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { CliProcess, killAllCli } from '../support/cli-child';

interface Remote {
  host: string;
  token: string;
}

async function start(args: string[]): Promise<{ cli: CliProcess; remote: Remote }> {
  const cli = CliProcess.spawn(['emulator', ...args]);
  return { cli, remote: await cli.endpoint() };
}

function client(remote: Remote): WorkspaceClient {
  return new WorkspaceClient({
    host: remote.host,
    token: remote.token,
    authType: 'pat',
    env: {},
    retryTimeoutSeconds: 1,
  } as ConstructorParameters<typeof WorkspaceClient>[0]);
}

async function call(remote: Remote, method: string, path: string, body?: string | Buffer, token = remote.token): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${remote.host}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: body ?? null });
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** Stops a child with SIGTERM and asserts a clean exit. */
async function stop(cli: CliProcess): Promise<void> {
  cli.kill('SIGTERM');
  assert.deepEqual(await cli.exit(10_000), { code: 0, signal: null }, cli.stderr);
}

/** Runs the command expecting it to refuse to start; returns its stderr. */
async function refused(args: string[]): Promise<string> {
  const cli = CliProcess.spawn(['emulator', ...args]);
  const { code, signal } = await cli.exit(10_000);
  assert.equal(signal, null, `${args.join(' ')} was killed`);
  assert.notEqual(code, 0, `${args.join(' ')} exited 0`);
  assert.doesNotMatch(cli.stdout, /DATABRICKS_HOST=/, `${args.join(' ')} printed a host`);
  return cli.stderr;
}

describe('wsfs emulator (CLI)', () => {
  const dirs: string[] = [];
  let blocker: Server | undefined;
  after(async () => {
    await killAllCli();
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the host and token as its first two lines, serves the SDK and exits 0 on SIGTERM', async () => {
    const cli = CliProcess.spawn(['emulator', '--seed', 'demo', '--port', '0']);
    const [hostLine, tokenLine] = await cli.lines(2);
    const port = /^DATABRICKS_HOST=http:\/\/127\.0\.0\.1:(\d+)$/.exec(hostLine ?? '')?.[1];
    assert.ok(port !== undefined && Number(port) > 0 && Number(port) < 65536, `host line: ${hostLine}`);
    const token = /^DATABRICKS_TOKEN=(\S+)$/.exec(tokenLine ?? '')?.[1];
    assert.ok(token !== undefined && token.length >= 16, `token line: ${tokenLine}`);

    const sdk = client({ host: `http://127.0.0.1:${port}`, token });
    const me = await sdk.currentUser.me();
    const home = `/Users/${me.userName}`;
    const names: string[] = [];
    for await (const item of sdk.workspace.list({ path: home })) names.push(item.path!);
    assert.ok(names.includes(`${home}/Getting Started`), names.join(', '));
    const exported = await sdk.workspace.export({ path: `${home}/Getting Started`, format: 'SOURCE' });
    assert.match(Buffer.from(exported.content!, 'base64').toString(), /^# Databricks notebook source\n/);
    const source = '-- Databricks notebook source\nSELECT 42\n';
    await sdk.workspace.import({ path: `${home}/From CLI test`, format: 'SOURCE', language: 'SQL', content: Buffer.from(source).toString('base64') });
    const info = await sdk.workspace.getStatus({ path: `${home}/From CLI test` });
    assert.equal(info.object_type, 'NOTEBOOK');
    assert.equal(info.language, 'SQL');
    const back = await sdk.workspace.export({ path: `${home}/From CLI test`, format: 'SOURCE' });
    assert.equal(Buffer.from(back.content!, 'base64').toString(), source);

    await stop(cli);
  });

  it('exits 0 on SIGINT', async () => {
    const { cli, remote } = await start(['--port', '0']);
    assert.equal((await call(remote, 'GET', '/api/2.0/workspace/list?path=%2F')).status, 200);
    cli.kill('SIGINT');
    assert.deepEqual(await cli.exit(10_000), { code: 0, signal: null }, cli.stderr);
  });

  it('exits 0 promptly on SIGTERM while requests wait on latency or a bandwidth cap', async () => {
    for (const args of [['--latency-ms', '30000'], ['--bandwidth-mbps', '0.0001']]) {
      const { cli, remote } = await start(['--port', '0', ...args]);
      const held = fetch(`${remote.host}/api/2.0/workspace/list?path=%2F`, { headers: { authorization: `Bearer ${remote.token}` } })
        .then((response) => response.arrayBuffer())
        .then(
          () => 'served',
          () => 'dropped',
        );
      // Let the request reach the server and start waiting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      cli.kill('SIGTERM');
      assert.deepEqual(await cli.exit(5_000), { code: 0, signal: null }, `${args.join(' ')}: ${cli.stderr}`);
      assert.equal(await held, 'dropped');
    }
  });

  it('uses the token given with --token', async () => {
    const { cli, remote } = await start(['--port', '0', '--token', 'dapi-cli-test-token']);
    assert.equal(remote.token, 'dapi-cli-test-token');
    assert.equal((await call(remote, 'GET', '/api/2.0/workspace/get-status?path=%2FShared')).status, 200);
    const wrong = await call(remote, 'GET', '/api/2.0/workspace/get-status?path=%2FShared', undefined, 'dapi-other');
    assert.equal(wrong.status, 403);
    await stop(cli);
  });

  it('switches endpoint families off with --disable workspace-files,rename', async () => {
    const { cli, remote } = await start(['--port', '0', '--disable', 'workspace-files,rename']);
    const importFile = await call(remote, 'POST', '/api/2.0/workspace-files/import-file/Shared/a.txt', Buffer.from('a'));
    assert.equal(importFile.status, 404);
    assert.equal(importFile.json.error_code, 'ENDPOINT_NOT_FOUND');
    assert.equal((await call(remote, 'GET', '/api/2.0/workspace-files/list-files?path=%2FShared')).status, 404);
    const imported = await call(
      remote,
      'POST',
      '/api/2.0/workspace/import',
      JSON.stringify({ path: '/Shared/a.txt', format: 'AUTO', content: Buffer.from('a').toString('base64') }),
    );
    assert.equal(imported.status, 200);
    const renamed = await call(remote, 'POST', '/api/2.0/workspace/rename', JSON.stringify({ source_path: '/Shared/a.txt', destination_path: '/Shared/b.txt' }));
    assert.equal(renamed.status, 404);
    assert.equal(renamed.json.error_code, 'ENDPOINT_NOT_FOUND');
    assert.equal((await call(remote, 'GET', '/api/2.0/workspace/get-status?path=%2FShared%2Fa.txt')).status, 200);
    await stop(cli);
  });

  it('accepts --child-limit, also below the size of the seed', async () => {
    const { cli, remote } = await start(['--port', '0', '--seed', 'demo', '--child-limit', '3']);
    const mkdirs = (path: string): Promise<{ status: number; json: Record<string, unknown> }> =>
      call(remote, 'POST', '/api/2.0/workspace/mkdirs', JSON.stringify({ path }));
    // The demo home folder holds more than three children; they are all served.
    const me = (await call(remote, 'GET', '/api/2.0/preview/scim/v2/Me')).json;
    const home = await call(remote, 'GET', `/api/2.0/workspace/list?path=${encodeURIComponent(`/Users/${String(me.userName)}`)}`);
    assert.ok((home.json.objects as unknown[]).length > 3);
    // /Shared holds two seeded children: one more fits, the next does not.
    assert.equal((await mkdirs('/Shared/limited')).status, 200);
    const full = await mkdirs('/Shared/one-too-many');
    assert.equal(full.status, 403);
    assert.equal(full.json.error_code, 'MAX_CHILD_NODE_SIZE_EXCEEDED');
    for (const name of ['a', 'b', 'c']) assert.equal((await mkdirs(`/Shared/limited/${name}`)).status, 200);
    const fourth = await mkdirs('/Shared/limited/d');
    assert.equal(fourth.status, 403);
    assert.equal(fourth.json.error_code, 'MAX_CHILD_NODE_SIZE_EXCEEDED');
    await stop(cli);
  });

  it('accepts --latency-ms', async () => {
    const { cli, remote } = await start(['--port', '0', '--latency-ms', '200']);
    const started = performance.now();
    assert.equal((await call(remote, 'GET', '/api/2.0/workspace/get-status?path=%2F')).status, 200);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 190, `request took ${elapsed} ms`);
    assert.deepEqual(await (await fetch(`${remote.host}/__emulator/faults`)).json(), { latencyMs: 200 });
    await stop(cli);
  });

  it('accepts --faults as JSON or @file, combined with --fault-seed', async () => {
    const { cli, remote } = await start(['--port', '0', '--faults', '{"latencyMs":5}']);
    assert.deepEqual(await (await fetch(`${remote.host}/__emulator/faults`)).json(), { latencyMs: 5 });
    await stop(cli);

    const dir = mkdtempSync(join(tmpdir(), 'wsfs-cli-'));
    dirs.push(dir);
    const file = join(dir, 'faults.json');
    const rules = [{ endpoint: 'GET /api/2.0/workspace/list', count: 1, fault: { kind: 'error', status: 503 } }];
    writeFileSync(file, JSON.stringify({ rules }));
    const fromFile = await start(['--port', '0', '--faults', `@${file}`, '--fault-seed', '3']);
    assert.deepEqual(await (await fetch(`${fromFile.remote.host}/__emulator/faults`)).json(), { seed: 3, rules });
    assert.equal((await call(fromFile.remote, 'GET', '/api/2.0/workspace/list?path=%2F')).status, 503);
    assert.equal((await call(fromFile.remote, 'GET', '/api/2.0/workspace/list?path=%2F')).status, 200);
    await stop(fromFile.cli);
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--port', 'abc'], /--port.*abc|abc.*--port/],
      [['--port', '70000'], /--port/],
      [['--disable', 'foo'], /foo/],
      [['--disable', 'rename,foo'], /unknown feature 'foo'/],
      [['--seed', 'nope'], /nope/],
      [['--faults', '{bad'], /--faults/],
      [['--faults', '{"latencyMs":-1}'], /latencyMs/],
      [['--faults', '@/nonexistent/faults.json'], /--faults/],
      [['--latency-ms', '-5'], /--latency-ms/],
      [['--child-limit', '0'], /--child-limit/],
      [['--bogus'], /unknown option/],
    ];
    const results = await Promise.all(cases.map(([args]) => refused(args)));
    cases.forEach(([args, message], i) => assert.match(results[i]!, message, `${args.join(' ')}: ${results[i]}`));
  });

  it('explains a port that is already in use', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      blocker!.once('error', reject);
      blocker!.listen(0, '127.0.0.1', () => resolve((blocker!.address() as { port: number }).port));
    });
    const stderr = await refused(['--port', String(port)]);
    assert.match(stderr, /already in use/);
    assert.match(stderr, /--port/);
    assert.match(stderr, new RegExp(String(port)));
  });
});
