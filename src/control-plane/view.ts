import type { Priority, TaskRecord, TaskSpec, TaskState, WorkerInfo } from "../protocol/index.ts";
import type { ScheduleInfo } from "../scheduler/index.ts";
import type { JournalHealth } from "../store/index.ts";
import { PRIORITIES } from "../tasks/index.ts";
import type { ControlPlane, SubmitReply } from "./control-plane.ts";
import type { ClusterRole } from "./status-snapshot.ts";

/** What the dashboard's view and commands read and call on a control plane, by name. */
export type ViewHost = Pick<ControlPlane,
  "address" | "cancel" | "catalog" | "cluster" | "id" | "journal" | "on" | "pauseSchedule" | "resumeSchedule" | "retry" | "running" | "schedules" | "startedAt" | "submit" | "table" | "workers">;
import type { ControlPlaneEvents, EventName } from "./events.ts";
import { liveCounts, type LiveCounts } from "../model/live-counts.ts";
import { TERMINAL_STATES } from "../model/task-state.ts";
import { toRecord } from "./task-entry.ts";
import { taskIndexOf } from "./task-index.ts";

export interface TaskQuery {
  limit?: number;
  offset?: number;
  status?: TaskState;
  name?: string;
  /** Free text over task id and name; looks at the newest SEARCH_WINDOW candidates (task-index.ts). */
  q?: string;
  /** Like `q`, examines the newest SEARCH_WINDOW candidates. */
  priority?: Priority;
  sort?: "newest" | "oldest";
}

export interface TaskPage {
  tasks: TaskRecord[];
  total: number;
  limit: number;
  offset: number;
  /** A `q` or `priority` query left older candidates unexamined: `total` is then a lower bound. */
  truncated?: boolean;
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
  /** Role, lease epoch and journal backend (fixed for the control plane's life). */
  readonly cluster: ClusterRole;
  /** The live figures every status formats from (model/live-counts.ts). */
  counts(): LiveCounts;
  workers(): WorkerInfo[];
  tasks(query: TaskQuery): TaskPage;
  task(id: string): TaskRecord | undefined;
  queues(firstN: number): Record<Priority, { count: number; tasks: Array<{ id: string; name: string; submittedAt: number }> }>;
  cache(): { size: number; maxSize: number; ttlMs: number; byStatus: Record<string, number> };
  registeredTasks(): RegisteredTask[];
  /** Periodic tasks with their counters and next due times (a fresh copy per call). */
  schedules(): ScheduleInfo[];
  /** The journal's health (a fresh copy), undefined without one. */
  journal?(): JournalHealth | undefined;
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

export function createView(cp: ViewHost): ControlPlaneView {
  const table = cp.table;
  // Pages, filters and counts in bounded time however many tasks are held (task-index.ts).
  const index = taskIndexOf(table);
  return {
    id: cp.id,
    address: cp.address,
    startedAt: cp.startedAt,
    cluster: cp.cluster,
    get running() {
      return cp.running;
    },
    counts: () => liveCounts(table, cp.workers()),
    workers: () => cp.workers(),
    tasks(query) {
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 1000);
      const offset = Math.max(query.offset ?? 0, 0);
      // Expired results are already invisible; sweeping them (O(expired)) keeps the index's totals exact.
      table.results.sweep();
      const page = index.query({
        limit, offset, sort: query.sort ?? "newest",
        ...(query.status ? { status: query.status } : {}),
        ...(query.name ? { name: query.name } : {}),
        ...(query.q ? { q: query.q.toLowerCase() } : {}),
        ...(query.priority ? { priority: query.priority } : {}),
      });
      const tasks: TaskRecord[] = [];
      for (const node of page.tasks) {
        const entry = table.live.get(node.id) ?? table.results.peek(node.id);
        if (entry) tasks.push(toRecord(entry));
      }
      return { tasks, total: page.total, limit, offset, ...(page.truncated ? { truncated: true } : {}) };
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
      const counts = index.counts();
      const byStatus: Record<string, number> = {};
      for (const state of TERMINAL_STATES) if (counts[state] > 0) byStatus[state] = counts[state];
      return { size: table.results.size, maxSize: table.results.maxSize, ttlMs: table.results.ttlMs, byStatus };
    },
    registeredTasks: () => cp.catalog.entries().map((e) => ({
      name: e.definition.name, module: e.modulePath, exportName: e.exportName,
      ...(e.definition.options.description ? { description: e.definition.options.description } : {}),
      priority: e.definition.options.priority, retries: e.definition.options.retries,
      ...(e.definition.options.timeoutMs !== undefined ? { timeoutMs: e.definition.options.timeoutMs } : {}),
    })),
    schedules: () => cp.schedules(),
    journal: () => cp.journal,
    on: (name, listener) => cp.on(name, listener),
  };
}

export function createCommands(cp: ViewHost): ControlPlaneCommands {
  return {
    submit: (specs) => cp.submit(specs),
    cancel: (id) => cp.cancel(id),
    retry: (id) => cp.retry(id),
    pauseSchedule: (name) => cp.pauseSchedule(name),
    resumeSchedule: (name) => cp.resumeSchedule(name),
    forget: (id) => cp.table.results.delete(id),
  };
}
