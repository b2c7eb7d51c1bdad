// A Clock whose time moves only when the test says so: `advance(ms)` fires every timer that falls
// due, in order. Lets tests check back-off and polling without sleeping. No assertions here.
import type { Clock, TimerHandle } from '../../src/main/clock';

interface Timer {
  at: number;
  callback: () => void;
  handle: TimerHandle;
}

/** A manually advanced clock. */
export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { timer: Symbol('timer') };
    this.timers.push({ at: this.time + ms, callback, handle });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }

  /** Delays of the pending timers from now, soonest first. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they add fire too if due). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let fired = 0; fired < 10_000; fired++) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }
}
