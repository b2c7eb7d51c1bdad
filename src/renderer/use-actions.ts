// Runs the window's invokes: remembers which ones are in flight (so their buttons show it) and
// turns a rejected invoke into a message the shell announces. Results that change the model go
// through the dispatcher; everything else arrives as push events anyway.
import { useCallback, useRef, useState } from 'react';
import { errorMessage } from './api';

/** A running-actions tracker. */
export interface Actions {
  /** True while the action named `key` runs. */
  running(key: string): boolean;
  /** Runs `task` as `key` (ignored if `key` is already running); a failure becomes `lastError`. */
  run(key: string, task: () => Promise<unknown>): Promise<boolean>;
  /** The last failure, for the alert region. */
  lastError: string | undefined;
  clearError(): void;
}

/** Tracks running actions and the last error. */
export function useActions(): Actions {
  // The ref is the truth (checked synchronously); the state only makes React redraw.
  const inFlight = useRef(new Set<string>());
  const [, setVersion] = useState(0);
  const [lastError, setLastError] = useState<string | undefined>(undefined);
  const run = useCallback(async (key: string, task: () => Promise<unknown>): Promise<boolean> => {
    if (inFlight.current.has(key)) return false;
    inFlight.current.add(key);
    setVersion((v) => v + 1);
    try {
      await task();
      setLastError(undefined);
      return true;
    } catch (error) {
      setLastError(errorMessage(error));
      return false;
    } finally {
      inFlight.current.delete(key);
      setVersion((v) => v + 1);
    }
  }, []);
  return {
    running: (key) => inFlight.current.has(key),
    run,
    lastError,
    clearError: () => setLastError(undefined),
  };
}
