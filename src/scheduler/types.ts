import type { ResolvedSchedule } from "../tasks/definition.ts";

/** One periodic task as the scheduler sees it. */
export interface PeriodicSpec {
  /** The task name; also the schedule's name (one schedule per periodic task). */
  readonly name: string;
  readonly schedule: ResolvedSchedule;
}

/** Why a due time did not produce a run. */
export type SkipReason =
  /** The previous run was still queued or running and the task does not allow overlap. */
  | "overlap"
  /** Due times passed while paused, while the process stalled or across a clock jump (catch-up policy). */
  | "missed"
  /** A task with this run's id already exists: this due time was already fired. */
  | "duplicate"
  /** The control plane refused the run (it is shutting down, ...). */
  | "error";

export interface ScheduleFired {
  name: string;
  /** `${name}@${dueAt}`: a repeated fire of the same due time is deduplicated by this id. */
  taskId: string;
  dueAt: number;
  /** True for the single run the "once" catch-up policy makes for missed due times. */
  catchUp: boolean;
  at: number;
}

export interface ScheduleSkipped {
  name: string;
  reason: SkipReason;
  /** The (latest) due time skipped. */
  dueAt: number;
  /** How many due times this skip covers (missed runs are reported together, capped). */
  count: number;
  /** For "overlap": the run still going; for "duplicate" and "error": the run's id. */
  taskId?: string;
  error?: string;
  at: number;
}

/** A schedule's state for `cp.schedules()`, the dashboard and `fastworker list --list-periodic`. */
export type ScheduleInfo = (
  | { name: string; kind: "interval"; intervalMs: number }
  | { name: string; kind: "cron"; expression: string; timezone?: string }
) & {
  paused: boolean;
  /** Runs submitted so far. */
  runs: number;
  /** Due times that did not produce a run. */
  skipped: number;
  /** True once repeatCount runs were made: nothing more will run. */
  done: boolean;
  repeatCount?: number;
  /** Epoch ms: no run due after it. */
  repeatUntil?: number;
  /** When the last run was submitted (epoch ms). */
  lastRunAt?: number;
  lastTaskId?: string;
  /** The next (up to) 3 due times, epoch ms; computed as if resumed while paused. */
  nextRuns: number[];
};
