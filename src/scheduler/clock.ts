/**
 * Time as the scheduler sees it. Injected so unit tests drive a simulated clock (hours of
 * schedule in microseconds, no real waiting); the control plane passes systemClock.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock epoch milliseconds (cron and startAt are wall-clock concepts). */
  now(): number;
  /** Calls `fn` once after about `delayMs`. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    // The scheduler never keeps a process alive on its own: the control plane's sockets do.
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
