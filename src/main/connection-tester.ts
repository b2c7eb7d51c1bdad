// "Test connection": asks the workspace's current-user endpoint (`GET /api/2.0/preview/scim/v2/Me`)
// who the credentials belong to, and turns every failure into a ConnectionTest with a code, a
// message naming the problem and a fix. Reads a `~/.databrickscfg` profile's host and token when
// the workspace uses one. Never logs or returns the token.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionTest } from '../shared/ipc-contract';
import { hostProblem, normaliseHost } from '../shared/settings';

/** Checks credentials against a workspace. */
export interface ConnectionTester {
  /** With a token (token auth). */
  withToken(host: string, token: string): Promise<ConnectionTest>;
  /** With a `~/.databrickscfg` profile. */
  withProfile(profile: string): Promise<ConnectionTest>;
}

/** The real tester: HTTPS to the workspace (loopback HTTP for a local emulator). */
export class HttpConnectionTester implements ConnectionTester {
  constructor(
    private readonly homeDir: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async withToken(host: string, token: string): Promise<ConnectionTest> {
    const bad = hostProblem(host);
    if (bad !== null) return { ok: false, code: 'bad-host', message: `"${host}" is not a workspace URL.`, fix: `enter ${bad}` };
    const origin = normaliseHost(host);
    let response: Response;
    try {
      response = await fetch(`${origin}/api/2.0/preview/scim/v2/Me`, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      return { ok: false, code: 'unreachable', message: `Cannot reach ${origin} (${reason}).`, fix: 'check the URL and your network or VPN' };
    }
    const body = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // Not JSON: a proxy page or a non-Databricks server.
    }
    if (response.ok && typeof json['userName'] === 'string') {
      const result: ConnectionTest = { ok: true, userName: json['userName'], host: origin };
      if (typeof json['displayName'] === 'string') result.displayName = json['displayName'];
      return result;
    }
    const detail = typeof json['message'] === 'string' ? json['message'] : `HTTP ${response.status}`;
    if (response.status === 401 || (response.status === 403 && /invalid (access )?token|token.*(expired|revoked)/i.test(detail))) {
      return { ok: false, code: 'unauthenticated', message: `${origin} refused the token (${detail}).`, fix: 'create a new personal access token (User Settings > Developer) and paste it here' };
    }
    if (response.status === 403) return { ok: false, code: 'permission', message: `The token may not read the workspace (${detail}).`, fix: 'use a token with workspace access' };
    if (response.ok || response.status === 404) {
      return { ok: false, code: 'bad-host', message: `${origin} does not look like a Databricks workspace (${detail}).`, fix: 'copy the URL from your browser while signed in to the workspace' };
    }
    return { ok: false, code: 'unreachable', message: `${origin} answered ${response.status} (${detail}).`, fix: 'try again in a moment' };
  }

  async withProfile(profile: string): Promise<ConnectionTest> {
    const path = join(this.homeDir, '.databrickscfg');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      return { ok: false, code: 'bad-profile', message: `There is no ${path}.`, fix: 'run: databricks configure --profile ' + profile };
    }
    const section = iniSection(text, profile);
    if (section === undefined) return { ok: false, code: 'bad-profile', message: `${path} has no profile [${profile}].`, fix: `run: databricks auth login --profile ${profile}` };
    const host = section['host'];
    if (host === undefined) return { ok: false, code: 'bad-profile', message: `Profile [${profile}] has no host.`, fix: `add host = https://… to [${profile}] in ${path}` };
    const token = section['token'];
    if (token === undefined) {
      return { ok: false, code: 'not-testable', message: `Profile [${profile}] signs in through the Databricks CLI (${section['auth_type'] ?? 'OAuth'}); wsfs checks it when mounting.`, fix: `run: databricks auth login --profile ${profile} if the mount asks you to sign in` };
    }
    return this.withToken(host, token);
  }
}

/** The key/value pairs of `[name]` in an INI text, or undefined when there is no such section. */
export function iniSection(text: string, name: string): Record<string, string> | undefined {
  let inSection = false;
  let found: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      inSection = header[1]!.trim() === name;
      if (inSection) found ??= {};
      continue;
    }
    const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (inSection && pair !== null && found !== undefined) found[pair[1]!.toLowerCase()] = pair[2]!;
  }
  return found;
}
