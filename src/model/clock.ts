/**
 * Time as components read and wait on it, injected so tests drive time-based behaviour by
 * advancing a clock instead of sleeping: the pool (hard timeouts, abort grace, drain, respawn
 * backoff), the scheduler (due times) and the control plane (task timestamps, due timer,
 * subworker heartbeats). The one clock primitive; `systemClock` is real time.
 *
 * Pool Workers stamp job starts with their own Date.now(), and the journal stores epoch times,
 * so an injected clock must read the real time plus whatever a test has advanced it by (or a
 * fully simulated epoch where nothing outside the process reads it, as the scheduler's tests do).
 */
export type ClockTimer = unknown;

export interface Clock {
  /** Wall-clock epoch milliseconds. */
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
