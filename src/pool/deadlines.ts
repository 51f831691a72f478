/**
 * Hard-timeout bookkeeping for one slot. One timer per slot, not per job: only
 * the running job can time out, and a queued job cannot expire before
 * `now + its timeout`, so the next check is the earliest of those. Exact start
 * times come from shared memory, so the check lands on the real deadline.
 */
import type { Entry } from "./entry.ts";

/** A timer whose due time only ever moves earlier until it fires or is cleared. */
export class DeadlineTimer {
  readonly #onFire: () => void;
  #timer: Timer | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(onFire: () => void) {
    this.#onFire = onFire;
  }

  arm(at: number): void {
    if (at >= this.#at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = Number.POSITIVE_INFINITY;
      this.#onFire();
    }, Math.max(0, at - Date.now()));
    // A job with a deadline keeps its Worker referenced; the timer need not.
    this.#timer.unref();
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }
}

export interface DeadlineScan {
  /** The running job, if it has used up its timeout. */
  expired: { entry: Entry; startedAt: number; limitMs: number } | undefined;
  /** When to look again; +Infinity when no assigned job has a timeout. */
  nextCheckAt: number;
}

export function scanDeadlines(assigned: Iterable<Entry>, runningSeq: number, runningStartedAt: number, now: number): DeadlineScan {
  let nextCheckAt = Number.POSITIVE_INFINITY;
  for (const entry of assigned) {
    const limitMs = entry.job.timeoutMs;
    if (limitMs === undefined) continue;
    if (entry.seq !== runningSeq) {
      nextCheckAt = Math.min(nextCheckAt, now + limitMs);
      continue;
    }
    if (now - runningStartedAt >= limitMs) return { expired: { entry, startedAt: runningStartedAt, limitMs }, nextCheckAt };
    nextCheckAt = Math.min(nextCheckAt, runningStartedAt + limitMs);
  }
  return { expired: undefined, nextCheckAt };
}
