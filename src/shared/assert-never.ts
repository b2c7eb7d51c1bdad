// The default branch of an exhaustive switch over a discriminated union: unreachable while the
// types hold, a TypeError naming what arrived when a value from outside (a message, a file) does not.

/** Throws for a `value` no case handled; `what` names the union (e.g. "problem", "tray action"). */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`unexpected ${what} ${JSON.stringify(value)}`);
}
