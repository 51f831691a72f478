/**
 * The dashboard's JSON contract: what every /api endpoint returns. The GUI imports these types
 * (type-only), so the server and the page cannot drift apart silently. Field names follow the
 * original FastWorker dashboard (snake_case, ISO 8601 `*_at` times), extended.
 */
// Imported from the leaf modules (not the index files), so the GUI's type check does not pull in the whole control plane.
import type { ControlPlaneEvents } from "../control-plane/events.ts";
import type { Priority, TaskState, WorkerInfo } from "../protocol/frames.ts";

export type { ControlPlaneEvents, EventName } from "../control-plane/events.ts";
export type { Priority, TaskState } from "../protocol/frames.ts";

/** Every error response: `{ error: { code, message } }` with a matching HTTP status. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface StatusJson {
  /** The control plane's id (`worker_id` is the original's name for it). */
  worker_id: string;
  id: string;
  running: boolean;
  base_address: string;
  discovery_address: string | null;
  started_at: string;
  uptime_seconds: number;
  version: string;
  subworkers: { total: number; active: number; inactive: number };
  /** Every capacity source, the control plane's own pool included. */
  workers: { total: number; active: number; capacity: number; running: number };
  tasks: {
    queued: number;
    running: number;
    /** The original's name for `running`. */
    active: number;
    scheduled: number;
    cached_results: number;
    /** Tasks not yet finished, in any state. */
    live: number;
  };
  queues: Record<Priority, number>;
  cache: { max_size: number; current_size: number; ttl_seconds: number };
  /** The durable journal (null when the control plane keeps everything in memory). */
  journal: JournalStatusJson | null;
  /** Where the journal lives: "memory" (none), "sqlite" or "postgres". */
  journal_backend: "memory" | "sqlite" | "postgres";
  /** "single", or "leader" of active/standby control planes on one PostgreSQL journal (a standby serves no dashboard). */
  role: "single" | "leader";
  /** The leader lease's epoch while "leader", else null. */
  epoch: number | null;
  auth_required: boolean;
  timestamp: string;
}

/** The journal's health. `degraded`: writes fail, new submissions get E_JOURNAL, the writer retries by itself. */
export interface JournalStatusJson {
  sync: "full" | "normal";
  state: "ok" | "degraded";
  degraded_reason: string | null;
  degraded_since: string | null;
  pending_writes: number;
  waiting_submissions: number;
  /** How long the commit under way has been running (a slow or frozen disk shows here). */
  commit_in_flight_ms: number | null;
  commits: number;
  commit_p50_ms: number | null;
  commit_p99_ms: number | null;
  commit_max_ms: number | null;
  errors: { commit: number; compact: number; close: number };
  last_error: string | null;
  quarantined_rows: number;
}

export interface WorkerJson {
  id: string;
  kind: WorkerInfo["kind"];
  is_control_plane: boolean;
  /** active, inactive or draining (`state` repeats it under the original's name `status`). */
  status: WorkerInfo["state"];
  state: WorkerInfo["state"];
  address: string | null;
  host: string | null;
  pid: number | null;
  capacity: number;
  /** Tasks running there now. */
  load: number;
  running: number;
  completed: number;
  tasks: string[];
  last_seen: string;
  registered_at: string | null;
}

/** What /api/status adds to StatusJson: one page of the workers (query workersOffset, workersLimit). */
export interface StatusWorkersJson {
  workersOffset: number;
  workersLimit: number;
  /** Every worker listed, across pages. */
  workersTotal: number;
  workerList: WorkerJson[];
}

export interface WorkersJson {
  workers: WorkerJson[];
  count: number;
}

/** One row of the task list: small, with previews instead of full values. */
export interface TaskSummaryJson {
  task_id: string;
  name: string;
  status: TaskState;
  priority: Priority;
  attempts: number;
  worker_id: string | null;
  submitted_at: string;
  due_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  /** When the result entered the cache: the finish time. */
  cached_at: string | null;
  duration_ms: number | null;
  /** At most 100 characters of the JSON result. */
  result: string | null;
  error: string | null;
  error_code: string | null;
}

export interface TaskListJson {
  tasks: TaskSummaryJson[];
  total: number;
  limit: number;
  offset: number;
  /** True when a free-text (`q`) or `priority` query examined only the newest 10 000 candidates and older ones exist: `total` is then a lower bound. */
  truncated?: boolean;
}

export interface TaskDetailJson extends Omit<TaskSummaryJson, "result" | "error"> {
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  /** The full result (success only). */
  result: unknown;
  error: { code: string; message: string; stack: string | null } | null;
  history: Array<{ state: TaskState; at: string }>;
  cancellable: boolean;
  retryable: boolean;
  /** The handler's last this.progress() value (a number is a percentage 0..100), when it reported any. */
  progress?: number | Record<string, unknown>;
  /** The handler's this.log() lines (`at` epoch ms), oldest first, the last 100, when it wrote any. */
  logs?: Array<{ at: number; message: string }>;
}

export interface CacheJson {
  max_size: number;
  current_size: number;
  utilization_percent: number;
  ttl_seconds: number;
  by_status: Record<string, number>;
}

export interface QueuesJson {
  queues: Record<Priority, { count: number; tasks: Array<{ id: string; name: string; submitted_at: string }> }>;
  total_queued: number;
}

export interface RegisteredTaskJson {
  name: string;
  module: string;
  export_name: string;
  priority: Priority;
  retries: number;
  timeoutMs: number | null;
  description: string | null;
  /** The original's name for `description`. */
  doc: string | null;
}

export interface RegisteredTasksJson {
  tasks: RegisteredTaskJson[];
  count: number;
}

export interface SubmitJson {
  task_id: string;
  status: TaskState;
}

export interface CancelJson {
  task_id: string;
  cancelled: true;
  status: TaskState;
}

export interface RetryJson {
  task_id: string;
  retrying: true;
  status: TaskState;
}

/** POST /api/tasks/retry-failed: how many failed tasks went back to the queue, and why others did not. */
export interface RetryFailedJson {
  retried: number;
  /** Failed tasks that could not be retried (e.g. their task is no longer registered); the first few are listed. */
  skipped: number;
  errors: Array<{ task_id: string; code: string; message: string }>;
}

/** POST /api/tasks/clean: how many finished tasks were removed from the result cache. */
export interface CleanJson {
  removed: number;
}

/** A periodic task's schedule and counters (`interval_ms` or `cron` is set, by `kind`). */
export interface ScheduleJson {
  name: string;
  kind: "interval" | "cron";
  interval_ms: number | null;
  cron: string | null;
  timezone: string | null;
  paused: boolean;
  /** All `repeat_count` runs were made: nothing more will run. */
  done: boolean;
  runs: number;
  skipped: number;
  repeat_count: number | null;
  last_run_at: string | null;
  last_task_id: string | null;
  next_runs: string[];
}

export interface SchedulesJson {
  schedules: ScheduleJson[];
  count: number;
}

/**
 * Per-second series over the last `window_seconds`, oldest first, ending with the current
 * second (columnar: index i is second `start + i`). Latencies are run times (start to finish of
 * the last attempt) from a log-bucketed histogram, within about 5 %.
 */
export interface MetricsJson {
  window_seconds: number;
  /** When the snapshot was taken (epoch ms): events that finished before it are already counted. */
  generated_at_ms: number;
  /** Epoch seconds of the first point. */
  start: number;
  succeeded: number[];
  failed: number[];
  queued: number[];
  p50_ms: Array<number | null>;
  p95_ms: Array<number | null>;
  totals: {
    succeeded: number;
    failed: number;
    last_minute: { succeeded: number; failed: number };
    /** Finished tasks per second over the last 10 seconds. */
    throughput_per_second: number;
    p50_ms: number | null;
    p95_ms: number | null;
  };
}

/** The stream's own events next to the control plane's: snapshots every second, `dropped` before the server closes it. */
export interface StreamEvents extends ControlPlaneEvents {
  status: StatusJson;
  workers: WorkersJson;
  queues: QueuesJson;
  dropped: { reason: string };
}
