// The real app controller under plain Node, for main-process tests and for the UI tests' bridge
// (window.api -> IpcRouter.invoke, push events <- controller.onEvent): real settings file
// (electron-store, through the electron shim), real engine children (child_process.fork of the
// compiled engine), real mounts under a temp home, write journals under the temp folder; secrets in
// memory unless a store is given.
// `stop()` quits (engines flush and unmount), lazily unmounts anything left, and removes the temp dir.
import './electron-shim';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { EngineProcess } from '../../src/main/supervisor/engine-spawner';
import { AppController } from '../../src/main/app-controller';
import type { Clock } from '../../src/main/clock';
import { systemClock } from '../../src/main/clock';
import { HttpConnectionTester } from '../../src/main/connection-tester';
import { RecordingDesktop } from './recording-desktop';
import { IpcRouter, samePage } from '../../src/main/ipc-router';
import { MemorySecretStore } from '../../src/main/secrets/memory-secret-store';
import type { SecretStore } from '../../src/main/secrets/secret-store';
import { ElectronSettingsStore } from '../../src/main/settings/electron-settings-store';
import { childProcessEngineSpawner } from '../../src/main/supervisor/child-process-engine-spawner';
import { procMountPoints, SystemMountTable } from '../../src/main/supervisor/mount-table';
import type { RestartBackoff } from '../../src/main/supervisor/restart-backoff';
import type { SupervisorTimeouts } from '../../src/main/supervisor/workspace-supervisor';
import type { InvokeChannel, PushEvent, PushEvents, RequestOf, ResponseOf } from '../../src/shared/ipc-contract';

const run = promisify(execFile);

/** A running controller and its surroundings. */
export interface AppFixture {
  controller: AppController;
  router: IpcRouter;
  desktop: RecordingDesktop;
  secrets: SecretStore;
  /** The temp folder holding home/, config/, cache/, logs/. */
  dir: string;
  /** The temp home folder (default mount points are under home/Databricks). */
  home: string;
  /** The URL the router trusts (what the renderer's page would be). */
  pageUrl: string;
  /** Every engine process started so far (to kill one in a crash test). */
  engines: EngineProcess[];
  /** Invokes through the router like the renderer would; throws Error(message) on failure. */
  invoke<C extends InvokeChannel>(channel: C, ...request: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<ResponseOf<C>>;
  /** Resolves with the first push event `event` whose payload passes `match`; rejects after `timeoutMs`. */
  next<E extends PushEvent>(event: E, match?: (payload: PushEvents[E]) => boolean, timeoutMs?: number): Promise<PushEvents[E]>;
  /** Quits the controller, clears leftover mounts, removes the temp folder. */
  stop(): Promise<void>;
}

/** Options of `startAppController`. */
export interface AppFixtureOptions {
  secrets?: SecretStore;
  clock?: Clock;
  backoff?: RestartBackoff;
  /** Supervisor deadlines (short ones to test a hung engine). */
  timeouts?: Partial<SupervisorTimeouts>;
  /** Reuse this temp folder (a second "launch" of the app). */
  dir?: string;
  /** Run `controller.start()` (stale-mount cleanup, auto-mount) before returning; default true. */
  start?: boolean;
}

/** Builds the real controller on temp folders. */
export async function startAppController(options: AppFixtureOptions = {}): Promise<AppFixture> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'wsfs-app-')));
  const home = join(dir, 'home');
  await mkdir(home, { recursive: true });
  const pageUrl = pathToFileURL(join(dir, 'renderer', 'index.html')).href;
  const desktop = new RecordingDesktop();
  const secrets = options.secrets ?? new MemorySecretStore();
  const engines: EngineProcess[] = [];
  // Engines keep their write journals under the temp folder (a second launch on `dir` finds them).
  const spawn = childProcessEngineSpawner({ env: { ...process.env, XDG_STATE_HOME: join(dir, 'state') } });
  const controller = new AppController({
    settings: new ElectronSettingsStore({ cwd: join(dir, 'config') }),
    secrets,
    spawn: async (request) => {
      const engine = await spawn(request);
      engines.push(engine);
      return engine;
    },
    mounts: new SystemMountTable(),
    desktop,
    clock: options.clock ?? systemClock,
    tester: new HttpConnectionTester(home),
    homeDir: home,
    cacheRoot: join(dir, 'cache'),
    logDir: join(dir, 'logs'),
    setLaunchAtLogin: () => undefined,
    platform: process.platform,
    version: 'test',
    ...(options.backoff !== undefined && { backoff: options.backoff }),
    ...(options.timeouts !== undefined && { timeouts: options.timeouts }),
  });
  const router = new IpcRouter(controller, samePage(pageUrl));
  if (options.start !== false) await controller.start();
  return {
    controller,
    router,
    desktop,
    secrets,
    dir,
    home,
    pageUrl,
    engines,
    invoke: async (channel, ...request) => {
      const result = await router.invoke(channel, request[0], pageUrl);
      if (!result.ok) throw new Error(result.error.message);
      return result.value as never;
    },
    next: (event, match = () => true, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`no ${event} event within ${timeoutMs} ms`));
        }, timeoutMs);
        const off = controller.onEvent((name, payload) => {
          if ((name as PushEvent) !== event || !match(payload as PushEvents[typeof event])) return;
          clearTimeout(timer);
          off();
          resolve(payload as PushEvents[typeof event]);
        });
      }),
    stop: async () => {
      await controller.quit();
      for (const engine of engines) engine.kill('SIGKILL');
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The mount points in /proc/mounts now (a dead mount is still listed). */
export async function mountedPoints(): Promise<string[]> {
  return procMountPoints(await readFile('/proc/mounts', 'utf8'));
}

/** Lazily unmounts every mount point under `dir` (a safety net after failed tests). */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of await mountedPoints()) {
    if (point.startsWith(`${dir}/`)) await run('fusermount', ['-uz', point]).catch(() => undefined);
  }
}
