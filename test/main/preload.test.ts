// The compiled preload with Electron's two renderer APIs replaced by recorders (Electron cannot run
// here): window.api holds exactly the contract's functions and nothing else, invokes go to the
// contract's channels and unwrap IpcResults into values or Errors, listeners never see the
// IpcRendererEvent and can unsubscribe, and a page main does not trust gets no api at all.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { API_EVENTS, API_METHODS } from '../../src/shared/ipc-contract';

const PRELOAD = resolve(__dirname, '../../src/preload/index.js');

interface Fake {
  exposed: Record<string, unknown>;
  invoked: Array<[string, unknown]>;
  listeners: Map<string, Set<(event: unknown, payload: unknown) => void>>;
}

/** Loads the preload against a fake `electron`; `describe` is what main answers to api:describe. */
function loadPreload(description: unknown, reply: (channel: string, request: unknown) => unknown): Fake {
  const fake: Fake = { exposed: {}, invoked: [], listeners: new Map() };
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (fake.exposed[key] = value) },
    ipcRenderer: {
      sendSync: (channel: string) => (channel === 'api:describe' ? description : undefined),
      invoke: async (channel: string, request: unknown) => {
        fake.invoked.push([channel, request]);
        return reply(channel, request);
      },
      on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
        if (!fake.listeners.has(channel)) fake.listeners.set(channel, new Set());
        fake.listeners.get(channel)!.add(listener);
      },
      removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => fake.listeners.get(channel)?.delete(listener),
    },
  };
  const electronId = require.resolve('electron');
  const Module = require('node:module') as { new (id: string): NodeJS.Module };
  const shim = new Module(electronId);
  shim.loaded = true;
  shim.exports = electron;
  require.cache[electronId] = shim;
  delete require.cache[PRELOAD];
  require(PRELOAD);
  return fake;
}

describe('preload', () => {
  it('exposes exactly the contract functions, frozen', () => {
    const fake = loadPreload({ methods: API_METHODS, events: API_EVENTS }, () => ({ ok: true, value: null }));
    const api = fake.exposed['api'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(fake.exposed), ['api']);
    assert.deepEqual(Object.keys(api).sort(), [...Object.keys(API_METHODS), ...Object.keys(API_EVENTS)].sort());
    for (const value of Object.values(api)) assert.equal(typeof value, 'function');
    assert.ok(Object.isFrozen(api));
  });

  it('invokes the contract channel and unwraps the result', async () => {
    const fake = loadPreload({ methods: API_METHODS, events: API_EVENTS }, (channel) =>
      channel === 'mount:start' ? { ok: false, error: { code: 'busy', message: '"Prod" is not mounted; mount it first.' } } : { ok: true, value: { answer: channel } },
    );
    const api = fake.exposed['api'] as Record<string, (request?: unknown) => Promise<unknown>>;
    assert.deepEqual(await api['getState']!(), { answer: 'app:get-state' });
    await assert.rejects(api['startMount']!({ workspaceId: 'ws-1' }), { message: '"Prod" is not mounted; mount it first.' });
    assert.deepEqual(fake.invoked, [
      ['app:get-state', undefined],
      ['mount:start', { workspaceId: 'ws-1' }],
    ]);
  });

  it('gives listeners the payload only, and unsubscribes', () => {
    const fake = loadPreload({ methods: API_METHODS, events: API_EVENTS }, () => ({ ok: true, value: null }));
    const api = fake.exposed['api'] as Record<string, (listener: unknown) => () => void>;
    const seen: unknown[][] = [];
    const off = api['onMountState']!((...args: unknown[]) => seen.push(args));
    const [forward] = [...(fake.listeners.get('mount:state') ?? [])];
    assert.ok(forward !== undefined);
    forward({ sender: 'ipc-renderer-event' }, { workspaceId: 'ws-1', state: { kind: 'stopped' } });
    assert.deepEqual(seen, [[{ workspaceId: 'ws-1', state: { kind: 'stopped' } }]]);
    off();
    assert.equal(fake.listeners.get('mount:state')?.size, 0);
    assert.throws(() => api['onProblemRaised']!('not a function'), /onProblemRaised: expected a function/);
  });

  it('exposes nothing to a page main does not trust', () => {
    assert.throws(() => loadPreload(null, () => undefined), /not the wsfs window/);
  });
});
