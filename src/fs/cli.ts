// The headless `wsfs` command: parses arguments and runs a subcommand. Today it has `emulator`
// (a local Databricks workspace for tests and the no-account demo); `mount`, `unmount` and
// `status` join it with the engine. It is a composition root: it may construct the emulator.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { validateFaultConfig, type FaultConfig } from '../emulator/fault-injector';
import { WorkspaceEmulator, type Feature } from '../emulator/workspace-emulator';
import { EXIT, EXIT_CODES_HELP, runMount, runStatus, runUnmount, TOKEN_ON_ARGV_MESSAGE, type MountCliOptions } from './host/cli-mount';

/** Runs the CLI with `argv` (as `process.argv`). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('wsfs')
    .description('Mount a Databricks workspace as a local folder.')
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride((error) => {
      process.exitCode = error.exitCode === 0 ? 0 : EXIT.usage;
      throw error;
    });

  program
    .command('emulator')
    .description('Serve a local Databricks workspace emulator on 127.0.0.1 (tests and the no-account demo).')
    .option('--port <n>', 'TCP port (0 picks a free one)', integer('--port', 0, 65535), 0)
    .addOption(new Option('--seed <name>', 'initial content of a new workspace').choices(['demo', 'empty']).default('empty'))
    .option('--data-dir <dir>', 'keep the workspace in this folder across restarts (default: memory only)')
    .option('--token <token>', 'the token clients must send (default: a random one, printed)')
    .option('--user <email>', 'the current user, owner of /Users/<email>')
    .option('--latency-ms <n>', 'latency added to every request', integer('--latency-ms', 0))
    .option('--jitter-ms <n>', 'up to this much extra random latency', integer('--jitter-ms', 0))
    .option('--bandwidth-mbps <n>', 'cap request and response bodies at this rate', positiveNumber('--bandwidth-mbps'))
    .option('--disable <features>', 'comma-separated endpoint families to switch off: workspace-files, rename', features)
    .option('--child-limit <n>', 'maximum children per folder (403 MAX_CHILD_NODE_SIZE_EXCEEDED past it)', integer('--child-limit', 1))
    .option('--include-size', 'include `size` in list/get-status (the real service omits it)')
    .option('--rename-overwrites', 'let workspace/rename replace an existing destination')
    .option('--direct-download-limit <bytes>', 'largest export?direct_download=true body', integer('--direct-download-limit', 1))
    .option('--faults <json|@file>', 'fault configuration (see docs/emulator.md)', faultConfig)
    .option('--fault-seed <n>', 'seed for jitter and fault probabilities (deterministic runs)', integer('--fault-seed', 0))
    .action(async (options: EmulatorCliOptions) => runEmulator(options));

  program
    .command('mount')
    .description('Mount a Databricks workspace folder on MOUNTPOINT (an empty folder). Returns once the mount is ready.')
    .argument('<mountpoint>', 'an empty local folder')
    .option('--host <url>', 'workspace URL, e.g. https://<workspace>.cloud.databricks.com (default: the profile or DATABRICKS_HOST)')
    .option('--profile <name>', 'a profile of ~/.databrickscfg (host and credentials)')
    .option('--remote-path <path>', 'workspace folder shown at the mount point (default: /Users/<you>)', workspacePath)
    .option('--cache-dir <dir>', 'where the content cache lives (default: ~/.cache/wsfs/<id>, ~/Library/Caches/wsfs/<id> on macOS)')
    .option('--cache-size <size>', 'content cache size limit, e.g. 500M, 5G, 1.5T (default 5G)', byteSize('--cache-size'))
    .option('--cache-min-free <size>', 'free disk space the cache always leaves, e.g. 512M, 0 (default 512M)', byteSize('--cache-min-free'))
    .option('--no-cache', 'do not keep copies of read files: every open reads from the workspace')
    .option('--background-uploads', 'close returns once the bytes are safe in the local write journal; uploads continue in the background (fsync still waits)')
    .option('--ttl <seconds>', 'how long listings are trusted before asking the workspace again', integer('--ttl', 0, 86_400), 10)
    .option('--foreground', 'stay in the foreground, logging to stderr; Ctrl+C unmounts')
    .option('--debug', 'log each operation, cache hits and misses, and remote requests')
    .option('--token-stdin', 'read the token from stdin (automatic when stdin is piped and no other source is set)')
    .option('--demo', 'mount a built-in demo workspace (no account needed)')
    .addHelpText(
      'after',
      `\nThe token comes from the profile, from DATABRICKS_TOKEN, or from stdin; never from the command line.\n${EXIT_CODES_HELP}`,
    )
    .action(async (mountPoint: string, options: MountCliOptions) => runMount(mountPoint, options));

  program
    .command('unmount')
    .description('Upload pending changes, then unmount MOUNTPOINT and stop its engine.')
    .argument('<mountpoint>', 'a folder mounted by wsfs')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (mountPoint: string) => runUnmount(mountPoint));

  program
    .command('status')
    .description('List the wsfs mounts of this user, with host, remote path and whether the engine is alive.')
    .action(async () => runStatus());

  if (argv[2] === 'mount' && argv.slice(3).some((arg) => /^--token(=|$)/.test(arg))) {
    process.stderr.write(`wsfs mount: ${TOKEN_ON_ARGV_MESSAGE}\n`);
    process.exitCode = EXIT.usage;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if ((error as { code?: unknown }).code === undefined || !String((error as { code: unknown }).code).startsWith('commander.')) throw error;
    if ((error as { exitCode?: number }).exitCode === 0) process.exitCode = 0;
  }
}

function workspacePath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError(`--remote-path takes a workspace path starting with /, got '${value}'.`);
  return value;
}

interface EmulatorCliOptions {
  port: number;
  seed: 'demo' | 'empty';
  dataDir?: string;
  token?: string;
  user?: string;
  latencyMs?: number;
  jitterMs?: number;
  bandwidthMbps?: number;
  disable?: Feature[];
  childLimit?: number;
  includeSize?: boolean;
  renameOverwrites?: boolean;
  directDownloadLimit?: number;
  faults?: FaultConfig;
  faultSeed?: number;
}

async function runEmulator(options: EmulatorCliOptions): Promise<void> {
  const faults: FaultConfig = { ...options.faults };
  if (options.latencyMs !== undefined) faults.latencyMs = options.latencyMs;
  if (options.jitterMs !== undefined) faults.jitterMs = options.jitterMs;
  if (options.bandwidthMbps !== undefined) faults.bandwidthMbps = options.bandwidthMbps;
  if (options.faultSeed !== undefined) faults.seed = options.faultSeed;
  let emulator: WorkspaceEmulator;
  try {
    emulator = await WorkspaceEmulator.start({
      port: options.port,
      seed: options.seed,
      ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
      ...(options.token !== undefined && { token: options.token }),
      ...(options.user !== undefined && { userName: options.user }),
      ...(options.childLimit !== undefined && { childLimit: options.childLimit }),
      ...(options.directDownloadLimit !== undefined && { limits: { directDownloadBytes: options.directDownloadLimit } }),
      disable: options.disable ?? [],
      includeSize: options.includeSize === true,
      renameOverwrites: options.renameOverwrites === true,
      faults,
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const hint =
      err.code === 'EADDRINUSE'
        ? `port ${options.port} is already in use; pick another with --port, or --port 0 for a free one`
        : err.message;
    process.stderr.write(`wsfs emulator: cannot start: ${hint}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`DATABRICKS_HOST=${emulator.host}\nDATABRICKS_TOKEN=${emulator.token}\n`);
  process.stderr.write(
    `wsfs emulator: serving a ${options.seed} workspace for ${emulator.userName}` +
      `${options.dataDir === undefined ? ' (in memory)' : ` (data in ${options.dataDir})`}; stop with Ctrl+C\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void emulator.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}, got '${value}'.`);
    }
    return parsed;
  };
}

/** A size such as `5G`, `500M`, `1.5GiB`, `4096` (bytes); K/M/G/T are powers of 1024. */
function byteSize(flag: string): (value: string) => number {
  return (value) => {
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
    const units = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;
    const bytes = match === null ? NaN : Math.floor(Number(match[1]) * units[match[2]!.toLowerCase() as keyof typeof units]);
    if (!Number.isSafeInteger(bytes)) throw new InvalidArgumentError(`${flag} takes a size such as 500M, 5G or 1.5T (K, M, G, T = 1024-based), got '${value}'.`);
    return bytes;
  };
}

function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`${flag} takes a number above 0, got '${value}'.`);
    return parsed;
  };
}

function features(value: string): Feature[] {
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (name !== 'workspace-files' && name !== 'rename') {
      throw new InvalidArgumentError(`unknown feature '${name}'; choose from workspace-files, rename.`);
    }
  }
  return names as Feature[];
}

function faultConfig(value: string): FaultConfig {
  try {
    const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
    return validateFaultConfig(JSON.parse(text));
  } catch (error) {
    throw new InvalidArgumentError(`--faults: ${(error as Error).message}`);
  }
}
