/**
 * The one way a test waits for something to become true: it checks `condition` every `intervalMs`
 * and resolves with its first ready value, so a test waits exactly as long as the system needs
 * instead of a guessed fixed sleep. Everything is bounded: after `timeoutMs` it rejects with a
 * WaitTimeoutError naming what was awaited, and a condition that hangs is cut off at the deadline.
 */

/** A value that means "not yet": anything else (including 0 and "") is the result. */
type NotYet = undefined | null | false;

export interface WaitForOptions {
  /** How long to keep checking before giving up; default 10 000 ms. */
  timeoutMs?: number;
  /** The pause between two checks; default 20 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout error ("the subworker to register"); a function to add the last state seen. */
  message?: string | (() => string);
}

export class WaitTimeoutError extends Error {
  readonly code = "E_WAIT_TIMEOUT";
  override name = "WaitTimeoutError";
}

const TIMED_OUT: unique symbol = Symbol("timed out");

/**
 * Resolves with the first value of `condition` that is not undefined, null or false. A condition
 * that throws (or rejects) fails the wait at once: an error is a finding, not a "not yet".
 */
export async function waitFor<T>(condition: () => T | NotYet | Promise<T | NotYet>, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, message = "the condition" } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await withinDeadline(condition, deadline);
    if (value !== TIMED_OUT && isReady(value)) return value;
    const left = deadline - performance.now();
    if (value === TIMED_OUT || left <= 0) {
      const what = typeof message === "function" ? message() : message;
      const hung = value === TIMED_OUT ? " (the last check was still running)" : "";
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${hung}`);
    }
    await Bun.sleep(Math.min(intervalMs, left)); // the polling interval itself
  }
}

function isReady<T>(value: T | NotYet): value is T {
  return value !== undefined && value !== null && value !== false;
}

/** One check, cut off at the deadline so a condition that never settles cannot hang the test. */
async function withinDeadline<T>(condition: () => T | Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined; // the type of the per-check bound, not a wait
  const cutOff = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - performance.now())); // the bound of this one check
  });
  try {
    return await Promise.race([Promise.resolve().then(condition), cutOff]);
  } finally {
    clearTimeout(timer);
  }
}
