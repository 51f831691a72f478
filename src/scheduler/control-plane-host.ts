/**
 * Wires a Scheduler to a control plane: runs are submitted through its `submit` like any
 * task, "active" and "exists" read its task table, and decisions become typed events.
 * Typed structurally so the scheduler does not depend on the ControlPlane class.
 */
import { fromWireError, type WireError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { TaskSpec } from "../protocol/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { systemClock, type Clock } from "../model/clock.ts";
import { Scheduler, type ScheduleResume, type SchedulerOptions } from "./scheduler.ts";
import type { PeriodicSpec, ScheduleFired, ScheduleSkipped } from "./types.ts";

export interface SchedulingControlPlane {
  readonly catalog: TaskCatalog;
  readonly log: Logger;
  readonly table: {
    /** The live tasks by id: only membership and the ids are read. */
    readonly live: { has(id: string): boolean; keys(): Iterable<string> };
    existing(id: string): string | undefined;
    readonly results: { entries(order: "newest" | "oldest"): IterableIterator<[string, unknown]> };
  };
  readonly events: {
    emit(name: "schedule.fired", payload: ScheduleFired): void;
    emit(name: "schedule.skipped", payload: ScheduleSkipped): void;
  };
  submit(specs: readonly TaskSpec[]): Promise<Array<{ id: string; error?: WireError }>>;
}

/** The periodic tasks of a catalog, in catalog order. */
export function periodicSpecs(catalog: TaskCatalog): PeriodicSpec[] {
  const specs: PeriodicSpec[] = [];
  for (const { definition } of catalog.entries()) {
    const schedule = definition.options.schedule;
    if (schedule !== undefined) specs.push({ name: definition.name, schedule });
  }
  return specs;
}

/** A scheduler for the control plane's periodic tasks (not started). */
export function createControlPlaneScheduler(
  cp: SchedulingControlPlane, options: Partial<SchedulerOptions> & { clock?: Clock } = {},
): Scheduler {
  const specs = periodicSpecs(cp.catalog);
  return new Scheduler(specs, {
    async submit({ name, taskId, args }) {
      const [reply] = await cp.submit([{ id: taskId, name, args: [...args] }]);
      if (reply?.error !== undefined) throw fromWireError(reply.error, taskId);
    },
    isActive: (taskId) => cp.table.live.has(taskId),
    exists: (taskId) => cp.table.existing(taskId) !== undefined,
    fired(event) {
      cp.log("debug", "periodic run submitted", { schedule: event.name, taskId: event.taskId, dueAt: event.dueAt, catchUp: event.catchUp });
      cp.events.emit("schedule.fired", event);
    },
    skipped(event) {
      // Overlaps and misses are expected under load or after a pause; refusals are not.
      cp.log(event.reason === "error" ? "warn" : "info", "periodic run skipped", { schedule: event.name, reason: event.reason, count: event.count, dueAt: event.dueAt, ...(event.taskId ? { taskId: event.taskId } : {}), ...(event.error ? { error: event.error } : {}) });
      cp.events.emit("schedule.skipped", event);
    },
  }, { ...options, clock: options.clock ?? systemClock, resume: options.resume ?? resumeFrom(cp, specs.map((s) => s.name)) });
}

/**
 * Where each schedule left off, read from the task ids (`name@dueAt`) the control plane still
 * knows after recovering its journal: live tasks and results within their TTL.
 */
function resumeFrom(cp: SchedulingControlPlane, names: readonly string[]): Map<string, ScheduleResume> {
  const wanted = new Set(names);
  const resume = new Map<string, ScheduleResume>();
  const see = (id: string) => {
    const at = id.lastIndexOf("@");
    if (at <= 0) return;
    const name = id.slice(0, at);
    const dueAt = Number(id.slice(at + 1));
    if (!wanted.has(name) || !Number.isInteger(dueAt)) return;
    const current = resume.get(name);
    resume.set(name, { lastDueAt: Math.max(current?.lastDueAt ?? 0, dueAt), runs: (current?.runs ?? 0) + 1 });
  };
  for (const id of cp.table.live.keys()) see(id);
  for (const [id] of cp.table.results.entries("oldest")) see(id);
  return resume;
}
