import { Scheduler, type ScheduleFired, type SchedulerHost, type ScheduleSkipped } from "../../src/scheduler/index.ts";
import type { TaskOptions } from "../../src/tasks/index.ts";
import { resolveTaskOptions } from "../../src/tasks/validate-options.ts";
import { FakeClock } from "./fake-clock.ts";

/** A control plane stand-in: records what the scheduler submits; runs stay "active" only when asked. */
export class TestHost implements SchedulerHost {
  readonly fires: ScheduleFired[] = [];
  readonly skips: ScheduleSkipped[] = [];
  readonly submitted = new Set<string>();
  readonly active = new Set<string>();
  /** Runs stay active (queued/running) until the test finishes them. */
  keepActive = false;
  /** When set, submissions are refused with this message. */
  refuse: string | undefined;

  async submit(run: { taskId: string }): Promise<void> {
    if (this.refuse !== undefined) throw new Error(this.refuse);
    this.submitted.add(run.taskId);
    if (this.keepActive) this.active.add(run.taskId);
  }

  isActive(taskId: string): boolean {
    return this.active.has(taskId);
  }

  exists(taskId: string): boolean {
    return this.submitted.has(taskId);
  }

  fired(event: ScheduleFired): void {
    this.fires.push(event);
  }

  skipped(event: ScheduleSkipped): void {
    this.skips.push(event);
  }

  dueTimes(name?: string): number[] {
    return this.fires.filter((f) => name === undefined || f.name === name).map((f) => f.dueAt);
  }
}

export type PeriodicOptions = Omit<TaskOptions, "name">;

/** A started scheduler over the given periodic task options, on a simulated clock. */
export function harness(start: number, tasks: Record<string, PeriodicOptions>, lateToleranceMs?: number) {
  const clock = new FakeClock(start);
  const host = new TestHost();
  const specs = Object.entries(tasks).map(([name, options]) => {
    const schedule = resolveTaskOptions({ name, ...options }).schedule;
    if (schedule === undefined) throw new Error(`${name} is not periodic`);
    return { name, schedule };
  });
  const scheduler = new Scheduler(specs, host, { clock, ...(lateToleranceMs !== undefined ? { lateToleranceMs } : {}) });
  scheduler.start();
  return { clock, host, scheduler };
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
