/**
 * One timer for the earliest due time in the table (scheduled tasks, retries after backoff):
 * when it fires, due tasks move to the ready queue and dispatch runs. Re-armed only when a
 * change brings the next due time earlier, so a burst of submits costs no timer churn.
 */
import { systemClock, type Clock, type ClockTimer } from "../model/clock.ts";
import type { TaskTable } from "./task-table.ts";

export class DueTimer {
  private timer: ClockTimer | undefined;
  private armedFor = Infinity;

  constructor(private readonly table: TaskTable, private readonly afterPromote: () => void, private readonly clock: Clock = systemClock) {}

  /** After any change that can move the next due time. */
  rearm(): void {
    const next = this.table.nextDueAt();
    if (next === undefined || next >= this.armedFor) return;
    this.clear();
    this.armedFor = next;
    // Kept alive, as a plain setTimeout was: a control plane with only scheduled work must still run it.
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Infinity;
      this.table.promoteDue();
      this.afterPromote();
    }, Math.max(0, next - this.clock.now()), true);
  }

  stop(): void {
    this.clear();
    this.armedFor = Infinity;
  }

  private clear(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
