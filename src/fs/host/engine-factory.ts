// The engine's real composition (ARCHITECTURE.md §2, host is a composition root): a remote
// client over the SDK with a short retry budget for the connection check, then for a mount its
// own client with the full budget, handed to the MountComposer (metadata cache + WorkspaceFs +
// FUSE mount session). EngineHost receives this through the EngineFactory seam.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir, mountIdOf } from '../cache/cache-location';
import type { Logger } from '../logger';
import { DatabricksRemote } from '../remote/databricks-remote';
import { createRemoteConfig, resolveRemoteConfig, type RemoteSettings } from '../remote/remote-config';
import { RetryPolicy } from '../remote/retry-policy';
import type { EngineConnection, EngineFactory, MountedEngine, MountPlan } from './engine-host';

/** Mounts a checked connection; the last piece wired (WorkspaceFs + FuseMountSession). */
export type MountComposer = (plan: MountPlan, places: { stateDir: string; cacheDir: string; tempDir: string }) => Promise<MountedEngine>;

/** The default engine state folder for a mount point (journal, staging); no secrets. */
function defaultStateDir(mountPoint: string): string {
  const base = process.env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state');
  return join(base, 'wsfs', mountIdOf(mountPoint));
}

/** The default content cache folder of a mount point in this process's environment. */
export function defaultCacheDirOf(mountPoint: string): string {
  return defaultCacheDir(mountIdOf(mountPoint), { platform: process.platform, home: homedir(), xdgCacheHome: process.env['XDG_CACHE_HOME'] });
}

/** The real factory of the engine process. */
export function realEngineFactory(compose: MountComposer): EngineFactory {
  const tempDir = join(tmpdir(), `wsfs-engine-${process.pid}`);
  return {
    async connect(settings: RemoteSettings, logger: Logger): Promise<EngineConnection> {
      const config = createRemoteConfig(settings);
      const origin = await resolveRemoteConfig(config);
      const remote = new DatabricksRemote({
        config,
        tempDir,
        // The connection check runs first; a dead host should fail within seconds, not a minute.
        retry: new RetryPolicy({ maxAttempts: 3, maxElapsedMs: 8_000, onRetry: (event) => logger.debug('retrying a request', { ...event }) }),
        idleTimeoutMs: 30_000,
        onExchange: (event) => logger.debug('request', { ...event }),
      });
      return { host: origin.origin, remote };
    },
    async mount(plan: MountPlan): Promise<MountedEngine> {
      const stateDir = defaultStateDir(plan.mountPoint);
      const cacheDir = plan.cacheDir ?? defaultCacheDirOf(plan.mountPoint);
      // The mount's own client, with the full retry budget (the check's is deliberately short).
      const config = createRemoteConfig(plan.settings);
      await resolveRemoteConfig(config);
      const log = plan.logger.child('remote');
      const remote = new DatabricksRemote({
        config,
        tempDir,
        retry: new RetryPolicy({ onRetry: (event) => log.debug('retrying a request', { ...event }) }),
        onExchange: (event) => log.debug('request', { ...event }),
      });
      const mounted = await compose({ ...plan, connection: { host: plan.connection.host, remote } }, { stateDir, cacheDir, tempDir });
      // A renewed token (after a needs-sign-in problem): the SDK's PAT auth reads config.token per request.
      return {
        ...mounted,
        setCredentials: (token) => {
          config.token = token;
          mounted.setCredentials(token);
        },
      };
    },
  };
}
