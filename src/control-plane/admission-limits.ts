import type { WireError } from "../errors.ts";
import type { TaskTable } from "./task-table.ts";

/**
 * How long a refused submitter is told to wait. Short on purpose: a full queue drains at the
 * pool's pace, and the Client backs off exponentially from here when the queue stays full.
 */
export const QUEUE_FULL_RETRY_AFTER_MS = 100;

/**
 * Admission control (--max-queued): the control plane holds at most `maxQueued` unfinished tasks
 * that are not running (queued, scheduled, retrying). Beyond it a submit refuses that task with
 * E_QUEUE_FULL, so a flood of submissions costs the submitter time instead of costing the
 * control plane unbounded memory. Counting is O(1): running tasks are tracked as they move
 * (there are at most as many as workers can hold), the rest is the live table minus them.
 */
export class AdmissionLimits {
  private readonly running = new Set<string>();
  /** Tasks accepted by a submit whose store write has not returned yet: counted, so two concurrent submits cannot both fill the last places. */
  private reserved = 0;

  constructor(private readonly table: TaskTable, readonly maxQueued: number) {
    table.listeners.state.add((entry, from) => {
      if (entry.state === "running") this.running.add(entry.id);
      else if (from === "running") this.running.delete(entry.id);
    });
    table.listeners.terminal.add((entry) => this.running.delete(entry.id));
  }

  /** Unfinished tasks not running, plus those being accepted right now. */
  get queued(): number {
    return this.table.live.size - this.running.size + this.reserved;
  }

  /** The refusal for one more task when `pending` others of the same submit were already let in, or undefined if it fits. */
  refuse(pending: number): WireError | undefined {
    if (this.queued + pending < this.maxQueued) return undefined;
    return {
      code: "E_QUEUE_FULL",
      message: `the control plane holds ${this.maxQueued} unfinished tasks (--max-queued): this task was not accepted; submit it again (same id) later`,
      retryAfterMs: QUEUE_FULL_RETRY_AFTER_MS,
    };
  }

  /** Holds places for tasks between the admission check and the table (the store's write is awaited in between). */
  async reserving<T>(count: number, write: () => T | Promise<T>): Promise<T> {
    this.reserved += count;
    try {
      return await write();
    } finally {
      this.reserved -= count;
    }
  }
}
