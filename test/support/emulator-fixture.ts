// Test helpers around the in-process emulator: start one per test file, a WorkspaceClient from the
// official SDK pointed at it (hermetic: no environment, no config file, fast give-up on retries),
// and raw HTTP with the bearer token for the endpoints the SDK lacks.
import { WorkspaceClient } from '@databricks/sdk-experimental';
import { WorkspaceEmulator, type EmulatorOptions } from '../../src/emulator/workspace-emulator';

/** Notebook header lines, as the reference gives them (written out, not taken from src/shared). */
export const HEADERS = {
  PYTHON: '# Databricks notebook source',
  SQL: '-- Databricks notebook source',
  SCALA: '// Databricks notebook source',
  R: '# Databricks notebook source',
} as const;
/** The source extension of each notebook language. */
export const EXTENSIONS = { PYTHON: '.py', SQL: '.sql', SCALA: '.scala', R: '.r' } as const;
export const LANGUAGES = ['PYTHON', 'SQL', 'SCALA', 'R'] as const;

/** Starts an emulator; stop it in `after`. */
export function startEmulator(options: EmulatorOptions = {}): Promise<WorkspaceEmulator> {
  return WorkspaceEmulator.start(options);
}

/** An SDK client for the emulator that ignores the environment and gives up on retries after ~1 s. */
export function sdkClient(emulator: WorkspaceEmulator, token = emulator.token): WorkspaceClient {
  return new WorkspaceClient({
    host: emulator.host,
    token,
    authType: 'pat',
    env: {},
    retryTimeoutSeconds: 1,
  } as ConstructorParameters<typeof WorkspaceClient>[0]);
}

/** A raw HTTP request with the emulator's token (unless `token: null`). */
export async function api(
  emulator: WorkspaceEmulator,
  method: string,
  pathAndQuery: string,
  init: { body?: string | Buffer | Uint8Array; headers?: Record<string, string>; token?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? emulator.token : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return fetch(`${emulator.host}${pathAndQuery}`, { method, headers, body: init.body as Buffer | string | undefined });
}

/** POSTs a JSON body and returns status plus parsed body. */
export async function postJson(
  emulator: WorkspaceEmulator,
  path: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api(emulator, 'POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The demo user's home folder. */
export function home(emulator: WorkspaceEmulator): string {
  return `/Users/${emulator.userName}`;
}
