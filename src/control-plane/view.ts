import type { Priority, TaskRecord, TaskSpec, TaskState, WorkerInfo } from "../protocol/index.ts";
import type { ScheduleInfo } from "../scheduler/index.ts";
import { PRIORITIES } from "../tasks/index.ts";
import type { ControlPlane, SubmitReply } from "./control-plane.ts";
import type { ControlPlaneEvents, EventName } from "./events.ts";
import { toRecord } from "./task-entry.ts";

export interface TaskQuery {
  limit?: number;
  offset?: number;
  status?: TaskState;
  name?: string;
  /** Free text over task id and name. */
  q?: string;
  sort?: "newest" | "oldest";
}

export interface TaskPage {
  tasks: TaskRecord[];
  total: number;
  limit: number;
  offset: number;
}

export interface RegisteredTask {
  name: string;
  module: string;
  exportName: string;
  description?: string;
  priority: Priority;
  retries: number;
  timeoutMs?: number;
}

/**
 * What the HTTP server may see of the control plane: reads that copy out plain data, never
 * references into the dispatcher's structures, so the dashboard cannot stall or corrupt it.
 */
export interface ControlPlaneView {
  readonly id: string;
  readonly address: string;
  readonly startedAt: number;
  readonly running: boolean;
  counts(): { queued: Record<Priority, number>; scheduled: number; running: number; cached: number; live: number };
  workers(): WorkerInfo[];
  tasks(query: TaskQuery): TaskPage;
  task(id: string): TaskRecord | undefined;
  queues(firstN: number): Record<Priority, { count: number; tasks: Array<{ id: string; name: string; submittedAt: number }> }>;
  cache(): { size: number; maxSize: number; ttlMs: number; byStatus: Record<string, number> };
  registeredTasks(): RegisteredTask[];
  /** Periodic tasks with their counters and next due times (a fresh copy per call). */
  schedules(): ScheduleInfo[];
  on<K extends EventName>(name: K, listener: (payload: ControlPlaneEvents[K]) => void): () => void;
}

/** The commands the dashboard may issue; each goes through the same paths as NNG clients. */
export interface ControlPlaneCommands {
  submit(specs: readonly TaskSpec[]): Promise<SubmitReply[]>;
  cancel(id: string): ReturnType<ControlPlane["cancel"]>;
  retry(id: string): TaskRecord;
  /** Throw FastWorkerError E_UNKNOWN_SCHEDULE for a name that is not a periodic task. */
  pauseSchedule(name: string): ScheduleInfo;
  resumeSchedule(name: string): ScheduleInfo;
  /** Drops a finished task's record from the result cache (the dashboard's "clean"); false when none was held. */
  forget(id: string): boolean;
}

export function createView(cp: ControlPlane): ControlPlaneView {
  const table = cp.table;
  const newestPage = (limit: number, offset: number) => newestPageOf(table, limit, offset);
  return {
    id: cp.id,
    address: cp.address,
    startedAt: cp.startedAt,
    get running() {
      return cp.running;
    },
    counts() {
      // Sources know what they run: O(sources), not O(live tasks), for a per-second dashboard poll.
      const running = cp.workers().reduce((n, w) => n + w.running, 0);
      return { queued: table.ready.sizeByPriority(), scheduled: table.delayed.size, running, cached: table.results.size, live: table.live.size };
    },
    workers: () => cp.workers(),
    tasks(query) {
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
      const offset = Math.max(query.offset ?? 0, 0);
      const q = query.q?.toLowerCase();
      if (!query.status && !query.name && !q && query.sort !== "oldest") return newestPage(limit, offset);
      const matches = (r: { taskId: string; name: string; status: TaskState }) =>
        (!query.status || r.status === query.status) && (!query.name || r.name === query.name) &&
        (!q || r.taskId.toLowerCase().includes(q) || r.name.toLowerCase().includes(q));
      const all: TaskRecord[] = [];
      for (const entry of table.live.values()) {
        if (matches({ taskId: entry.id, name: entry.name, status: entry.state })) all.push(toRecord(entry));
      }
      for (const [, record] of table.results.entries("newest")) if (matches(record)) all.push(record);
      const at = (r: TaskRecord) => r.timings.submittedAt;
      all.sort(query.sort === "oldest" ? (a, b) => at(a) - at(b) : (a, b) => at(b) - at(a));
      return { tasks: all.slice(offset, offset + limit), total: all.length, limit, offset };
    },
    task: (id) => table.get(id),
    queues(firstN) {
      const sizes = table.ready.sizeByPriority();
      return Object.fromEntries(PRIORITIES.map((p) => [p, {
        count: sizes[p],
        tasks: table.ready.peek(p, firstN).map((e) => ({ id: e.id, name: e.name, submittedAt: e.submittedAt })),
      }])) as ReturnType<ControlPlaneView["queues"]>;
    },
    cache() {
      const byStatus: Record<string, number> = {};
      for (const [, record] of table.results.entries("newest")) byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
      return { size: table.results.size, maxSize: table.results.maxSize, ttlMs: table.results.ttlMs, byStatus };
    },
    registeredTasks: () => cp.catalog.entries().map((e) => ({
      name: e.definition.name, module: e.modulePath, exportName: e.exportName,
      ...(e.definition.options.description ? { description: e.definition.options.description } : {}),
      priority: e.definition.options.priority, retries: e.definition.options.retries,
      ...(e.definition.options.timeoutMs !== undefined ? { timeoutMs: e.definition.options.timeoutMs } : {}),
    })),
    schedules: () => cp.schedules(),
    on: (name, listener) => cp.on(name, listener),
  };
}

/** The unfiltered newest-first page without walking every cached result. */
function newestPageOf(table: ControlPlane["table"], limit: number, offset: number): TaskPage {
  const live = [...table.live.values()].sort((a, b) => b.submittedAt - a.submittedAt).map(toRecord);
  const tasks: TaskRecord[] = live.slice(offset, offset + limit);
  if (tasks.length < limit) {
    let skip = Math.max(0, offset - live.length);
    for (const [, record] of table.results.entries("newest")) {
      if (skip > 0) {
        skip--;
        continue;
      }
      tasks.push(record);
      if (tasks.length >= limit) break;
    }
  }
  return { tasks, total: table.live.size + table.results.size, limit, offset };
}

export function createCommands(cp: ControlPlane): ControlPlaneCommands {
  return {
    submit: (specs) => cp.submit(specs),
    cancel: (id) => cp.cancel(id),
    retry: (id) => cp.retry(id),
    pauseSchedule: (name) => cp.pauseSchedule(name),
    resumeSchedule: (name) => cp.resumeSchedule(name),
    forget: (id) => cp.table.results.delete(id),
  };
}
