// The app ships on Electron 45, which runs Node 22; tests must run on that runtime too (the node@22
// devDependency puts it first on PATH for npm scripts).
import assert from 'node:assert/strict';
import { it } from 'node:test';

it('runs on Node 22, the runtime Electron 45 ships', () => {
  assert.equal(Number(process.versions.node.split('.')[0]), 22, `running on Node ${process.versions.node}`);
});
