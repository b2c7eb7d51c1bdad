// The smallest proof that the fixture serves a real mount: list and read the demo seed.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { mountWorkspace, run, type MountedWorkspace } from '../support/mounted-workspace';

let mounted: MountedWorkspace;
before(async () => {
  mounted = await mountWorkspace();
});
after(async () => {
  await mounted?.stop();
});

it('lists and reads the demo workspace through a real mount', async () => {
  const names = (await run('ls', ['-1', mounted.mountPoint])).split('\n');
  assert.ok(names.includes('Getting Started.py'), names.join(','));
  const text = await run('cat', [mounted.local('etl/Ingest.scala')]);
  assert.match(text, /^\/\/ Databricks notebook source\n/);
});
