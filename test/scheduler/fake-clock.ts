import type { Clock, ClockTimer } from "../../src/scheduler/index.ts";

interface FakeTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A simulated wall clock: timers fire when the test moves time, in due order, each at its own
 * time, with pending promise callbacks run between them (as the event loop would). No real waiting.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Set<FakeTimer>();
  /** The most timers ever pending at once (the scheduler promises one). */
  maxPending = 0;

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  get pending(): number {
    return this.timers.size;
  }

  setTimeout(fn: () => void, delayMs: number): ClockTimer { // the Clock interface: a simulated timer, fired only by advanceTo()
    const timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.add(timer);
    this.maxPending = Math.max(this.maxPending, this.timers.size);
    return timer;
  }

  clearTimeout(timer: ClockTimer): void {
    this.timers.delete(timer as FakeTimer);
  }

  /** Moves time forward to `target`, firing every timer due on the way. */
  async advanceTo(target: number): Promise<void> {
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.timers) {
        if (timer.at <= target && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer;
      }
      if (next === undefined) break;
      this.timers.delete(next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = Math.max(this.t, target);
    await settle();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.t + ms);
  }

  /** The event loop was blocked for `ms`: time moves on, then every timer due meanwhile fires late. */
  async stall(ms: number): Promise<void> {
    this.t += ms;
    await this.advanceTo(this.t);
  }

  /**
   * A wall-clock step (NTP, a suspended VM, a manual change): the time changes at once, while
   * pending timers keep their remaining (monotonic) delays, as setTimeout's do.
   */
  jump(ms: number): void {
    this.t += ms;
    for (const timer of this.timers) timer.at += ms;
  }
}

/** Lets pending promise callbacks (submit acknowledgements) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}
