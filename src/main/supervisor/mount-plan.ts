// Turns a workspace's settings and the general settings into the `engine:mount` command and the
// spawn request for its engine. Pure; the supervisor calls it at every (re)start so edited
// settings take effect at the next mount.
import type { MountCommand } from '../../shared/engine-protocol';
import type { CommandInput } from '../../shared/engine-connection';
import type { GeneralSettings, WorkspaceSettings } from '../../shared/settings';

/** Everything one mount needs. */
export interface MountPlan {
  workspace: WorkspaceSettings;
  /** The `engine:mount` command (without id). */
  mount: Extract<CommandInput, { kind: 'engine:mount' }>;
  /** Whether the engine must be started with `--demo`. */
  demo: boolean;
}

/** The plan for `workspace`; each workspace's cache lives in `<cache root>/<workspace id>`. */
export function mountPlan(workspace: WorkspaceSettings, general: GeneralSettings, defaultCacheRoot: string): MountPlan {
  const auth = workspace.auth;
  const mount: Omit<MountCommand, 'id'> = {
    kind: 'engine:mount',
    mountPoint: workspace.mountPoint,
    remotePath: workspace.remotePath,
    authType: auth.kind === 'token' ? 'pat' : 'auto',
    cacheDir: `${(general.cache.location ?? defaultCacheRoot).replace(/\/+$/, '')}/${workspace.id}`,
    cacheEnabled: general.cache.enabled,
    cacheLimitBytes: general.cache.limitBytes,
    ttlSeconds: general.metadataTtlSeconds,
    uploadMode: general.uploadMode,
    debug: false,
  };
  if (auth.kind !== 'demo') mount.host = workspace.host;
  if (auth.kind === 'profile') mount.profile = auth.profile;
  return { workspace, mount, demo: auth.kind === 'demo' };
}
