/**
 * Progress and log lines of the tasks a subworker holds, waiting for the next report. Bounded:
 * the latest progress per task, at most MAX_PENDING_LOGS lines (later ones are counted and
 * dropped until a report takes them), and a report for them alone at most every
 * ACTIVITY_INTERVAL_MS, so a chatty handler cannot turn the lease loop into a request per line.
 */
import type { JobRef } from "../pool/index.ts";
import type { TaskLogLine, TaskProgress } from "../tasks/index.ts";

const MAX_PENDING_LOGS = 500;
const ACTIVITY_INTERVAL_MS = 250;

export interface ActivityReport {
  progress: Array<{ id: string; attempt: number; progress: TaskProgress }>;
  logs: Array<{ id: string; attempt: number; at: number; message: string }>;
}

export class Activity {
  private readonly pendingProgress = new Map<string, { attempt: number; progress: TaskProgress }>();
  private pendingLogs: ActivityReport["logs"] = [];
  /** Log lines dropped because MAX_PENDING_LOGS were waiting (diagnostics). */
  dropped = 0;
  private lastTakenAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly isHeld: (id: string) => boolean, private readonly onDue: () => void) {}

  progress(job: JobRef, progress: TaskProgress): void {
    if (!this.isHeld(job.id)) return;
    this.pendingProgress.set(job.id, { attempt: job.attempt, progress });
    this.arrived();
  }

  log(job: JobRef, line: TaskLogLine): void {
    if (!this.isHeld(job.id)) return;
    if (this.pendingLogs.length >= MAX_PENDING_LOGS) {
      this.dropped++;
      return;
    }
    this.pendingLogs.push({ id: job.id, attempt: job.attempt, at: line.at, message: line.message });
    this.arrived();
  }

  /** Something is waiting and the last report that carried activity is long enough ago. */
  due(): boolean {
    return this.pending() && Date.now() - this.lastTakenAt >= ACTIVITY_INTERVAL_MS;
  }

  /** Hands what is waiting to a report (empty arrays when nothing is). */
  take(): ActivityReport {
    if (!this.pending()) return { progress: [], logs: [] };
    this.lastTakenAt = Date.now();
    // Not filtered by what is held now: a task that just finished still owes its last lines (the control plane drops stale attempts).
    const progress = [...this.pendingProgress].map(([id, p]) => ({ id, attempt: p.attempt, progress: p.progress }));
    const logs = this.pendingLogs;
    this.pendingProgress.clear();
    this.pendingLogs = [];
    return { progress, logs };
  }

  private pending(): boolean {
    return this.pendingProgress.size > 0 || this.pendingLogs.length > 0;
  }

  private arrived(): void {
    if (this.due()) {
      this.onDue();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending()) this.onDue();
    }, Math.max(0, this.lastTakenAt + ACTIVITY_INTERVAL_MS - Date.now()));
    this.timer.unref();
  }
}
