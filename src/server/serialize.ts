/**
 * Builds the JSON documents of the API from what the control-plane view copies out. Pure
 * functions of their inputs: no I/O and no references kept into the view's data.
 */
import type { ControlPlaneView } from "../control-plane/index.ts";
import type { JournalHealth } from "../store/index.ts";
import type { Priority, TaskRecord, WorkerInfo } from "../protocol/index.ts";
import { FASTWORKER_VERSION } from "../protocol/index.ts";
import { isTerminal } from "../model/task-state.ts";
import { PRIORITIES } from "../tasks/index.ts";
import type {
  CacheJson, JournalStatusJson, QueuesJson, RegisteredTasksJson, StatusJson, StatusWorkersJson, TaskDetailJson, TaskSummaryJson, WorkerJson, WorkersJson,
} from "./api-types.ts";

import { iso, isoOrNull, taskSummaryJson } from "./task-summary.ts";

export { previewOf, taskSummaryJson } from "./task-summary.ts";

export interface StatusContext {
  discoveryAddress: string | null;
  authRequired: boolean;
  /** Fixed for the control plane's life; read once because view.cache() walks every cached result. */
  cacheLimits: { maxSize: number; ttlMs: number };
}

export function statusJson(view: ControlPlaneView, context: StatusContext, now = Date.now()): StatusJson {
  const counts = view.counts();
  return {
    worker_id: view.id,
    id: view.id,
    running: view.running,
    base_address: view.address,
    discovery_address: context.discoveryAddress,
    started_at: iso(view.startedAt),
    uptime_seconds: Math.max(0, Math.floor((now - view.startedAt) / 1000)),
    version: FASTWORKER_VERSION,
    subworkers: { ...counts.subworkers },
    workers: { ...counts.workers, running: counts.running },
    tasks: { queued: counts.queuedTotal, running: counts.running, active: counts.running, scheduled: counts.scheduled, cached_results: counts.cached, live: counts.live },
    queues: { ...counts.queued },
    cache: { max_size: context.cacheLimits.maxSize, current_size: counts.cached, ttl_seconds: context.cacheLimits.ttlMs / 1000 },
    journal: journalJson(view.journal?.()),
    journal_backend: view.cluster.journal,
    role: view.cluster.role,
    epoch: view.cluster.epoch ?? null,
    auth_required: context.authRequired,
    timestamp: iso(now),
  };
}

/** The control plane's own pool first, then subworkers by id (stable rows in the GUI). */
/** The journal's health without its file path (status replies carry no server paths). */
function journalJson(health: JournalHealth | undefined): JournalStatusJson | null {
  if (health === undefined) return null;
  return {
    sync: health.sync, state: health.state, degraded_reason: health.degradedReason,
    degraded_since: health.degradedSince === null ? null : iso(health.degradedSince),
    pending_writes: health.pendingWrites, waiting_submissions: health.waitingSubmissions, commit_in_flight_ms: health.commitInFlightMs,
    commits: health.commits, commit_p50_ms: health.commitP50Ms, commit_p99_ms: health.commitP99Ms, commit_max_ms: health.commitMaxMs,
    errors: health.errors, last_error: health.lastError, quarantined_rows: health.quarantined,
  };
}

export function workersJson(view: ControlPlaneView): WorkerJson[] {
  const rank = (w: WorkerInfo) => (w.kind === "local" ? 0 : 1);
  return view.workers()
    .sort((a, b) => rank(a) - rank(b) || a.id.localeCompare(b.id))
    .map((w) => workerJson(view, w));
}

/**
 * /api/status's page of workers (query workersOffset / workersLimit, as the NNG `status` frame):
 * in the control plane's order, unsorted, so a page costs O(page) to serialize however many are registered.
 */
export function statusWorkersJson(view: ControlPlaneView, page: { workersOffset: number; workersLimit: number }): StatusWorkersJson {
  const all = view.workers();
  return {
    workersOffset: page.workersOffset, workersLimit: page.workersLimit, workersTotal: all.length,
    workerList: all.slice(page.workersOffset, page.workersOffset + page.workersLimit).map((w) => workerJson(view, w)),
  };
}

function workerJson(view: ControlPlaneView, w: WorkerInfo): WorkerJson {
  return ({
      id: w.id,
      kind: w.kind,
      is_control_plane: w.kind === "local",
      status: w.state,
      state: w.state,
      address: w.kind === "local" ? view.address : null,
      host: w.host ?? null,
      pid: w.pid ?? null,
      capacity: w.capacity,
      load: w.running,
      running: w.running,
      completed: w.completed,
      tasks: [...w.tasks],
      last_seen: iso(w.lastSeenAt),
      registered_at: w.kind === "local" ? null : iso(w.registeredAt),
    });
}

export function taskDetailJson(record: TaskRecord): TaskDetailJson {
  const summary = taskSummaryJson(record);
  return {
    ...summary,
    args: record.args ?? [],
    kwargs: record.kwargs ?? null,
    result: record.status === "success" ? (record.result ?? null) : null,
    error: record.error ? { code: record.error.code, message: record.error.message, stack: record.error.stack ?? null } : null,
    history: record.history.map((h) => ({ state: h.state, at: iso(h.at) })),
    cancellable: !isTerminal(record.status),
    retryable: record.status === "failure" || record.status === "cancelled",
    ...(record.progress !== undefined ? { progress: record.progress } : {}),
    ...(record.logs !== undefined ? { logs: record.logs.map((line) => ({ at: line.at, message: line.message })) } : {}),
  };
}

export function cacheJson(view: ControlPlaneView): CacheJson {
  const c = view.cache();
  return {
    max_size: c.maxSize,
    current_size: c.size,
    utilization_percent: c.maxSize > 0 ? Math.round((c.size / c.maxSize) * 10_000) / 100 : 0,
    ttl_seconds: c.ttlMs / 1000,
    by_status: { ...c.byStatus },
  };
}

export function queuesJson(view: ControlPlaneView, firstN = 10): QueuesJson {
  const raw = view.queues(firstN);
  const queues = {} as QueuesJson["queues"];
  let total = 0;
  for (const p of PRIORITIES as readonly Priority[]) {
    const q = raw[p];
    total += q.count;
    queues[p] = { count: q.count, tasks: q.tasks.map((t) => ({ id: t.id, name: t.name, submitted_at: iso(t.submittedAt) })) };
  }
  return { queues, total_queued: total };
}

export function registeredTasksJson(view: ControlPlaneView): RegisteredTasksJson {
  const tasks = view.registeredTasks().map((t) => ({
    name: t.name,
    module: t.module,
    export_name: t.exportName,
    priority: t.priority,
    retries: t.retries,
    timeoutMs: t.timeoutMs ?? null,
    description: t.description ?? null,
    doc: t.description ?? null,
  }));
  return { tasks, count: tasks.length };
}

/** The documents the event stream repeats every second, so the page's cards and panels stay current without polling. */
export function snapshotEvents(view: ControlPlaneView, context: StatusContext): { status: StatusJson; workers: WorkersJson; queues: QueuesJson } {
  const workers = workersJson(view);
  return { status: statusJson(view, context), workers: { workers, count: workers.length }, queues: queuesJson(view) };
}
