// A stand-in for the Databricks CLI in tests of `auth_type = databricks-cli`: a shell script that
// answers `version` and `auth token …` with a fixed access token and appends each call's arguments
// to a log, so a test sees how it was called. It does not log in or refresh anything.
import { chmod, writeFile } from 'node:fs/promises';

/** Writes the fake CLI to `file` (mode 0755): `auth token` prints `token` (valid for an hour), every call's argv goes to `log`. */
export async function writeFakeDatabricksCli(file: string, token: string, log: string): Promise<void> {
  const expiry = new Date(Date.now() + 3_600_000).toISOString();
  await writeFile(
    file,
    [
      '#!/bin/sh',
      `echo "$@" >> '${log}'`,
      'case "$1" in',
      '  version) echo "Databricks CLI v0.250.0" ;;',
      `  auth) echo '{"access_token": "${token}", "token_type": "Bearer", "expiry": "${expiry}"}' ;;`,
      '  *) exit 2 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(file, 0o755);
}
