/**
 * The page's shared state and the wiring that keeps it live: loads everything once, then
 * applies event-stream batches (snapshots every second, task and worker events as they happen).
 */
import { reactive, shallowRef } from "vue";
import { getJson } from "./api.ts";
import { connectEvents, type ConnectionState, type StreamEvent } from "./event-stream.ts";
import { LiveMetrics, type MetricsView } from "./live-metrics.ts";
import { tasks } from "./tasks-store.ts";
import type {
  MetricsJson, QueuesJson, RegisteredTaskJson, RegisteredTasksJson, ScheduleJson, SchedulesJson, StatusJson, WorkerJson, WorkersJson,
} from "./types.ts";

export const dashboard = reactive({
  connection: "connecting" as ConnectionState,
  status: null as StatusJson | null,
  /** When `status` arrived (ms), so the header's uptime can tick between snapshots. */
  statusAt: 0,
  workers: [] as WorkerJson[],
  queues: null as QueuesJson | null,
  registered: [] as RegisteredTaskJson[],
  schedules: [] as ScheduleJson[],
  error: null as string | null,
  /** The control plane stopped answering (the stream broke and /api/status fails): no live dot, no ticking uptime. */
  down: false,
  now: Date.now(),
});

const liveMetrics = new LiveMetrics();
export const metrics = shallowRef<MetricsView>(liveMetrics.view());

function setStatus(status: StatusJson): void {
  dashboard.status = status;
  dashboard.statusAt = Date.now();
  dashboard.down = false;
}

/**
 * Loads every panel from the REST API whenever the stream (re)opens, the first time included:
 * loading after the stream is open misses no event, and the page asks each endpoint once.
 */
export async function loadAll(): Promise<void> {
  try {
    const [status, workers, queues, registered, metricsJson, schedules] = await Promise.all([
      getJson<StatusJson>("api/status"),
      getJson<WorkersJson>("api/workers"),
      getJson<QueuesJson>("api/queues"),
      getJson<RegisteredTasksJson>("api/registered-tasks"),
      getJson<MetricsJson>("api/metrics"),
      getJson<SchedulesJson>("api/schedules"),
    ]);
    setStatus(status);
    dashboard.workers = workers.workers;
    dashboard.queues = queues;
    dashboard.registered = registered.tasks;
    dashboard.schedules = schedules.schedules;
    schedulesAt = Date.now();
    liveMetrics.load(metricsJson);
    metrics.value = liveMetrics.view();
    dashboard.error = null;
  } catch (error) {
    dashboard.error = error instanceof Error ? error.message : String(error);
  }
  await tasks.refresh();
}

function applyBatch(events: StreamEvent[], overflowed: boolean): void {
  if (overflowed) {
    void loadAll();
    return;
  }
  const taskEvents = [];
  let workersChanged = false;
  let schedulesChanged = false;
  for (const event of events) {
    switch (event.name) {
      case "status":
        setStatus(event.data);
        break;
      case "workers":
        dashboard.workers = event.data.workers;
        break;
      case "queues":
        dashboard.queues = event.data;
        break;
      case "worker.joined":
      case "worker.left":
      case "worker.inactive":
        workersChanged = true;
        break;
      case "schedule.fired":
      case "schedule.skipped":
        schedulesChanged = true;
        break;
      case "dropped":
        break;
      case "task.progress":
      case "task.log":
        tasks.applyHandlerReport(event);
        break;
      default: {
        taskEvents.push(event);
        if (event.name === "task.succeeded" || event.name === "task.failed") {
          const t = event.data.record.timings;
          const latency = t.startedAt !== undefined && t.finishedAt !== undefined ? t.finishedAt - t.startedAt : null;
          liveMetrics.add(event.name === "task.succeeded", t.finishedAt ?? Date.now(), latency);
        }
      }
    }
  }
  if (taskEvents.length > 0) tasks.applyEvents(taskEvents);
  if (schedulesChanged) reloadSchedulesSoon();
  if (workersChanged) void getJson<WorkersJson>("api/workers").then((w) => (dashboard.workers = w.workers), reportError);
}

/** Schedules fire every second or more often: their panel reloads at most every SCHEDULES_EVERY_MS. */
const SCHEDULES_EVERY_MS = 2000;
let schedulesAt = 0;
let schedulesTimer: ReturnType<typeof setTimeout> | undefined;

function reloadSchedulesSoon(): void {
  schedulesTimer ??= setTimeout(() => {
    schedulesTimer = undefined;
    void reloadSchedules();
  }, Math.max(0, schedulesAt + SCHEDULES_EVERY_MS - Date.now()));
}

export async function reloadSchedules(): Promise<void> {
  schedulesAt = Date.now();
  try {
    dashboard.schedules = (await getJson<SchedulesJson>("api/schedules")).schedules;
  } catch (error) {
    reportError(error);
  }
}

function markDown(error: unknown): void {
  dashboard.down = true;
  reportError(error);
}

function reportError(error: unknown): void {
  dashboard.error = error instanceof Error ? error.message : String(error);
}

/** Starts the live connection and the one-second clock (relative times, chart window). */
export function startLive(): () => void {
  const stream = connectEvents({
    onBatch: applyBatch,
    onState: (state) => {
      dashboard.connection = state;
      // The stream cannot tell why it failed: a plain request can (401 goes to the login form; a dead server shows the banner).
      if (state === "reconnecting") void getJson<StatusJson>("api/status").then(setStatus, markDown);
    },
    onOpen: () => void loadAll(),
  });
  const clock = setInterval(() => {
    dashboard.now = Date.now();
    metrics.value = liveMetrics.view();
  }, 1000);
  return () => {
    stream.close();
    clearInterval(clock);
  };
}
