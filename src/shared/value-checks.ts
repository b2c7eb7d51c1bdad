// Small composable run-time checks for values that cross a trust boundary (IPC arguments from the
// renderer, settings read back from disk). A check returns a fresh, typed value holding only the
// known fields, or throws a TypeError whose message starts with the path of the bad field
// (`workspace:add.host: expected a non-empty string`). Pure functions: no runtime imports, no I/O.

/** Parses `value` (found at `at`) into a T, or throws TypeError naming `at`. */
export type Check<T> = (value: unknown, at: string) => T;

/** The type a check produces. */
export type Checked<C> = C extends Check<infer T> ? T : never;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Throws the standard error for a value of the wrong shape. */
export function reject(at: string, expected: string, ...got: [unknown?]): never {
  throw new TypeError(got.length === 0 ? `${at}: expected ${expected}` : `${at}: expected ${expected}, got ${describe(got[0])}`);
}

/** Any string, at most `max` characters (default 4096). */
export const text =
  (max = 4096): Check<string> =>
  (value, at) => {
    if (typeof value !== 'string') return reject(at, 'a string', value);
    if (value.length > max) return reject(at, `at most ${max} characters`);
    return value;
  };

/** A string that is not blank after trimming (returned trimmed), at most `max` characters. */
export const nonBlank =
  (max = 4096): Check<string> =>
  (value, at) => {
    const v = text(max)(value, at).trim();
    if (v === '') return reject(at, 'a non-empty string');
    return v;
  };

/** A boolean. */
export const flag: Check<boolean> = (value, at) => (typeof value === 'boolean' ? value : reject(at, 'a boolean', value));

/** A safe integer in [min, max]. */
export const integer =
  (min = 0, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (value, at) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return reject(at, 'an integer', value);
    if (value < min || value > max) return reject(at, `an integer from ${min} to ${max}, got ${value}`);
    return value;
  };

/** One of the listed strings. */
export const literal =
  <T extends string>(...allowed: T[]): Check<T> =>
  (value, at) =>
    typeof value === 'string' && (allowed as string[]).includes(value) ? (value as T) : reject(at, `one of ${allowed.join(', ')}`, value);

/** An absolute local path (POSIX `/…` or Windows `C:\…`), without NUL bytes. */
export const absolutePath: Check<string> = (value, at) => {
  const v = nonBlank(4096)(value, at);
  if (v.includes('\0')) return reject(at, 'a path without NUL characters');
  if (!v.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(v)) return reject(at, `an absolute path, got ${JSON.stringify(v)}`);
  return v;
};

/** A plain object with exactly the checked fields (unknown fields are dropped; optional ones may be absent). */
export function object<S extends Record<string, Check<unknown>>, O extends Record<string, Check<unknown>> = Record<never, never>>(
  required: S,
  optional?: O,
): Check<{ [K in keyof S]: Checked<S[K]> } & { [K in keyof O]?: Checked<O[K]> }> {
  return (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject(at, 'an object', value);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(required)) out[key] = check(input[key], `${at}.${key}`);
    for (const [key, check] of Object.entries(optional ?? {})) {
      if (input[key] !== undefined) out[key] = check(input[key], `${at}.${key}`);
    }
    return out as { [K in keyof S]: Checked<S[K]> } & { [K in keyof O]?: Checked<O[K]> };
  };
}

/** A discriminated union on `kind`: picks the check for the value's `kind`. */
export function variant<M extends Record<string, Check<{ kind: string }>>>(byKind: M): Check<Checked<M[keyof M]>> {
  return (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject(at, 'an object', value);
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind !== 'string' || !Object.hasOwn(byKind, kind)) return reject(`${at}.kind`, `one of ${Object.keys(byKind).join(', ')}`, kind);
    return byKind[kind]!(value, at) as Checked<M[keyof M]>;
  };
}

/** An array of at most `max` items, each checked. */
export const list =
  <T>(item: Check<T>, max = 1000): Check<T[]> =>
  (value, at) => {
    if (!Array.isArray(value)) return reject(at, 'an array', value);
    if (value.length > max) return reject(at, `at most ${max} items`);
    return value.map((v, i) => item(v, `${at}[${i}]`));
  };

/** Accepts nothing but `undefined` (a channel without arguments). */
export const nothing: Check<void> = (value, at) => (value === undefined ? undefined : reject(at, 'no argument', value));

/** A check followed by an extra rule; `rule` returns an error text (without the path) or undefined. */
export const refine =
  <T>(check: Check<T>, rule: (value: T) => string | undefined): Check<T> =>
  (value, at) => {
    const v = check(value, at);
    const problem = rule(v);
    return problem === undefined ? v : reject(at, problem);
  };
