/**
 * The time the pool's main-thread side reads and waits on: hard timeouts, the abort grace, the
 * drain before close, respawn backoff. Injected (WorkerPoolOptions.clock) so tests drive that
 * behaviour by advancing a clock instead of sleeping. A minimal interface of its own because
 * no shared clock primitive exists below the pool's layer yet.
 *
 * Workers stamp job starts with their own Date.now() (shared-state.ts), so an injected clock
 * must read the real time plus whatever a test has advanced it by, never an unrelated epoch.
 */
export type ClockTimer = unknown;

export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`. The timer never keeps the process alive by itself unless `keepAlive`. */
  setTimeout(fn: () => void, ms: number, keepAlive?: boolean): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms, keepAlive = false) {
    const timer = setTimeout(fn, ms);
    if (!keepAlive) timer.unref();
    return timer;
  },
  clearTimeout(timer) {
    clearTimeout(timer as Timer);
  },
};
