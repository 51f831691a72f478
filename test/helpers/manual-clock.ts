import type { Clock, ClockTimer } from "../../src/pool/index.ts";

interface Pending {
  at: number;
  fn: () => void;
}

/**
 * A Clock that moves only when told: now() is the real time plus everything advance() added (pool
 * Workers stamp job starts with their own Date.now(), so the two must agree until a test jumps),
 * and timers fire from advance(), never by themselves.
 */
export class ManualClock implements Clock {
  #offset = 0;
  readonly #timers = new Set<Pending>();

  now(): number {
    return Date.now() + this.#offset;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer { // the Clock interface: a fake timer, fired only by advance()
    const timer: Pending = { at: this.now() + ms, fn };
    this.#timers.add(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.#timers.delete(timer as Pending);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Jumps `ms` ahead and fires every timer that is due by then, earliest first (including ones set while firing). */
  advance(ms: number): void {
    this.#offset += ms;
    for (;;) {
      const now = this.now();
      let next: Pending | undefined;
      for (const timer of this.#timers) if (timer.at <= now && (next === undefined || timer.at < next.at)) next = timer;
      if (next === undefined) return;
      this.#timers.delete(next);
      next.fn();
    }
  }
}
