/**
 * How a Worker's results travel to the pool: jobs that end back to back in one synchronous run
 * of the job loop send their results together, in one postMessage, instead of one each.
 *
 * Why: every message costs a wake-up and an event on the pool's thread, which is the
 * coordinator's; with trivial jobs that was the largest single cost of a burst (measured with
 * `bun bench/burst.ts cp`: one message per result against one per run of the loop).
 *
 * What it must not cost: latency, and results lost with a Worker. So a result is held only while
 * the loop goes straight on to another job that is known to be short, and everything held is
 * posted:
 * - when the loop stops (nothing more to start now, or a message from the pool is on its way);
 * - before a job of a task that is not known to be short starts: one that has not run in this
 *   Worker yet, one whose last run took FAST_JOB_MS or more, or an async one. A result never
 *   waits behind a long job, and a handler that blocks its Worker until the hard timeout kills
 *   it loses nothing held, unless that task had so far always been short;
 * - after MAX_HELD_MS or MAX_HELD_RESULTS, whichever comes first;
 * - when the Worker dies of an uncaught error (worker-entry.ts flushes before reporting).
 * A result held when its Worker is killed (the one case above: a task that was short until now
 * blocks) is lost with the Worker, and its job runs again, as for any Worker crash.
 */
import type { FromWorker, ResultMessage } from "./messages.ts";

/** A task whose last run in this Worker took less than this (ms) is short: results may wait for it. */
export const FAST_JOB_MS = 0.5;
/** The longest a result is held (ms). */
export const MAX_HELD_MS = 1;
/** Results per message at most. */
export const MAX_HELD_RESULTS = 64;

export class ResultBatch {
  #held: ResultMessage[] = [];
  #heldSince = 0;
  /** Task name → how long its last synchronous run took (ms); Infinity for async handlers. */
  readonly #lastRunMs = new Map<string, number>();

  constructor(private readonly post: (message: FromWorker) => void, private readonly now: () => number = () => performance.now()) {}

  /** Results waiting to be posted. */
  get held(): number {
    return this.#held.length;
  }

  /** Remembers how long a job of `name` ran: Infinity when its handler was async. */
  ran(name: string, ms: number): void {
    this.#lastRunMs.set(name, ms);
  }

  /**
   * A job ended. `more`: the job loop is running and may start another job right away, so the
   * result may wait for it; otherwise it is posted now (after anything held, keeping order).
   */
  add(result: ResultMessage, more: boolean): void {
    if (!more) {
      this.flush();
      this.post(result);
      return;
    }
    if (this.#held.length === 0) this.#heldSince = this.now();
    this.#held.push(result);
    if (this.#held.length >= MAX_HELD_RESULTS) this.flush();
  }

  /** A job of `name` is about to start: post what is held unless that job is known to be short. */
  beforeStart(name: string): void {
    if (this.#held.length === 0) return;
    const last = this.#lastRunMs.get(name);
    if (last === undefined || last >= FAST_JOB_MS || this.now() - this.#heldSince >= MAX_HELD_MS) this.flush();
  }

  /** Posts everything held: one result as itself, several as one `results` message. */
  flush(): void {
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    this.post(held.length === 1 ? held[0]! : { t: "results", list: held });
  }
}
