// The engine logger: quiet by default, levels, debug on demand, scope prefixes, and redaction of
// every message and field before any sink sees it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger, formatLogRecord, levelFor, protocolSink, streamSink, type LogRecord } from '../../src/fs/logger';
import type { EngineEvent, LogLevel } from '../../src/shared/engine-protocol';

const PAT = `dapi${'0123456789abcdef'.repeat(2)}`;

function capture(level?: LogLevel): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const options = { sink: (r: LogRecord) => records.push(r), now: () => 0 };
  const logger = new Logger(level === undefined ? options : { ...options, level });
  return { logger, records };
}

function emitAll(logger: Logger): void {
  logger.error('e');
  logger.warn('w');
  logger.info('i');
  logger.debug('d');
}

describe('Logger', () => {
  it('is quiet by default: warn and above only', () => {
    const { logger, records } = capture();
    emitAll(logger);
    assert.deepEqual(records.map((r) => r.level), ['error', 'warn']);
    assert.equal(logger.level, 'warn');
    assert.equal(logger.isEnabled('debug'), false);
  });

  it('honours each level', () => {
    const expected = { error: ['error'], warn: ['error', 'warn'], info: ['error', 'warn', 'info'], debug: ['error', 'warn', 'info', 'debug'] } as const;
    for (const [level, levels] of Object.entries(expected)) {
      const { logger, records } = capture(level as keyof typeof expected);
      emitAll(logger);
      assert.deepEqual(records.map((r) => r.level), levels, level);
    }
  });

  it('debug (as --debug sets it) shows per-operation lines, also after setLevel on any child', () => {
    assert.equal(levelFor(true), 'debug');
    assert.equal(levelFor(false), 'warn');
    const { logger, records } = capture();
    const fuse = logger.child('fuse');
    fuse.debug('getattr /a');
    assert.equal(records.length, 0);
    fuse.setLevel('debug');
    fuse.debug('getattr /a', { ms: 3 });
    logger.child('cache').debug('hit', { path: '/a' });
    assert.deepEqual(records, [
      { level: 'debug', scope: 'fuse', message: 'getattr /a', fields: { ms: 3 }, time: 0 },
      { level: 'debug', scope: 'cache', message: 'hit', fields: { path: '/a' }, time: 0 },
    ]);
  });

  it('prefixes scopes and nests them', () => {
    const { logger, records } = capture('info');
    logger.info('root');
    logger.child('remote').info('r');
    logger.child('remote').child('http').warn('h');
    assert.deepEqual(records.map((r) => r.scope), ['', 'remote', 'remote.http']);
    assert.equal(formatLogRecord(records[2]!, false), 'WARN  [remote.http] h');
    assert.equal(formatLogRecord(records[0]!, false), 'INFO  root');
    assert.equal(formatLogRecord(records[0]!), '1970-01-01T00:00:00.000Z INFO  root');
  });

  it('redacts messages and fields before the sink sees them', () => {
    const { logger, records } = capture('debug');
    logger.child('remote').debug(`GET /api/2.0/workspace/list with ${PAT}`, {
      headers: { Authorization: `Bearer ${PAT}` },
      command: { kind: 'engine:set-credentials', id: 1, token: 'plain-secret' },
      error: new Error(`rejected Bearer ${PAT}`),
    });
    const text = JSON.stringify(records);
    assert.ok(!text.includes(PAT) && !text.includes('plain-secret'), text);
    assert.equal(records[0]!.message, 'GET /api/2.0/workspace/list with ***');
    assert.deepEqual(records[0]!.fields, {
      headers: { Authorization: '***' },
      command: { kind: 'engine:set-credentials', id: 1, token: '***' },
      error: { name: 'Error', message: 'rejected Bearer ***' },
    });
  });

  it('survives a throwing sink', () => {
    const logger = new Logger({ sink: () => { throw new Error('broken pipe'); } });
    assert.doesNotThrow(() => logger.error('x'));
  });

  it('writes lines to a stream and events to the protocol', () => {
    const chunks: string[] = [];
    const events: EngineEvent[] = [];
    const toStream = new Logger({ sink: streamSink({ write: (c: string) => chunks.push(c) }), now: () => 0 });
    toStream.child('fuse').warn('slow', { ms: 20000 });
    assert.deepEqual(chunks, ['1970-01-01T00:00:00.000Z WARN  [fuse] slow {"ms":20000}\n']);
    const toHost = new Logger({ sink: protocolSink((e) => events.push(e)), level: 'info' });
    toHost.child('cache').info(`cleared with token=${PAT}`, { files: 2 });
    assert.deepEqual(events, [{ kind: 'engine:log', level: 'info', scope: 'cache', message: 'cleared with token=*** {"files":2}' }]);
  });
});
