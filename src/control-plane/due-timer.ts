/**
 * One timer for the earliest due time in the table (scheduled tasks, retries after backoff):
 * when it fires, due tasks move to the ready queue and dispatch runs. Re-armed only when a
 * change brings the next due time earlier, so a burst of submits costs no timer churn.
 */
import type { TaskTable } from "./task-table.ts";

export class DueTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;

  constructor(private readonly table: TaskTable, private readonly afterPromote: () => void, private readonly now: () => number = Date.now) {}

  /** After any change that can move the next due time. */
  rearm(): void {
    const next = this.table.nextDueAt();
    if (next === undefined || next >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => {
      this.armedFor = Infinity;
      this.table.promoteDue();
      this.afterPromote();
    }, Math.max(0, next - this.now()));
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }
}
