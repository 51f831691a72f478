/**
 * The jobs in one slot's Worker (running or queued there), by seq, with a count per priority rank
 * kept as they come and go. The dispatcher asks "does some Worker hold a prefetched job this one
 * outranks?" before every hand-over (WorkerPool.canOvertake); the counts answer it without a walk
 * over every prefetched job (up to the adaptive depth, 32) and without reading the Worker's
 * running pairs unless a lower-ranked job is there at all.
 */
import { PRIORITIES } from "../model/priority.ts";
import type { Entry } from "./entry.ts";

export class AssignedJobs extends Map<number, Entry> {
  /** Assigned jobs per rank (0 = critical ... 3 = low), running ones included. */
  readonly #byRank: number[] = PRIORITIES.map(() => 0);

  override set(seq: number, entry: Entry): this {
    const previous = super.get(seq);
    if (previous !== undefined) this.#byRank[previous.rank]!--;
    this.#byRank[entry.rank]!++;
    return super.set(seq, entry);
  }

  override delete(seq: number): boolean {
    const entry = super.get(seq);
    if (entry === undefined) return false;
    this.#byRank[entry.rank]!--;
    return super.delete(seq);
  }

  override clear(): void {
    this.#byRank.fill(0);
    super.clear();
  }

  /** The highest rank (lowest priority) among the assigned jobs, started or not; -1 if none. */
  highestRank(): number {
    for (let rank = this.#byRank.length - 1; rank >= 0; rank--) if (this.#byRank[rank]! > 0) return rank;
    return -1;
  }

  /**
   * The highest rank among the assigned jobs not started yet; -1 if none. `runningSeqs` are the
   * jobs the Worker has started (a few: its in-flight budget), so this costs O(running), not O(assigned).
   */
  highestWaitingRank(runningSeqs: readonly number[]): number {
    const waiting = this.#byRank.slice();
    for (const seq of runningSeqs) {
      const entry = super.get(seq);
      if (entry !== undefined) waiting[entry.rank]!--;
    }
    for (let rank = waiting.length - 1; rank >= 0; rank--) if (waiting[rank]! > 0) return rank;
    return -1;
  }
}
