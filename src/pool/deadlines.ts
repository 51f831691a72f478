/**
 * Hard-timeout bookkeeping for one slot. One timer per slot, not per job: only
 * running jobs can time out, and a queued job cannot expire before
 * `now + its timeout`, so the next check is the earliest of those. Exact start
 * times come from shared memory, so the check lands on the real deadline.
 */
import type { Clock, ClockTimer } from "../model/clock.ts";
import type { Entry } from "./entry.ts";

/** A timer whose due time only ever moves earlier until it fires or is cleared. */
export class DeadlineTimer {
  readonly #onFire: () => void;
  readonly #clock: Clock;
  #timer: ClockTimer | undefined;
  #at = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  arm(at: number): void {
    if (at >= this.#at) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#at = at;
    // Not keeping the process alive: a job with a deadline keeps its Worker referenced; the timer need not.
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#at = Number.POSITIVE_INFINITY;
      this.#onFire();
    }, Math.max(0, at - this.#clock.now()));
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Number.POSITIVE_INFINITY;
  }
}

export interface ExpiredJob {
  entry: Entry;
  startedAt: number;
  limitMs: number;
}

export interface DeadlineScan {
  /** Running jobs that have used up their timeout. */
  expired: ExpiredJob[];
  /** When to look again; +Infinity when no assigned job has a timeout. */
  nextCheckAt: number;
}

/** `running`: seq -> start time of the jobs running now (SharedJobState.running). */
export function scanDeadlines(assigned: Iterable<Entry>, running: ReadonlyMap<number, number>, now: number): DeadlineScan {
  let nextCheckAt = Number.POSITIVE_INFINITY;
  const expired: ExpiredJob[] = [];
  for (const entry of assigned) {
    const limitMs = entry.job.timeoutMs;
    if (limitMs === undefined) continue;
    const startedAt = running.get(entry.seq);
    if (startedAt === undefined) {
      nextCheckAt = Math.min(nextCheckAt, now + limitMs);
      continue;
    }
    if (now - startedAt >= limitMs) expired.push({ entry, startedAt, limitMs });
    else nextCheckAt = Math.min(nextCheckAt, startedAt + limitMs);
  }
  return { expired, nextCheckAt };
}
