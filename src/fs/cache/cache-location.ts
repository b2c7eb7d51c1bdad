// Where a mount's content cache lives by default: the platform's cache folder
// (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS) + `wsfs/<mount id>`.
// Pure path arithmetic over injected environment values; it creates nothing.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** The id of a mount point in default folder names (cache, state, runtime record): 16 hex digits of its sha256. */
export function mountIdOf(mountPoint: string): string {
  return createHash('sha256').update(mountPoint).digest('hex').slice(0, 16);
}

/** The default cache folder of the mount `mountId` on `platform`. */
export function defaultCacheDir(mountId: string, env: { platform: NodeJS.Platform; home: string; xdgCacheHome?: string | undefined }): string {
  if (env.platform === 'darwin') return join(env.home, 'Library', 'Caches', 'wsfs', mountId);
  const base = env.xdgCacheHome !== undefined && env.xdgCacheHome.startsWith('/') ? env.xdgCacheHome : join(env.home, '.cache');
  return join(base, 'wsfs', mountId);
}
