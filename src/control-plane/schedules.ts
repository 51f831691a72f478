import type { Clock } from "../model/clock.ts";
import { FastWorkerError } from "../errors.ts";
import { createControlPlaneScheduler, type ScheduleInfo, type Scheduler, type SchedulingControlPlane } from "../scheduler/index.ts";

/**
 * The control plane's periodic tasks: a scheduler created at start (so interval schedules count
 * from then, and every run goes through a submit that already accepts), and its controls.
 */
export class Schedules {
  private scheduler: Scheduler | undefined;

  start(host: SchedulingControlPlane, clock: Clock): void {
    this.scheduler = createControlPlaneScheduler(host, { clock });
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler?.stop();
  }

  /** Schedule, counters and next (up to 3) due times; none before start. */
  list(): ScheduleInfo[] {
    return this.scheduler?.list() ?? [];
  }

  /** Stops firing a periodic task until resume(); throws E_UNKNOWN_SCHEDULE for other names. */
  pause(name: string): ScheduleInfo {
    return this.running().pause(name);
  }

  /** Due times missed while paused follow the schedule's catchUp policy (never a burst). */
  resume(name: string): ScheduleInfo {
    return this.running().resume(name);
  }

  private running(): Scheduler {
    if (!this.scheduler) throw new FastWorkerError("E_UNKNOWN_SCHEDULE", "the control plane is not running: it has no schedules");
    return this.scheduler;
  }
}
