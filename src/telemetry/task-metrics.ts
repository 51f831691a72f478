/**
 * Task counters and histograms as plain numbers, updated from the task table's state hooks.
 * Per task event this is a Map lookup and a few increments: no allocation, nothing exported.
 * Readers (Prometheus text, OpenTelemetry observable instruments) copy the numbers when they
 * are scraped or collected, so their cost is per scrape, not per task.
 */
import type { ObservedTask } from "./control-plane-host.ts";
import type { Priority } from "../protocol/index.ts";
import { isTerminal, type TaskState } from "../model/task-state.ts";
import { PRIORITIES, priorityRank } from "../model/priority.ts";
import { stateBack, timeBack } from "../model/state-history.ts";

/** The counters of every (task, priority); the index is the counter's slot in TaskSeries. */
export const COUNTERS = ["submitted", "succeeded", "failed", "retried", "cancelled", "timed_out"] as const;
export type CounterName = (typeof COUNTERS)[number];

/** What each counter counts: the help text of both the Prometheus family and the OpenTelemetry instrument. */
export const COUNTER_HELP: Record<CounterName, string> = {
  submitted: "Tasks accepted by the control plane (manual retries and tasks recovered from the journal included).",
  succeeded: "Tasks that finished successfully.",
  failed: "Tasks that failed for good (retries exhausted, NonRetryable, timeouts, crashes).",
  retried: "Attempts that failed and were scheduled to run again.",
  cancelled: "Tasks cancelled before they finished.",
  timed_out: "Tasks that failed because their last attempt timed out (also counted as failed).",
};

const SUBMITTED = 0;
const SUCCEEDED = 1;
const FAILED = 2;
const RETRIED = 3;
const CANCELLED = 4;
const TIMED_OUT = 5;
const LEVELS = PRIORITIES.length;

/** Upper bounds in seconds: from 1 ms (trivial tasks) to 5 min (batch jobs). */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]);
export const QUEUE_WAIT_BUCKETS: readonly number[] = DURATION_BUCKETS;

/** One histogram's buckets (not cumulative; the last counts values above every bound), sum and count. */
export class HistogramData {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    // Prometheus buckets are inclusive upper bounds (le).
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export type HistogramKind = "duration" | "queueWait";
/** Called for each histogram observation when an OpenTelemetry meter listens (see otel-metrics.ts). */
export type ObservationListener = (kind: HistogramKind, series: TaskSeries, rank: number, seconds: number) => void;

/** Everything counted for one task name, one slot per priority (indexed by priority rank). */
export class TaskSeries {
  /** COUNTERS.length × 4: counter `c` of priority rank `r` is at `c * 4 + r`. */
  readonly counters = new Float64Array(COUNTERS.length * LEVELS);
  readonly running = new Float64Array(LEVELS);
  readonly duration: HistogramData[] = PRIORITIES.map(() => new HistogramData(DURATION_BUCKETS));
  readonly queueWait: HistogramData[] = PRIORITIES.map(() => new HistogramData(QUEUE_WAIT_BUCKETS));

  constructor(readonly name: string) {}

  counter(name: CounterName, priority: Priority): number {
    return this.counters[COUNTERS.indexOf(name) * LEVELS + priorityRank(priority)]!;
  }

  /** True once anything happened at this priority: readers skip untouched (task, priority) pairs. */
  used(rank: number): boolean {
    return this.counters[rank] !== 0 || this.running[rank] !== 0 || this.counters[RETRIED * LEVELS + rank] !== 0;
  }
}

export class TaskMetrics {
  readonly series = new Map<string, TaskSeries>();
  /** Set while an OpenTelemetry meter records histograms; one `undefined` check otherwise. */
  onObserve: ObservationListener | undefined;

  /** The series of a task name, created on its first event. */
  of(name: string): TaskSeries {
    let series = this.series.get(name);
    if (series === undefined) this.series.set(name, (series = new TaskSeries(name)));
    return series;
  }

  /** Counts one non-terminal state change (the task table's onState hook). */
  onState(entry: ObservedTask, from: TaskState): void {
    const state = entry.state;
    // Acceptance calls the hook with the state still "pending"; a manual retry revives a finished task.
    const accepted = state === "pending" || isTerminal(from);
    if (accepted) return this.add(entry, SUBMITTED);
    if (state === "running") {
      const rank = priorityRank(entry.priority);
      const series = this.of(entry.name);
      series.running[rank]!++;
      const history = entry.history;
      if (stateBack(history, 1) === "queued") this.observe("queueWait", series, rank, timeBack(history, 0)! - timeBack(history, 1)!);
      return;
    }
    if (from !== "running") return;
    // The attempt ended: with a retry to come, or lost with its worker (re-queued, not an attempt).
    const rank = priorityRank(entry.priority);
    const series = this.of(entry.name);
    series.running[rank]!--;
    if (state === "retrying") {
      series.counters[RETRIED * LEVELS + rank]!++;
      this.attemptEnded(entry, series, rank);
    }
  }

  /** Counts a task's end (the task table's onTerminal hook). */
  onTerminal(entry: ObservedTask): void {
    const rank = priorityRank(entry.priority);
    const series = this.of(entry.name);
    const wasRunning = stateBack(entry.history, 1) === "running";
    if (wasRunning) series.running[rank]!--;
    if (entry.state === "success") series.counters[SUCCEEDED * LEVELS + rank]!++;
    else if (entry.state === "cancelled") series.counters[CANCELLED * LEVELS + rank]!++;
    else {
      series.counters[FAILED * LEVELS + rank]!++;
      if (entry.error?.code === "E_TASK_TIMEOUT") series.counters[TIMED_OUT * LEVELS + rank]!++;
    }
    // A cancelled attempt did not finish: its run time would skew the durations.
    if (wasRunning && entry.state !== "cancelled") this.attemptEnded(entry, series, rank);
  }

  private add(entry: ObservedTask, counter: number): void {
    this.of(entry.name).counters[counter * LEVELS + priorityRank(entry.priority)]!++;
  }

  /** Run time of the attempt that just ended, from dispatch to its outcome reaching the control plane. */
  private attemptEnded(entry: ObservedTask, series: TaskSeries, rank: number): void {
    if (entry.startedAt === undefined) return;
    this.observe("duration", series, rank, timeBack(entry.history, 0)! - entry.startedAt);
  }

  private observe(kind: HistogramKind, series: TaskSeries, rank: number, ms: number): void {
    const seconds = Math.max(0, ms) / 1000;
    (kind === "duration" ? series.duration : series.queueWait)[rank]!.observe(seconds);
    this.onObserve?.(kind, series, rank, seconds);
  }
}
