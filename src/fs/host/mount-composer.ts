// Wires a checked connection into a mount: remote health -> metadata cache + content cache ->
// WorkspaceFs (which takes over the write journal of an earlier run) -> FuseMountSession
// (ARCHITECTURE.md §2: host is a composition root). MountError reasons of the session become the
// host's error codes (mount-preflight.ts engineErrorFor), with the session's own message and fix.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentCache } from '../cache/content-cache';
import { MountError } from '../fuse/mount-checks';
import { FuseMountSession } from '../fuse/mount-session';
import { MetadataCache } from '../meta/metadata-cache';
import { WorkspaceFs } from '../workspace-fs';
import { RemoteHealth } from '../write/remote-health';
import type { MountedEngine, MountPlan } from './engine-host';
import { engineErrorFor } from './mount-preflight';

/** How long an unmount waits for prefetches already running before it closes the content cache. */
const PREFETCH_DRAIN_MS = 5_000;

/** The real MountComposer: builds the engine's pieces for `plan` and mounts them. */
export async function composeMount(plan: MountPlan, places: { stateDir: string; cacheDir: string; tempDir: string }): Promise<MountedEngine> {
  const logger = plan.logger;
  await mkdir(places.stateDir, { recursive: true, mode: 0o700 });
  // Every remote call reports to `health`; outages and refused sign-ins become one problem each.
  const late: { fs?: WorkspaceFs } = {};
  const health = new RemoteHealth({
    now: Date.now,
    onProblem: plan.onProblem,
    onRecovered: () => late.fs?.resumeUploads(),
  });
  const remote = health.observe(plan.connection.remote);
  const metadata = new MetadataCache({
    remote,
    root: plan.remotePath,
    now: Date.now,
    ttlMs: plan.ttlSeconds * 1000,
    onPrefetchError: (path, error) => logger.child('meta').debug('listing prefetch failed', { path, error }),
    logger: logger.child('meta'),
    offline: () => health.state.kind !== 'online',
  });
  const cache = new ContentCache({
    dir: places.cacheDir,
    transientDir: join(places.stateDir, 'transient'),
    workspace: plan.connection.host,
    enabled: plan.cacheEnabled,
    now: Date.now,
    logger: logger.child('cache'),
    onProblem: plan.onProblem,
    ...(plan.cacheLimitBytes !== undefined && { limitBytes: plan.cacheLimitBytes }),
    ...(plan.cacheMinFreeBytes !== undefined && { minFreeBytes: plan.cacheMinFreeBytes }),
  });
  await cache.prepare();
  const filesystem = new WorkspaceFs({
    remote,
    metadata,
    cache,
    stateDir: places.stateDir,
    logger: logger.child('fs'),
    now: Date.now,
    uid: process.getuid?.() ?? 0,
    gid: process.getgid?.() ?? 0,
    uploadMode: plan.uploadMode,
    health,
    onProblem: plan.onProblem,
    onTransfer: (progress) => plan.onTransfer({ kind: 'transfer:progress', ...progress }),
  });
  late.fs = filesystem;
  let session: FuseMountSession;
  try {
    // Before the mount serves anything, so a recovered file shows its saved bytes from the start.
    await filesystem.recover();
    session = await FuseMountSession.mount({
      mountPoint: plan.mountPoint,
      filesystem,
      logger: logger.child('fuse'),
      ttlSeconds: plan.ttlSeconds,
      fsname: `wsfs:${plan.connection.host.replace(/^https?:\/\//, '')}${plan.remotePath}`,
      debug: false,
    });
  } catch (error) {
    filesystem.stopBackground();
    await cache.close().catch(() => undefined);
    throw error instanceof MountError ? engineErrorFor(error) : error;
  }
  return {
    flushAll: () => filesystem.flushAll(),
    unmount: async () => {
      filesystem.stopBackground();
      await session.unmount();
      // Prefetches already running write into the cache: let them end (bounded) before it closes.
      await Promise.race([filesystem.prefetchIdle(), new Promise((resolve) => setTimeout(resolve, PREFETCH_DRAIN_MS).unref())]);
      await filesystem.saveTimes();
      await cache.close();
    },
    onUnmounted: (listener) => {
      session.on('unmounted', (event: { external: boolean }) => {
        if (!event.external) return;
        // The times are written before the listener (which may end the process); saveTimes is bounded itself.
        void filesystem.saveTimes().finally(listener);
      });
    },
    cacheUsage: () => cache.usage(),
    setCacheEnabled: (enabled) => cache.setEnabled(enabled),
    clearCache: () => cache.clear(),
    transfers: () => filesystem.transfers(),
    setCredentials: () => filesystem.credentialsChanged(),
  };
}
