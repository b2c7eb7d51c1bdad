// The engine's one logger: levels error/warn/info/debug, quiet by default (warn and above),
// `debug` for one line per operation, cache hit/miss and remote request. Output goes to an
// injected sink (stderr for the CLI, `engine:log` events for the host). Every message and every
// field passes through redactSecrets first; this file does not decide what is worth logging.
import { LOG_LEVELS, redactSecrets, redactText, type EngineEvent, type LogLevel } from '../shared/engine-protocol';

/** One log line, already redacted. */
export interface LogRecord {
  level: LogLevel;
  /** Dotted component path, e.g. `remote` or `cache.index`; empty for the root logger. */
  scope: string;
  message: string;
  /** Structured context, already redacted. */
  fields?: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  time: number;
}

/** Where records go. Must not throw; a sink that does is ignored for that record. */
export type LogSink = (record: LogRecord) => void;

/** Options of the root logger. */
export interface LoggerOptions {
  sink: LogSink;
  /** Lowest level that is emitted; default `warn` (quiet). */
  level?: LogLevel;
  /** Clock for record times; default `Date.now`. */
  now?: () => number;
}

/** State shared by a root logger and all its children (so `setLevel` affects all of them). */
interface LoggerRoot {
  sink: LogSink;
  threshold: number;
  now: () => number;
}

/** The level for a CLI run: `debug` with `--debug`, otherwise the quiet default. */
export function levelFor(debug: boolean): LogLevel {
  return debug ? 'debug' : 'warn';
}

/** The engine's logger; create one root and hand children (`child('remote')`) to components. */
export class Logger {
  private readonly root: LoggerRoot;
  /** Dotted scope of this logger. */
  readonly scope: string;

  constructor(options: LoggerOptions);
  /** @internal used by `child`. */
  constructor(options: LoggerOptions, root: LoggerRoot, scope: string);
  constructor(options: LoggerOptions, root?: LoggerRoot, scope = '') {
    this.root = root ?? { sink: options.sink, threshold: severity(options.level ?? 'warn'), now: options.now ?? Date.now };
    this.scope = scope;
  }

  /** A logger whose records carry `scope` appended to this one's (`remote` → `remote.http`). */
  child(scope: string): Logger {
    const joined = this.scope === '' ? scope : `${this.scope}.${scope}`;
    return new Logger({ sink: this.root.sink }, this.root, joined);
  }

  /** Changes the level of this logger's whole tree (e.g. debug switched on by a mount command). */
  setLevel(level: LogLevel): void {
    this.root.threshold = severity(level);
  }

  /** The current level of the tree. */
  get level(): LogLevel {
    return LOG_LEVELS[this.root.threshold] ?? 'warn';
  }

  /** True if records of `level` are emitted; use it to skip building costly debug fields. */
  isEnabled(level: LogLevel): boolean {
    return severity(level) <= this.root.threshold;
  }

  /** Something failed and the user or a program will notice. */
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  /** Something degraded but the engine carries on. */
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  /** Lifecycle milestones (mounted, unmounted, cache cleared). */
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  /** Per operation, cache hit/miss and remote request lines (`--debug`). */
  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }

  /** Emits a record at `level` if enabled, after redaction. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (!this.isEnabled(level)) return;
    const record: LogRecord = { level, scope: this.scope, message: redactText(message), time: this.root.now() };
    if (fields !== undefined) record.fields = redactSecrets(fields) as Record<string, unknown>;
    try {
      this.root.sink(record);
    } catch {
      // A broken sink must not break the filesystem operation that logged.
    }
  }
}

/** A logger that drops everything (tests, components built without one). */
export function silentLogger(): Logger {
  return new Logger({ sink: () => undefined, level: 'error' });
}

/** `2026-01-02T03:04:05.678Z WARN  [remote] message {"k":1}` */
export function formatLogRecord(record: LogRecord, withTime = true): string {
  const parts: string[] = [];
  if (withTime) parts.push(new Date(record.time).toISOString());
  parts.push(record.level.toUpperCase().padEnd(5));
  if (record.scope !== '') parts.push(`[${record.scope}]`);
  parts.push(formatMessage(record));
  return parts.join(' ');
}

/** The message with its fields appended as JSON (without level, scope or time). */
function formatMessage(record: LogRecord): string {
  if (record.fields === undefined || Object.keys(record.fields).length === 0) return record.message;
  return `${record.message} ${JSON.stringify(record.fields)}`;
}

/** A sink writing one formatted line per record to `stream` (the CLI passes process.stderr). */
export function streamSink(stream: { write(chunk: string): unknown }): LogSink {
  return (record) => {
    stream.write(`${formatLogRecord(record)}\n`);
  };
}

/** A sink turning records into `engine:log` events for the host's protocol server. */
export function protocolSink(send: (event: EngineEvent) => void): LogSink {
  return (record) => {
    send({ kind: 'engine:log', level: record.level, scope: record.scope, message: formatMessage(record) });
  };
}

function severity(level: LogLevel): number {
  const index = LOG_LEVELS.indexOf(level);
  if (index < 0) throw new TypeError(`unknown log level ${JSON.stringify(level)}`);
  return index;
}
