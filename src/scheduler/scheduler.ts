/**
 * Fires periodic tasks: one timer for the earliest due time of all schedules, and on each tick
 * at most one run per schedule. Runs go through the host (the control plane's submit), each
 * with the id `${name}@${dueAt}`, so priorities, retries and results apply as to any task and a
 * repeated fire of one due time is refused as a duplicate. Only control planes schedule.
 */
import { FastWorkerError } from "../errors.ts";
import type { Clock, ClockTimer } from "../model/clock.ts";
import { Schedule } from "./schedule.ts";
import type { PeriodicSpec, ScheduleFired, ScheduleInfo, ScheduleSkipped } from "./types.ts";

/** What the scheduler needs from the control plane. */
export interface SchedulerHost {
  /** Submits one run; rejects (with a reason) when the control plane refuses it. */
  submit(run: { name: string; taskId: string; args: readonly unknown[] }): Promise<void>;
  /** True while the task is submitted and not terminal (queued, scheduled, running, retrying). */
  isActive(taskId: string): boolean;
  /** True when a task with this id exists (live or with a cached result). */
  exists(taskId: string): boolean;
  fired(event: ScheduleFired): void;
  skipped(event: ScheduleSkipped): void;
}

export interface SchedulerOptions {
  clock: Clock;
  /** A due time handled later than this counts as missed (catch-up policy). Default 5 000 ms. */
  lateToleranceMs?: number;
  /** The timer never sleeps longer than this, so a wall-clock jump is noticed soon. Default 60 000 ms. */
  maxSleepMs?: number;
  /** Where each schedule left off before a restart (from the journal): its last due time and run count. */
  resume?: ReadonlyMap<string, ScheduleResume>;
}

export interface ScheduleResume {
  lastDueAt: number;
  runs: number;
}

export const DEFAULT_LATE_TOLERANCE_MS = 5_000;
export const DEFAULT_MAX_SLEEP_MS = 60_000;

export class Scheduler {
  private readonly schedules = new Map<string, Schedule>();
  private readonly clock: Clock;
  private readonly toleranceMs: number;
  private readonly maxSleepMs: number;
  /** Runs handed to submit() whose acceptance is not known yet: they count as active. */
  private readonly submitting = new Set<string>();
  private timer: ClockTimer | undefined;
  private timerAt = Infinity;
  private running = false;

  constructor(specs: readonly PeriodicSpec[], private readonly host: SchedulerHost, options: SchedulerOptions) {
    this.clock = options.clock;
    this.toleranceMs = options.lateToleranceMs ?? DEFAULT_LATE_TOLERANCE_MS;
    this.maxSleepMs = options.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS;
    const now = this.clock.now();
    for (const spec of specs) this.schedules.set(spec.name, new Schedule(spec, now, options.resume?.get(spec.name)));
  }

  get size(): number {
    return this.schedules.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  list(): ScheduleInfo[] {
    const now = this.clock.now();
    return [...this.schedules.values()].map((s) => s.info(now));
  }

  pause(name: string): ScheduleInfo {
    const schedule = this.get(name);
    schedule.pause();
    this.arm();
    return schedule.info(this.clock.now());
  }

  /** Resumes; due times missed while paused are handled at once by the catch-up policy. */
  resume(name: string): ScheduleInfo {
    const schedule = this.get(name);
    schedule.resume();
    this.tick();
    return schedule.info(this.clock.now());
  }

  /** Handles everything due now, then sleeps until the next due time. */
  tick(): void {
    if (!this.running) return;
    const now = this.clock.now();
    for (const schedule of this.schedules.values()) {
      const decision = schedule.decide(now, this.toleranceMs);
      if (decision === undefined) continue;
      if (decision.missed) {
        this.skip(schedule, { name: schedule.name, reason: "missed", dueAt: decision.missed.latestDueAt, count: decision.missed.count, at: now });
      }
      if (decision.fire) this.fire(schedule, decision.fire.dueAt, decision.fire.catchUp, now);
    }
    this.arm();
  }

  private get(name: string): Schedule {
    const schedule = this.schedules.get(name);
    if (schedule === undefined) {
      const known = [...this.schedules.keys()];
      throw new FastWorkerError("E_UNKNOWN_SCHEDULE", `no periodic task named "${name}" (known: ${known.join(", ") || "none"})`);
    }
    return schedule;
  }

  private isActive(taskId: string): boolean {
    return this.submitting.has(taskId) || this.host.isActive(taskId);
  }

  private fire(schedule: Schedule, dueAt: number, catchUp: boolean, now: number): void {
    const name = schedule.name;
    const previous = schedule.lastTaskId;
    if (!schedule.spec.overlap && previous !== undefined && this.isActive(previous)) {
      this.skip(schedule, { name, reason: "overlap", dueAt, count: 1, taskId: previous, at: now });
      return;
    }
    const taskId = `${name}@${dueAt}`;
    if (this.submitting.has(taskId) || this.host.exists(taskId)) {
      this.skip(schedule, { name, reason: "duplicate", dueAt, count: 1, taskId, at: now });
      return;
    }
    // Recorded before submit resolves, so the next tick already sees this run as going (overlap)
    // and as counted (repeatCount).
    schedule.recordRun(taskId, now);
    this.submitting.add(taskId);
    this.host.submit({ name, taskId, args: schedule.spec.args }).then(
      () => {
        this.submitting.delete(taskId);
        this.host.fired({ name, taskId, dueAt, catchUp, at: now });
      },
      (error: unknown) => {
        this.submitting.delete(taskId);
        schedule.unrecordRun();
        const message = error instanceof Error ? error.message : String(error);
        this.skip(schedule, { name, reason: "error", dueAt, count: 1, taskId, error: message, at: this.clock.now() });
        // Not counting the run may have re-opened a schedule that repeatCount had closed.
        this.arm();
      },
    );
  }

  private skip(schedule: Schedule, event: ScheduleSkipped): void {
    schedule.skipped += event.count;
    this.host.skipped(event);
  }

  /** One timer, for the earliest due time of all schedules (capped so clock jumps are noticed). */
  private arm(): void {
    if (!this.running) return;
    let earliest = Infinity;
    for (const schedule of this.schedules.values()) {
      const at = schedule.wakeAt();
      if (at !== undefined && at < earliest) earliest = at;
    }
    if (this.timer !== undefined && earliest === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = earliest;
    if (earliest === Infinity) return;
    const delay = Math.min(Math.max(0, earliest - this.clock.now()), this.maxSleepMs);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, delay);
  }
}
