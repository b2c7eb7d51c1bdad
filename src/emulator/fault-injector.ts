// Fault injection for the emulator: latency with jitter, a bandwidth cap, error statuses (429 with
// Retry-After, 500/503 with or without transient wording, odd error shapes) and body faults (reset
// mid-body, truncated body, slow body, a body held after N bytes until released), globally or per
// endpoint, for every request or the next N, with a seeded random source so runs repeat. It only
// decides (and keeps the gate of held bodies); the server carries the plan out.
import { ApiError } from './api-error';

/** One fault. `error` statuses get the service's usual code and message unless given. */
export type Fault =
  | { kind: 'latency'; ms: number; jitterMs?: number }
  | { kind: 'bandwidth'; mbps: number }
  | {
      kind: 'error';
      status: number;
      errorCode?: string | number;
      message?: string;
      /** Sends `Retry-After: N` (429 defaults to 1). */
      retryAfterSeconds?: number;
      /** Uses wording the SDKs treat as transient ("Unexpected error"); default false. */
      transient?: boolean;
      /** The body's shape: the standard envelope, or one of the service's odd ones. */
      shape?: ErrorShape;
    }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'truncate'; keepBytes?: number }
  | { kind: 'slow-body'; bytesPerSecond: number }
  /** Sends `afterBytes` of the body, then waits until `releaseHeld()` (or the admin endpoint). */
  | { kind: 'hold'; afterBytes: number };

/** Error body shapes the service has been seen to send (reference §4). */
export type ErrorShape = 'standard' | 'numeric' | 'empty-code' | 'api12' | 'html' | 'plain' | 'details-without-metadata';

/** A fault and where it applies. */
export interface FaultRule {
  /** Endpoint key (`GET /api/2.0/workspace/list`), a prefix ending in `*`, or absent for all. */
  endpoint?: string;
  /** Chance per matching request, 0..1 (default 1), drawn from the seeded source. */
  probability?: number;
  /** Fires for the next N matching requests, then expires; absent for no limit. */
  count?: number;
  fault: Fault;
}

/** The whole fault configuration, as accepted by `POST /__emulator/faults` and `--faults`. */
export interface FaultConfig {
  /** Seed of the random source (jitter, probabilities). */
  seed?: number;
  /** Latency added to every request. */
  latencyMs?: number;
  /** Up to this much extra latency, uniformly drawn. */
  jitterMs?: number;
  /** Cap on request and response bodies, in megabits per second. */
  bandwidthMbps?: number;
  rules?: FaultRule[];
}

/** What to do with one request. */
export interface RequestPlan {
  latencyMs: number;
  /** Body throughput cap in bytes per second, or undefined for none. */
  bytesPerSecond?: number;
  error?: ApiError | { html: string; status: number } | { plain: string; status: number };
  body?: { kind: 'reset'; afterBytes?: number } | { kind: 'truncate'; keepBytes?: number } | HeldBody;
}

/** A body held after `afterBytes` until `released` settles: resolved to go on, `'reset'` to end with a TCP reset. */
export interface HeldBody {
  kind: 'hold';
  afterBytes: number;
  released: Promise<'continue' | 'reset'>;
  /** Called by the server once the first `afterBytes` left and it waits. */
  reached(): void;
  /** Called by the server when the body ended without waiting (it is no longer than `afterBytes`, or the client left): the hold is dropped. */
  passed(): void;
}

const DEFAULT_ERRORS: Record<number, { code: string; message: string; transientMessage: string }> = {
  429: {
    code: 'REQUEST_LIMIT_EXCEEDED',
    message: 'Too many requests. Please wait a moment and try again.',
    transientMessage: 'Too many requests. Please wait a moment and try again.',
  },
  500: {
    code: 'INTERNAL_ERROR',
    message: 'Internal error while processing the request.',
    transientMessage: 'Unexpected error while processing the request. Please try again.',
  },
  503: {
    code: 'TEMPORARILY_UNAVAILABLE',
    message: 'The service is temporarily unavailable.',
    transientMessage: 'The service is temporarily unavailable: Unexpected error. Please try again.',
  },
  504: {
    code: 'DEADLINE_EXCEEDED',
    message: 'The request did not complete in time.',
    transientMessage: 'Timed out after 60s: the request did not complete in time.',
  },
};

/** Holds the fault configuration and turns it into a plan per request. */
export class FaultInjector {
  private config: FaultConfig = {};
  private random: () => number = mulberry32(1);
  /** Bodies waiting at their hold point, and held bodies planned but not there yet. */
  private readonly holds = new Set<{ release: (how: 'continue' | 'reset') => void; waiting: boolean }>();

  constructor(initial: FaultConfig = {}) {
    this.set(initial);
  }

  /** Replaces the configuration (validated; throws TypeError with the offending field). */
  set(config: FaultConfig): void {
    this.config = validateFaultConfig(config);
    this.random = mulberry32(this.config.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  /** Adds one rule to the configuration, keeping the random source. */
  add(rule: FaultRule): void {
    const rules = [...(this.config.rules ?? []), rule];
    this.config = validateFaultConfig({ ...this.config, rules });
  }

  /** Removes every fault (bodies already held stay held until released). */
  clear(): void {
    this.set({});
  }

  /** How many bodies wait at their hold point now. */
  heldCount(): number {
    return [...this.holds].filter((hold) => hold.waiting).length;
  }

  /** Lets every held body (waiting or on its way to its hold point) go on, or end with a reset; returns how many. */
  releaseHeld(how: 'continue' | 'reset' = 'continue'): number {
    const holds = [...this.holds];
    this.holds.clear();
    for (const hold of holds) hold.release(how);
    return holds.length;
  }

  /** A copy of the current configuration (rules with their remaining counts). */
  current(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Decides the plan for one request to `endpoint`. Consumes counts of rules that fire. */
  plan(endpoint: string): RequestPlan {
    const { latencyMs = 0, jitterMs = 0, bandwidthMbps } = this.config;
    const plan: RequestPlan = { latencyMs: latencyMs + this.jitter(jitterMs) };
    if (bandwidthMbps !== undefined) plan.bytesPerSecond = mbpsToBytes(bandwidthMbps);
    for (const rule of this.config.rules ?? []) {
      if (!matches(rule.endpoint, endpoint)) continue;
      if (rule.count !== undefined && rule.count <= 0) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      if (!this.apply(rule.fault, plan)) continue;
      if (rule.count !== undefined) rule.count -= 1;
    }
    this.config.rules = this.config.rules?.filter((rule) => rule.count === undefined || rule.count > 0);
    return plan;
  }

  /** Folds a fault into the plan; false when an earlier fault of the same slot already won. */
  private apply(fault: Fault, plan: RequestPlan): boolean {
    switch (fault.kind) {
      case 'latency':
        plan.latencyMs += fault.ms + this.jitter(fault.jitterMs ?? 0);
        return true;
      case 'bandwidth': {
        const cap = mbpsToBytes(fault.mbps);
        plan.bytesPerSecond = Math.min(plan.bytesPerSecond ?? Infinity, cap);
        return true;
      }
      case 'slow-body':
        plan.bytesPerSecond = Math.min(plan.bytesPerSecond ?? Infinity, fault.bytesPerSecond);
        return true;
      case 'error':
        if (plan.error !== undefined) return false;
        plan.error = errorResponse(fault);
        return true;
      case 'reset':
      case 'truncate':
        if (plan.body !== undefined) return false;
        plan.body = fault;
        return true;
      case 'hold': {
        if (plan.body !== undefined) return false;
        const hold = { release: (_how: 'continue' | 'reset'): void => undefined, waiting: false };
        const released = new Promise<'continue' | 'reset'>((resolve) => (hold.release = resolve));
        this.holds.add(hold);
        plan.body = { kind: 'hold', afterBytes: fault.afterBytes, released, reached: () => (hold.waiting = true), passed: () => this.holds.delete(hold) };
        return true;
      }
    }
  }

  private jitter(maxMs: number): number {
    return maxMs > 0 ? Math.round(this.random() * maxMs) : 0;
  }
}

/** The response an `error` fault produces. */
export function errorResponse(fault: Extract<Fault, { kind: 'error' }>): NonNullable<RequestPlan['error']> {
  const defaults = DEFAULT_ERRORS[fault.status];
  const code = fault.errorCode ?? defaults?.code ?? 'BAD_REQUEST';
  const message = fault.message ?? (fault.transient ? defaults?.transientMessage : defaults?.message) ?? 'Injected error.';
  const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
  switch (fault.shape ?? 'standard') {
    case 'standard':
      return new ApiError(fault.status, { error_code: code, message }, headers);
    case 'numeric':
      return new ApiError(fault.status, { error_code: fault.status, message }, headers);
    case 'empty-code':
      return new ApiError(fault.status, { error_code: '', message }, headers);
    case 'details-without-metadata':
      return new ApiError(
        fault.status,
        { error_code: code, message, details: [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', request_id: 'injected' }] },
        headers,
      );
    case 'api12':
      return new ApiError(fault.status, { error: `${code}: ${message}` } as never, headers);
    case 'html':
      return { status: fault.status, html: `<html><body><h1>Error ${fault.status}</h1><pre>${code}: ${message}</pre></body></html>` };
    case 'plain':
      return { status: fault.status, plain: `${code}: ${message}` };
  }
}

function matches(pattern: string | undefined, endpoint: string): boolean {
  if (pattern === undefined || pattern === '*') return true;
  return pattern.endsWith('*') ? endpoint.startsWith(pattern.slice(0, -1)) : pattern === endpoint;
}

function mbpsToBytes(mbps: number): number {
  return (mbps * 1_000_000) / 8;
}

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fields each fault kind takes besides `kind`; anything else is a typo and refused. */
const FAULT_FIELDS: Record<Fault['kind'], readonly string[]> = {
  latency: ['ms', 'jitterMs'],
  bandwidth: ['mbps'],
  error: ['status', 'errorCode', 'message', 'retryAfterSeconds', 'transient', 'shape'],
  reset: ['afterBytes'],
  truncate: ['keepBytes'],
  'slow-body': ['bytesPerSecond'],
  hold: ['afterBytes'],
};
const FAULT_KINDS = new Set(Object.keys(FAULT_FIELDS));
const RULE_FIELDS = new Set(['endpoint', 'probability', 'count', 'fault']);
const SHAPES = new Set(['standard', 'numeric', 'empty-code', 'api12', 'html', 'plain', 'details-without-metadata']);

/** Validates an untrusted fault configuration; throws TypeError naming the bad field. */
export function validateFaultConfig(input: unknown): FaultConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('faults: expected a JSON object');
  const config = structuredClone(input) as Record<string, unknown>;
  const known = new Set(['seed', 'latencyMs', 'jitterMs', 'bandwidthMbps', 'rules']);
  for (const key of Object.keys(config)) if (!known.has(key)) throw new TypeError(`faults: unknown field "${key}"`);
  for (const key of ['seed', 'latencyMs', 'jitterMs', 'bandwidthMbps']) {
    const value = config[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new TypeError(`faults: "${key}" must be a non-negative number`);
    }
  }
  if (config.bandwidthMbps === 0) throw new TypeError('faults: "bandwidthMbps" must be greater than 0');
  if (config.rules !== undefined) {
    if (!Array.isArray(config.rules)) throw new TypeError('faults: "rules" must be an array');
    config.rules.forEach((rule, index) => validateRule(rule, `rules[${index}]`));
  }
  return config as FaultConfig;
}

function validateRule(rule: unknown, at: string): void {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) throw new TypeError(`faults: ${at} must be an object`);
  for (const key of Object.keys(rule)) if (!RULE_FIELDS.has(key)) throw new TypeError(`faults: unknown field "${at}.${key}"`);
  const { endpoint, probability, count, fault } = rule as Record<string, unknown>;
  if (endpoint !== undefined && typeof endpoint !== 'string') throw new TypeError(`faults: ${at}.endpoint must be a string`);
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw new TypeError(`faults: ${at}.probability must be between 0 and 1`);
  }
  if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0)) {
    throw new TypeError(`faults: ${at}.count must be a non-negative integer`);
  }
  if (fault === null || typeof fault !== 'object') throw new TypeError(`faults: ${at}.fault must be an object`);
  const f = fault as Record<string, unknown>;
  if (!FAULT_KINDS.has(f.kind as string)) throw new TypeError(`faults: ${at}.fault.kind must be one of ${[...FAULT_KINDS].join(', ')}`);
  const fields = FAULT_FIELDS[f.kind as Fault['kind']];
  for (const key of Object.keys(f)) {
    if (key !== 'kind' && !fields.includes(key)) throw new TypeError(`faults: unknown field "${at}.fault.${key}" for kind ${String(f.kind)}`);
  }
  const positive = (field: string, required: boolean): void => {
    const value = f[field];
    if (value === undefined && !required) return;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`faults: ${at}.fault.${field} must be a non-negative number`);
    }
  };
  switch (f.kind) {
    case 'latency':
      positive('ms', true);
      positive('jitterMs', false);
      break;
    case 'bandwidth':
      positive('mbps', true);
      if (f.mbps === 0) throw new TypeError(`faults: ${at}.fault.mbps must be greater than 0`);
      break;
    case 'slow-body':
      positive('bytesPerSecond', true);
      if (f.bytesPerSecond === 0) throw new TypeError(`faults: ${at}.fault.bytesPerSecond must be greater than 0`);
      break;
    case 'error':
      if (!Number.isInteger(f.status) || (f.status as number) < 400 || (f.status as number) > 599) {
        throw new TypeError(`faults: ${at}.fault.status must be an HTTP error status (400-599)`);
      }
      positive('retryAfterSeconds', false);
      if (f.shape !== undefined && !SHAPES.has(f.shape as string)) throw new TypeError(`faults: ${at}.fault.shape is not a known shape`);
      if (f.errorCode !== undefined && typeof f.errorCode !== 'string' && typeof f.errorCode !== 'number') {
        throw new TypeError(`faults: ${at}.fault.errorCode must be a string or a number`);
      }
      if (f.message !== undefined && typeof f.message !== 'string') throw new TypeError(`faults: ${at}.fault.message must be a string`);
      if (f.transient !== undefined && typeof f.transient !== 'boolean') throw new TypeError(`faults: ${at}.fault.transient must be a boolean`);
      break;
    case 'reset':
      positive('afterBytes', false);
      break;
    case 'truncate':
      positive('keepBytes', false);
      break;
    case 'hold':
      positive('afterBytes', true);
      break;
  }
}
