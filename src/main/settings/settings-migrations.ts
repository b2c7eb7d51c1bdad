// Upgrades of the settings file between layout versions, as pure functions on the parsed JSON,
// keyed for electron-store's (conf's) migration runner by `<settings version>.0.0`. Each migration
// must also accept a file that is already in its target layout (a fresh install runs them all).
// Strict validation happens after the last migration (settings.ts checks), not here.
import { DEFAULT_GENERAL_SETTINGS, mountFolderName } from '../../shared/settings';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * 1 -> 2. Version 1 (the first layout) kept the cache flat (`cacheEnabled`, `cacheLimitBytes`,
 * `cacheLocation`) and auth as `authKind` + `profile` on each workspace; version 2 groups the cache
 * under `cache` and makes auth a discriminated union (`auth: { kind, profile? }`).
 */
export function migrateToV2(settings: Json): Json {
  const out: Json = { ...settings };
  if (!isRecord(out['cache']) || 'cacheEnabled' in out || 'cacheLimitBytes' in out || 'cacheLocation' in out) {
    const base = isRecord(out['cache']) ? out['cache'] : DEFAULT_GENERAL_SETTINGS.cache;
    const cache: Json = {
      enabled: typeof out['cacheEnabled'] === 'boolean' ? out['cacheEnabled'] : base['enabled'],
      limitBytes: typeof out['cacheLimitBytes'] === 'number' ? out['cacheLimitBytes'] : base['limitBytes'],
    };
    const location = typeof out['cacheLocation'] === 'string' && out['cacheLocation'] !== '' ? out['cacheLocation'] : base['location'];
    if (location !== undefined) cache['location'] = location;
    out['cache'] = cache;
  }
  delete out['cacheEnabled'];
  delete out['cacheLimitBytes'];
  delete out['cacheLocation'];
  const workspaces = Array.isArray(out['workspaces']) ? out['workspaces'] : [];
  out['workspaces'] = workspaces.filter(isRecord).map((workspace) => {
    const next: Json = { ...workspace };
    if (!isRecord(next['auth'])) {
      const kind = next['authKind'];
      next['auth'] = kind === 'profile' ? { kind: 'profile', profile: next['profile'] } : kind === 'demo' ? { kind: 'demo' } : { kind: 'token' };
    }
    if (typeof next['name'] !== 'string' || next['name'].trim() === '') next['name'] = mountFolderName(String(next['host'] ?? ''));
    delete next['authKind'];
    delete next['profile'];
    return next;
  });
  out['version'] = 2;
  return out;
}

/** conf migrations: `<version>.0.0` -> a function of the parsed file. */
export const SETTINGS_MIGRATIONS: Readonly<Record<string, (settings: Json) => Json>> = {
  '2.0.0': migrateToV2,
};
