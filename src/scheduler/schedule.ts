/**
 * One periodic task's schedule state and its firing decisions, with time passed in: no timers,
 * no I/O, so every rule here is unit-testable with plain numbers.
 */
import type { ResolvedSchedule } from "../tasks/definition.ts";
import { timelineFor, type Timeline } from "./timeline.ts";
import type { PeriodicSpec, ScheduleInfo } from "./types.ts";

/** Missed due times are counted up to this many (a year-long jump over a per-second cron is not walked). */
export const MISSED_COUNT_CAP = 10_000;

/** What a tick decided for one schedule. */
export interface Decision {
  /** The due time to run now, if any. */
  fire?: { dueAt: number; catchUp: boolean };
  /** Due times that will never run, reported together. */
  missed?: { count: number; latestDueAt: number };
}

export class Schedule {
  readonly name: string;
  readonly spec: ResolvedSchedule;
  private readonly timeline: Timeline;
  /** The earliest due time not handled yet; undefined once the series (or repeatCount) ended. */
  private next: number | undefined;
  paused = false;
  runs = 0;
  skipped = 0;
  lastRunAt: number | undefined;
  lastTaskId: string | undefined;
  /** The latest time decide() saw: an earlier one means the wall clock stepped back. */
  private lastSeen: number;

  /**
   * After a restart, `resume` continues the series from its last due time: due times missed while
   * the control plane was down go through the catch-up policy (never a burst), and a run that
   * already happened is not fired again (its task id, name@dueAt, is known).
   */
  constructor(periodic: PeriodicSpec, now: number, resume?: { lastDueAt: number; runs: number }) {
    this.name = periodic.name;
    this.spec = periodic.schedule;
    const anchor = resume?.lastDueAt ?? now;
    this.timeline = timelineFor(periodic.schedule, anchor);
    this.next = this.timeline.after(anchor);
    this.lastSeen = now;
    if (resume) {
      this.runs = resume.runs;
      this.lastRunAt = resume.lastDueAt;
    }
  }

  /** True once repeatCount runs were made, or the next due time lies after repeatUntil. */
  get done(): boolean {
    if (this.spec.repeatCount !== undefined && this.runs >= this.spec.repeatCount) return true;
    const until = this.spec.repeatUntil;
    return until !== undefined && (this.next === undefined || this.next > until);
  }

  /** The due time the scheduler's timer should wake up for, if this schedule needs one. */
  wakeAt(): number | undefined {
    return this.paused || this.done ? undefined : this.next;
  }

  /**
   * Handles every due time up to `now`: at most one run (never a burst), the rest reported as
   * missed. A due time is on time when handled within `toleranceMs`; when none is, the "skip"
   * policy runs nothing and "once" runs the latest of them as a single catch-up run.
   */
  decide(now: number, toleranceMs: number): Decision | undefined {
    if (now < this.lastSeen) this.rewind(now);
    this.lastSeen = now;
    const next = this.next;
    if (this.paused || this.done || next === undefined || next > now) return undefined;
    // Due times after repeatUntil do not exist for this series: neither run nor missed.
    const horizon = this.spec.repeatUntil === undefined ? now : Math.min(now, this.spec.repeatUntil);
    const latest = this.timeline.latestAtOrBefore(horizon) ?? next;
    const passed = latest === next ? 1 : this.timeline.countBetween(next, horizon, MISSED_COUNT_CAP);
    this.next = this.timeline.after(now);
    const decision: Decision = {};
    if (now - latest <= toleranceMs) decision.fire = { dueAt: latest, catchUp: false };
    else if (this.spec.catchUp === "once") decision.fire = { dueAt: latest, catchUp: true };
    const missed = passed - (decision.fire ? 1 : 0);
    if (missed > 0) {
      const latestMissed = decision.fire ? this.timeline.latestAtOrBefore(latest - 1) ?? next : latest;
      decision.missed = { count: missed, latestDueAt: latestMissed };
    }
    return decision;
  }

  /** A run was handed to the control plane. */
  recordRun(taskId: string, at: number): void {
    this.runs++;
    this.lastRunAt = at;
    this.lastTaskId = taskId;
  }

  /** The control plane refused a recorded run: it does not count towards repeatCount. */
  unrecordRun(): void {
    this.runs = Math.max(0, this.runs - 1);
  }

  pause(): void {
    this.paused = true;
  }

  /** Due times that passed while paused are left in place, so the next tick applies the catch-up policy to them. */
  resume(): void {
    this.paused = false;
  }

  /** Up to `n` coming due times (as if resumed, when paused), within the runs repeatCount leaves. */
  upcoming(now: number, n: number): number[] {
    const left = this.spec.repeatCount === undefined ? n : Math.min(n, this.spec.repeatCount - this.runs);
    const out: number[] = [];
    let due = this.next !== undefined && this.next > now ? this.next : this.timeline.after(now);
    const until = this.spec.repeatUntil ?? Number.POSITIVE_INFINITY;
    while (due !== undefined && due <= until && out.length < left) {
      out.push(due);
      due = this.timeline.after(due);
    }
    return out;
  }

  info(now: number): ScheduleInfo {
    const spec = this.spec;
    const base = spec.kind === "interval"
      ? { name: this.name, kind: "interval" as const, intervalMs: spec.intervalMs }
      : { name: this.name, kind: "cron" as const, expression: spec.expression, ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}) };
    return {
      ...base,
      paused: this.paused,
      runs: this.runs,
      skipped: this.skipped,
      done: this.done,
      ...(spec.repeatCount !== undefined ? { repeatCount: spec.repeatCount } : {}),
      ...(spec.repeatUntil !== undefined ? { repeatUntil: spec.repeatUntil } : {}),
      ...(this.lastRunAt !== undefined ? { lastRunAt: this.lastRunAt } : {}),
      ...(this.lastTaskId !== undefined ? { lastTaskId: this.lastTaskId } : {}),
      nextRuns: this.upcoming(now, 3),
    };
  }

  /**
   * The wall clock moved backwards (NTP step, manual change): a next due time computed before the
   * jump may now be far away, so wait for the schedule's real next due time instead.
   */
  private rewind(now: number): void {
    if (this.next === undefined || this.next <= now) return;
    const fresh = this.timeline.after(now);
    if (fresh !== undefined && fresh < this.next) this.next = fresh;
  }
}
