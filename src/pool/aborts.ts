/**
 * Running jobs of one slot whose signal was aborted (cancel or timeout) and that have not
 * ended yet. Their outcome is already settled; they keep their place in the slot's load until
 * the Worker reports them ended, or the grace period passes and the slot terminates the Worker.
 */
import type { Clock, ClockTimer } from "../model/clock.ts";

export class Aborts {
  readonly #jobs = new Map<number, { budget: string; timer: ClockTimer }>();

  constructor(private readonly clock: Clock, private readonly graceMs: number, private readonly onExpired: (seq: number) => void) {}

  get size(): number {
    return this.#jobs.size;
  }

  begin(seq: number, budget: string): void {
    // Not keeping the process alive: the job's Worker is referenced while it has work; this timer need not be.
    const timer = this.clock.setTimeout(() => {
      if (this.#jobs.delete(seq)) this.onExpired(seq);
    }, this.graceMs);
    this.#jobs.set(seq, { budget, timer });
  }

  /** The aborted job ended in time; returns its budget, or undefined if `seq` was not being aborted. */
  end(seq: number): string | undefined {
    const job = this.#jobs.get(seq);
    if (job === undefined) return undefined;
    this.clock.clearTimeout(job.timer);
    this.#jobs.delete(seq);
    return job.budget;
  }

  clear(): void {
    for (const job of this.#jobs.values()) this.clock.clearTimeout(job.timer);
    this.#jobs.clear();
  }
}
