/**
 * The due times of one schedule, as a pure function of time: the scheduler asks for the next
 * one, the latest passed one, or how many passed, and never walks a long series of them.
 */
import type { Cron } from "croner";
import type { ResolvedSchedule } from "../tasks/definition.ts";
import { parseCron } from "../tasks/cron.ts";

export interface Timeline {
  /** First due time strictly after `t`, or undefined when the series has ended. */
  after(t: number): number | undefined;
  /** Latest due time at or before `t`, or undefined when there is none. */
  latestAtOrBefore(t: number): number | undefined;
  /** How many due times fall in [from, to], counting at most `cap`. */
  countBetween(from: number, to: number, cap: number): number;
}

/**
 * Every `intervalMs` on the grid through `anchor` (arithmetic, O(1)). With `bounded`, nothing
 * before the anchor (an explicit startAt); without, the grid runs both ways, so a wall clock
 * stepped back before the control plane's start still finds its next due time.
 */
export class IntervalTimeline implements Timeline {
  constructor(private readonly anchor: number, private readonly intervalMs: number, private readonly bounded: boolean) {}

  after(t: number): number {
    if (this.bounded && t < this.anchor) return this.anchor;
    return this.anchor + (Math.floor((t - this.anchor) / this.intervalMs) + 1) * this.intervalMs;
  }

  latestAtOrBefore(t: number): number | undefined {
    if (this.bounded && t < this.anchor) return undefined;
    return this.anchor + Math.floor((t - this.anchor) / this.intervalMs) * this.intervalMs;
  }

  countBetween(from: number, to: number, cap: number): number {
    if (to < from) return 0;
    const start = this.bounded ? Math.max(from, this.anchor) : from;
    const first = Math.ceil((start - this.anchor) / this.intervalMs);
    const last = Math.floor((to - this.anchor) / this.intervalMs);
    return Math.min(cap, Math.max(0, last - first + 1));
  }
}

/** The matches of a cron expression (whole seconds), none before `startAt`. */
export class CronTimeline implements Timeline {
  constructor(private readonly cron: Cron, private readonly startAt: number | undefined) {}

  after(t: number): number | undefined {
    // nextRun is exclusive, so "after startAt - 1" lets a match exactly at startAt through.
    const from = this.startAt === undefined ? t : Math.max(t, this.startAt - 1);
    return this.cron.nextRun(new Date(from))?.getTime();
  }

  latestAtOrBefore(t: number): number | undefined {
    // previousRuns includes a match earlier in the same second as the reference: t + 1 makes it inclusive of t.
    const latest = this.cron.previousRuns(1, new Date(t + 1))[0]?.getTime();
    return latest === undefined || (this.startAt !== undefined && latest < this.startAt) ? undefined : latest;
  }

  countBetween(from: number, to: number, cap: number): number {
    let count = 0;
    for (let due = this.after(from - 1); due !== undefined && due <= to && count < cap; due = this.after(due)) count++;
    return count;
  }
}

/** The timeline of `schedule`; an interval without startAt counts from `now` (first run one interval later). */
export function timelineFor(schedule: ResolvedSchedule, now: number): Timeline {
  if (schedule.kind === "interval") return new IntervalTimeline(schedule.startAt ?? now, schedule.intervalMs, schedule.startAt !== undefined);
  return new CronTimeline(parseCron(schedule.expression, schedule.timezone), schedule.startAt);
}
