// Turns the engine's connection settings into the SDK's `Config`, so that configuration and
// authentication follow the SDK's own resolution: host + token, `~/.databrickscfg` profiles,
// DATABRICKS_* variables and `auth_type=databricks-cli`. It validates hosts with a message that
// names the fix. It sends no request and never puts the token on a child's argv or environment
// (the token lives only in this process's memory, inside the Config).
import { Config, type AuthType } from '@databricks/sdk-experimental';
import { classifyConfigError, RemoteError } from './remote-error';

/** How the engine was told to reach the workspace. Every field is optional (SDK resolution). */
export interface RemoteSettings {
  /** Workspace URL, e.g. `https://<workspace>.cloud.databricks.com`; `http://` only for loopback emulators. */
  host?: string;
  /** Personal access token; held in memory only. */
  token?: string;
  /** Profile of the config file (default `DEFAULT`, or `DATABRICKS_CONFIG_PROFILE`). */
  profile?: string;
  /** Config file (default `~/.databrickscfg`, or `DATABRICKS_CONFIG_FILE`). */
  configFile?: string;
  /** Restricts authentication to one method; unset lets the SDK pick from what is configured. */
  authType?: 'pat' | 'databricks-cli';
  /** The Databricks CLI to run for `databricks-cli` auth (default `databricks` on PATH). */
  databricksCliPath?: string;
  /** Environment to read DATABRICKS_* variables from (default `process.env`; `{}` ignores it). */
  env?: Record<string, string | undefined>;
}

const HOST_HINT = 'expected https://<workspace>.cloud.databricks.com (or your Azure/GCP workspace URL)';

/**
 * Builds the SDK Config for `settings`. Throws RemoteError `invalid` for a malformed explicit
 * host; a host from a profile or the environment is checked by `resolveRemoteConfig`.
 */
export function createRemoteConfig(settings: RemoteSettings): Config {
  const options: ConstructorParameters<typeof Config>[0] = {};
  if (settings.host !== undefined && settings.host.trim() !== '') options.host = normalizeHost(settings.host);
  if (settings.token !== undefined && settings.token !== '') options.token = settings.token;
  if (settings.profile !== undefined && settings.profile !== '') options.profile = settings.profile;
  if (settings.configFile !== undefined && settings.configFile !== '') options.configFile = settings.configFile;
  if (settings.authType !== undefined) options.authType = settings.authType satisfies AuthType;
  if (settings.databricksCliPath !== undefined) options.databricksCliPath = settings.databricksCliPath;
  if (settings.env !== undefined) options.env = { ...settings.env } as NodeJS.ProcessEnv;
  return new Config(options);
}

/**
 * Resolves `config` (environment, config file, validation) and returns the workspace origin.
 * Rejects with RemoteError: `invalid` for a missing or malformed host or a missing profile,
 * `unauthenticated` for credential problems.
 */
export async function resolveRemoteConfig(config: Config): Promise<URL> {
  try {
    await config.ensureResolved();
  } catch (error) {
    const raw = config.host;
    if (raw !== undefined && error instanceof TypeError) throw malformedHost(raw, error.message);
    throw classifyConfigError(error);
  }
  if (config.host === undefined || config.host === '') {
    throw new RemoteError(
      'invalid',
      `no workspace host is configured: pass a host (${HOST_HINT}), a profile of ~/.databrickscfg, or set DATABRICKS_HOST`,
    );
  }
  return new URL(normalizeHost(config.host));
}

/**
 * Checks a workspace host and returns it as `scheme://host[:port]` (a path or query pasted from
 * the browser is dropped, a missing scheme becomes https). Throws RemoteError `invalid` naming
 * the host and the expected form.
 */
export function normalizeHost(raw: string): string {
  const trimmed = raw.trim();
  if (/\s/.test(trimmed)) throw malformedHost(raw, 'it contains white space');
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed);
  if (!hasScheme && /^[a-z][a-z0-9+.-]*:\/?[^/\d]/i.test(trimmed)) throw malformedHost(raw, 'the scheme must be followed by //');
  const withScheme = hasScheme ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw malformedHost(raw, 'it is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw malformedHost(raw, `the scheme ${url.protocol} is not https`);
  if (url.hostname === '' || !/^[a-z0-9.[\]:-]+$/i.test(url.hostname)) throw malformedHost(raw, 'it has no valid host name');
  if (url.username !== '' || url.password !== '') throw malformedHost(raw, 'it must not contain credentials');
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw malformedHost(raw, 'plain http would send the token unencrypted; only loopback emulators may use it');
  }
  return `${url.protocol}//${url.host}`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function malformedHost(raw: string, reason: string): RemoteError {
  return new RemoteError('invalid', `malformed workspace host "${raw}" (${reason}): ${HOST_HINT}`, { mayHaveApplied: false });
}
