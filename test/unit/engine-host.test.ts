// The engine's protocol server with a fake factory (remote, mount): one reply per command,
// invalid messages rejected, credentials before mount, the connection check and its clear errors,
// unmount = flush then unmount, an external unmount, and no token in any event or log line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EngineHost, type EngineFactory, type MountedEngine, type MountPlan } from '../../src/fs/host/engine-host';
import { RemoteError } from '../../src/fs/remote/remote-error';
import type { RemoteSettings } from '../../src/fs/remote/remote-config';
import type { RemoteEntry, RemoteWorkspace } from '../../src/fs/remote/remote-workspace';
import type { CacheUsage, TransferSummary } from '../../src/shared/cache-usage';
import type { EngineEvent, MountCommand } from '../../src/shared/engine-protocol';

const PAT = `dapi${'0123456789abcdef'.repeat(2)}`;
const PLAIN_TOKEN = 'plain-secret-token-42';
const USER = 'me@example.com';

interface FakeOptions {
  connectError?: Error;
  userError?: Error;
  missing?: readonly string[];
  notebooks?: readonly string[];
  mountError?: Error;
  /** Echo the token in the error messages the fake remote throws. */
  echoToken?: boolean;
}

class FakeMount implements MountedEngine {
  calls: string[] = [];
  usage: CacheUsage = { enabled: true, bytesUsed: 0, bytesLimit: 100, files: 0, hits: 0, misses: 0, evictions: 0, bytesFetched: 0 };
  private listener: (() => void) | undefined;
  cacheUsage(): CacheUsage {
    return { ...this.usage };
  }
  async setCacheEnabled(enabled: boolean): Promise<void> {
    this.calls.push(`setCacheEnabled ${String(enabled)}`);
    this.usage.enabled = enabled;
  }
  async clearCache(): Promise<void> {
    this.calls.push('clearCache');
    this.usage = { ...this.usage, bytesUsed: 0, files: 0 };
  }
  async flushAll(): Promise<void> {
    this.calls.push('flushAll');
  }
  async unmount(): Promise<void> {
    this.calls.push('unmount');
  }
  transfers(): TransferSummary {
    return { uploadsQueued: 2, uploadsInFlight: 1, bytesToUpload: 10, bytesUploaded: 0 };
  }
  setCredentials(token: string): void {
    this.calls.push(`setCredentials:${token.length}`);
  }
  onUnmounted(listener: () => void): void {
    this.listener = listener;
  }
  externalUnmount(): void {
    this.listener?.();
  }
}

function setup(fake: FakeOptions = {}, extra: { fixedWorkspace?: { host: string; token: string }; statsIntervalMs?: number; everyInterval?: (tick: () => void, ms: number) => () => void } = {}) {
  const events: EngineEvent[] = [];
  const settings: RemoteSettings[] = [];
  const plans: MountPlan[] = [];
  const idle: string[] = [];
  const mount = new FakeMount();
  const send = (event: EngineEvent): void => void events.push(JSON.parse(JSON.stringify(event)) as EngineEvent);
  const remote = (token: string | undefined): RemoteWorkspace => {
    const entry = (path: string, type: RemoteEntry['type']): RemoteEntry => ({ path, type, rawType: type, objectId: 1 });
    return {
      async currentUser() {
        if (fake.userError !== undefined) throw fake.userError;
        if (fake.echoToken) throw new RemoteError('unauthenticated', `token ${token ?? ''} is not valid`);
        return { userName: USER };
      },
      async stat(path: string) {
        if (fake.missing?.includes(path)) throw new RemoteError('not-found', `${path} does not exist`);
        return entry(path, fake.notebooks?.includes(path) ? 'NOTEBOOK' : 'DIRECTORY');
      },
    } as unknown as RemoteWorkspace;
  };
  const factory: EngineFactory = {
    async connect(s, logger) {
      settings.push(s);
      logger.debug('connecting', { settings: s });
      if (fake.connectError !== undefined) throw fake.connectError;
      return { host: s.host ?? 'https://from-profile.cloud.databricks.com', remote: remote(s.token) };
    },
    async mount(plan) {
      plans.push(plan);
      if (fake.mountError !== undefined) throw fake.mountError;
      return mount;
    },
  };
  const host = new EngineHost({ send, factory, pid: 1234, onIdle: (reason) => idle.push(reason), statsIntervalMs: 0, ...extra });
  host.start();
  return { host, events, settings, plans, idle, mount };
}

function mountCommand(id: number, overrides: Partial<MountCommand> = {}): MountCommand {
  return {
    kind: 'engine:mount',
    id,
    mountPoint: '/mnt/ws',
    remotePath: '~',
    host: 'https://x.cloud.databricks.com',
    authType: 'pat',
    cacheEnabled: true,
    ttlSeconds: 10,
    uploadMode: 'sync',
    debug: false,
    ...overrides,
  };
}

function replies(events: EngineEvent[]) {
  return events.filter((e): e is Extract<EngineEvent, { kind: 'engine:reply' }> => e.kind === 'engine:reply');
}

function replyTo(events: EngineEvent[], id: number) {
  const found = replies(events).filter((r) => r.id === id);
  assert.equal(found.length, 1, `exactly one reply to ${id}: ${JSON.stringify(found)}`);
  return found[0]!;
}

function states(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'mount:state' ? [e.state.kind] : []));
}

describe('EngineHost', () => {
  it('announces itself: engine:ready first, then mount:state idle', () => {
    const { events } = setup();
    assert.deepEqual(events.slice(0, 2), [
      { kind: 'engine:ready', protocolVersion: 1, pid: 1234 },
      { kind: 'mount:state', state: { kind: 'idle' } },
    ]);
  });

  it('rejects invalid messages with one error reply each and carries on', async () => {
    const { host, events } = setup();
    await host.receive('hello');
    await host.receive({ kind: 'engine:explode', id: 7 });
    await host.receive({ kind: 'engine:mount', id: 8, mountPoint: 'relative', remotePath: '/' });
    await host.receive({ kind: 'cache:set-enabled', id: 9 });
    const all = replies(events);
    assert.equal(all.length, 4);
    assert.deepEqual(
      all.map((r) => [r.id, r.ok, r.ok ? '' : r.error.code]),
      [
        [0, false, 'invalid-message'],
        [7, false, 'invalid-message'],
        [8, false, 'invalid-message'],
        [9, false, 'invalid-message'],
      ],
    );
    const eight = replyTo(events, 8);
    assert.ok(!eight.ok && eight.error.message.startsWith('engine:mount.'), JSON.stringify(eight));
    await host.receive({ kind: 'engine:get-stats', id: 10 });
    assert.equal(replyTo(events, 10).ok, true);
  });

  it('answers every command exactly once, in a full session', async () => {
    const { host, events } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2));
    await host.receive({ kind: 'engine:get-stats', id: 3 });
    await host.receive({ kind: 'cache:set-enabled', id: 4, enabled: false });
    await host.receive({ kind: 'cache:clear', id: 5 });
    await host.receive(mountCommand(6));
    await host.receive({ kind: 'engine:unmount', id: 7 });
    await host.receive({ kind: 'engine:unmount', id: 8 });
    await host.receive({ kind: 'cache:clear', id: 9 });
    assert.deepEqual(
      replies(events).map((r) => r.id),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    for (const id of [1, 2, 3, 4, 5, 7]) assert.equal(replyTo(events, id).ok, true, `command ${id}`);
    for (const [id, code] of [
      [6, 'busy'],
      [8, 'not-mounted'],
      [9, 'not-mounted'],
    ] as const) {
      const reply = replyTo(events, id);
      assert.ok(!reply.ok && reply.error.code === code, `${id}: ${JSON.stringify(reply)}`);
    }
    const stats = events.findIndex((e) => e.kind === 'engine:stats');
    assert.ok(stats >= 0 && stats < events.indexOf(replyTo(events, 3)), 'engine:stats comes before its reply');
  });

  it('switches and clears the mounted cache, and reports its usage in engine:stats', async () => {
    const { host, events, mount } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2, { cacheLimitBytes: 1234, cacheMinFreeBytes: 0 }));
    mount.usage = { ...mount.usage, bytesUsed: 40, files: 2, hits: 3 };
    await host.receive({ kind: 'engine:get-stats', id: 3 });
    await host.receive({ kind: 'cache:set-enabled', id: 4, enabled: false });
    await host.receive({ kind: 'cache:clear', id: 5 });
    assert.deepEqual(mount.calls, ['setCacheEnabled false', 'clearCache']);
    const pushed = events.flatMap((e) => (e.kind === 'engine:stats' ? [e.stats.cache] : []));
    assert.deepEqual(
      pushed.map((c) => [c.enabled, c.bytesUsed, c.files, c.hits]),
      [
        [true, 40, 2, 3],
        [false, 40, 2, 3],
        [false, 0, 0, 3],
      ],
    );
    for (const id of [3, 4, 5]) assert.equal(replyTo(events, id).ok, true);
    // docs/protocol.md: a cache command emits engine:stats before its reply, also when nothing changed.
    await host.receive({ kind: 'cache:set-enabled', id: 6, enabled: false });
    const statsAt = events.map((e) => e.kind).lastIndexOf('engine:stats');
    assert.equal(events.filter((e) => e.kind === 'engine:stats').length, 4, 'an unchanged cache:set-enabled still emits engine:stats');
    assert.ok(statsAt >= 0 && statsAt < events.indexOf(replyTo(events, 6)), 'engine:stats comes before the reply');
  });

  it('pushes engine:stats while mounted only when they changed', async () => {
    // The ticker is driven by hand (no sleeping): `tick()` is one interval passing.
    const ticker: { tick?: () => void; ms?: number; stopped: boolean } = { stopped: false };
    const everyInterval = (tick: () => void, ms: number): (() => void) => {
      Object.assign(ticker, { tick, ms });
      return () => (ticker.stopped = true);
    };
    const { host, events, mount } = setup({}, { statsIntervalMs: 5, everyInterval });
    const count = (): number => events.filter((e) => e.kind === 'engine:stats').length;
    const tick = (times: number): void => {
      for (let i = 0; i < times && !ticker.stopped; i++) ticker.tick?.();
    };
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    assert.equal(ticker.tick, undefined, 'no ticker before a mount');
    await host.receive(mountCommand(2));
    assert.equal(ticker.ms, 5);
    tick(1);
    assert.equal(count(), 1, 'the first tick pushes the stats');
    tick(10);
    assert.equal(count(), 1, 'unchanged stats are not pushed again');
    mount.usage = { ...mount.usage, hits: 9 };
    tick(1);
    assert.equal(count(), 2);
    await host.receive({ kind: 'engine:unmount', id: 3 });
    assert.ok(ticker.stopped, 'the unmount stops the ticker');
    mount.usage = { ...mount.usage, hits: 10 };
    tick(10);
    assert.equal(count(), 2, 'no pushes after the unmount');
  });

  it('needs credentials before a pat mount, and uses them once they came', async () => {
    const { host, events, settings } = setup();
    await host.receive(mountCommand(1));
    const first = replyTo(events, 1);
    assert.ok(!first.ok && first.error.code === 'no-credentials', JSON.stringify(first));
    assert.equal(settings.length, 0, 'no connection without credentials');
    await host.receive({ kind: 'engine:set-credentials', id: 2, token: PAT });
    await host.receive(mountCommand(3));
    assert.equal(replyTo(events, 3).ok, true);
    assert.equal(settings[0]?.token, PAT);
    assert.equal(settings[0]?.authType, 'pat');
    assert.deepEqual(states(events), ['idle', 'mounting', 'failed', 'mounting', 'mounted']);
  });

  it('resolves ~ to the home folder and reports it in mount:state', async () => {
    const { host, events, plans } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2, { remotePath: '~/projects' }));
    assert.equal(plans[0]?.remotePath, `/Users/${USER}/projects`);
    const mounted = events.find((e) => e.kind === 'mount:state' && e.state.kind === 'mounted');
    assert.deepEqual(mounted, {
      kind: 'mount:state',
      state: { kind: 'mounted', mountPoint: '/mnt/ws', remotePath: `/Users/${USER}/projects`, host: 'https://x.cloud.databricks.com' },
    });
  });

  for (const [name, fake, code, fix] of [
    ['a wrong or expired token', { userError: new RemoteError('unauthenticated', 'Invalid access token.') }, 'unauthenticated', /access token/],
    ['an unreachable host', { userError: new RemoteError('network', 'ECONNREFUSED') }, 'unreachable', /network/],
    ['a malformed host', { connectError: new RemoteError('invalid', 'malformed workspace host "x y" (it contains white space)') }, 'bad-host', /--host/],
    ['a missing remote path', { missing: [`/Users/${USER}`] }, 'remote-path-missing', /--remote-path/],
    ['a remote path that is a notebook', { notebooks: [`/Users/${USER}`] }, 'remote-path-not-folder', /--remote-path/],
    [
      'a mount point the session refuses',
      { mountError: Object.assign(new Error('/mnt/ws is not empty'), { code: 'mount-point-not-empty', fix: 'pick an empty folder' }) },
      'mount-point-not-empty',
      /empty folder/,
    ],
  ] as const) {
    it(`turns ${name} into a failed state with its fix and an error reply`, async () => {
      const { host, events, idle } = setup(fake);
      await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
      await host.receive(mountCommand(2));
      const reply = replyTo(events, 2);
      assert.ok(!reply.ok && reply.error.code === code, JSON.stringify(reply));
      const failed = events.find((e) => e.kind === 'mount:state' && e.state.kind === 'failed');
      assert.ok(failed?.kind === 'mount:state' && failed.state.kind === 'failed');
      assert.equal(failed.state.code, code);
      assert.match(failed.state.fix ?? '', fix);
      assert.deepEqual(idle, [], 'a failed mount leaves the engine waiting for commands');
    });
  }

  it('while mounted: stats carry the mount\'s transfers, a new token reaches the mount, reports become events', async () => {
    const { host, events, plans, mount } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2, { uploadMode: 'background' }));
    assert.equal(plans[0]!.uploadMode, 'background');
    await host.receive({ kind: 'engine:get-stats', id: 3 });
    const stats = events.find((e) => e.kind === 'engine:stats');
    assert.deepEqual(stats?.kind === 'engine:stats' && stats.stats.transfers, { uploadsQueued: 2, uploadsInFlight: 1, bytesToUpload: 10, bytesUploaded: 0 });
    await host.receive({ kind: 'engine:set-credentials', id: 4, token: PLAIN_TOKEN });
    assert.ok(replyTo(events, 4).ok);
    assert.deepEqual(mount.calls, [`setCredentials:${PLAIN_TOKEN.length}`]);
    plans[0]!.onProblem({ kind: 'needs-sign-in', message: `token ${PLAIN_TOKEN} expired` });
    plans[0]!.onTransfer({ kind: 'transfer:progress', transferId: 't', direction: 'upload', path: '/a', phase: 'queued', bytesDone: 0, bytesTotal: 3 });
    const problem = events.find((e) => e.kind === 'engine:problem');
    assert.ok(problem?.kind === 'engine:problem' && problem.problem.kind === 'needs-sign-in' && !problem.problem.message.includes(PLAIN_TOKEN), JSON.stringify(problem));
    assert.ok(events.some((e) => e.kind === 'transfer:progress' && e.phase === 'queued'));
  });

  it('unmounts by flushing first, then unmounting, then going idle', async () => {
    const { host, events, mount, idle } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2));
    await host.receive({ kind: 'engine:unmount', id: 3 });
    assert.equal(replyTo(events, 3).ok, true);
    assert.deepEqual(mount.calls, ['flushAll', 'unmount']);
    assert.deepEqual(states(events), ['idle', 'mounting', 'mounted', 'unmounting', 'idle']);
    assert.deepEqual(idle, ['unmounted']);
  });

  it('shutdown (SIGINT/SIGTERM) flushes and unmounts once, even when asked twice', async () => {
    const { host, mount, idle } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2));
    await Promise.all([host.shutdown(), host.shutdown()]);
    assert.deepEqual(mount.calls, ['flushAll', 'unmount']);
    assert.deepEqual(idle, ['unmounted']);
  });

  it('an external unmount turns the state idle and ends the engine', async () => {
    const { host, events, mount, idle } = setup();
    await host.receive({ kind: 'engine:set-credentials', id: 1, token: PAT });
    await host.receive(mountCommand(2));
    mount.externalUnmount();
    assert.deepEqual(states(events).slice(-1), ['idle']);
    assert.deepEqual(idle, ['lost']);
    assert.equal(host.busy, false);
  });

  it('a fixed workspace (the demo) needs no credentials and ignores the command host', async () => {
    const { host, events, settings } = setup({}, { fixedWorkspace: { host: 'http://127.0.0.1:5000', token: PAT } });
    await host.receive(mountCommand(1, { host: undefined }));
    assert.equal(replyTo(events, 1).ok, true);
    assert.equal(settings[0]?.host, 'http://127.0.0.1:5000');
  });

  for (const token of [PAT, PLAIN_TOKEN]) {
    it(`never lets the token (${token === PAT ? 'PAT-shaped' : 'plain'}) reach an event or a log line`, async () => {
      const { host, events } = setup({ echoToken: true });
      await host.receive({ kind: 'engine:set-credentials', id: 1, token });
      await host.receive(mountCommand(2, { debug: true }));
      await host.receive({ kind: 'engine:set-credentials', id: 3, token: 42 });
      assert.ok(events.some((e) => e.kind === 'engine:log'), 'debug logging produced log events');
      const reply = replyTo(events, 2);
      assert.ok(!reply.ok && reply.error.code === 'unauthenticated');
      assert.ok(!JSON.stringify(events).includes(token), JSON.stringify(events));
    });
  }
});
