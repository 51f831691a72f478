/**
 * The task table and the open task's detail. The current page comes from /api/tasks; stream
 * events then update visible rows in place and, on the first page of the newest-first view,
 * put new tasks on top (the page keeps its size). Views that events cannot maintain exactly
 * (filters, later pages) reload themselves at most once a second while events arrive.
 */
import { reactive, shallowRef } from "vue";
import { getJson, postJson } from "./api.ts";
import { applyTaskEvent, matchesFilters, taskIdOf, type TaskEvent, type TaskFilters } from "./task-rows.ts";
import type {
  CancelJson, CleanJson, RetryFailedJson, RetryJson, SubmitJson, TaskDetailJson, TaskListJson, TaskLogEvent, TaskProgressEvent, TaskSummaryJson,
} from "./types.ts";

const RELOAD_EVERY_MS = 1000;
/** The server keeps a task's last 100 log lines; the open detail keeps as many. */
const MAX_LOG_LINES = 100;

const filters = reactive<TaskFilters>({ status: "", name: "", priority: "", q: "", sort: "newest" });
const view = reactive({ offset: 0, limit: 25, total: 0, loading: false, error: null as string | null, truncated: false });
const rows = shallowRef<TaskSummaryJson[]>([]);
const detail = shallowRef<TaskDetailJson | null>(null);
const selected = reactive({ id: null as string | null, error: null as string | null });

let reloadTimer: ReturnType<typeof setTimeout> | undefined;
let detailTimer: ReturnType<typeof setTimeout> | undefined;
let requestSeq = 0;

/** True when new tasks belong at the top of what is shown, so events alone keep it right. */
function isHead(): boolean {
  return view.offset === 0 && filters.sort === "newest";
}

async function refresh(): Promise<void> {
  const seq = ++requestSeq;
  const params = new URLSearchParams({ limit: String(view.limit), offset: String(view.offset), sort: filters.sort });
  for (const key of ["status", "name", "priority", "q"] as const) if (filters[key].trim()) params.set(key, filters[key].trim());
  view.loading = true;
  try {
    const page = await getJson<TaskListJson>(`api/tasks?${params}`);
    if (seq !== requestSeq) return; // a newer request (filters changed) has the say
    rows.value = page.tasks;
    view.total = page.total;
    view.truncated = page.truncated === true;
    view.error = null;
  } catch (error) {
    if (seq === requestSeq) view.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (seq === requestSeq) view.loading = false;
  }
}

function scheduleReload(): void {
  reloadTimer ??= setTimeout(() => {
    reloadTimer = undefined;
    void refresh();
  }, RELOAD_EVERY_MS);
}

function applyEvents(events: TaskEvent[]): void {
  const shown = [...rows.value];
  const fresh: TaskSummaryJson[] = [];
  // Where each visible task sits: in `shown`, or (negative, -1-based) in `fresh`.
  const index = new Map(shown.map((r, i) => [r.task_id, i]));
  let changed = false;
  let needsReload = false;
  for (const event of events) {
    const id = taskIdOf(event);
    if (id === selected.id) scheduleDetail();
    const at = index.get(id);
    if (at !== undefined) {
      const list = at >= 0 ? shown : fresh;
      const i = at >= 0 ? at : -1 - at;
      const updated = applyTaskEvent(list[i], event);
      if (updated) {
        list[i] = updated;
        changed = true;
      }
      continue;
    }
    const created = applyTaskEvent(undefined, event);
    if (!created) continue;
    if (isHead() && (event.name === "task.queued" || event.name === "task.scheduled") && matchesFilters(created, filters)) {
      fresh.push(created);
      index.set(id, -fresh.length);
    } else if (!isHead() || filters.status) {
      needsReload = true;
    }
  }
  if (fresh.length > 0) {
    view.total += fresh.length;
    rows.value = [...fresh.reverse(), ...shown].slice(0, view.limit);
  } else if (changed) {
    rows.value = shown;
  }
  if (needsReload) scheduleReload();
}

async function open(id: string): Promise<void> {
  selected.id = id;
  selected.error = null;
  detail.value = null;
  await loadDetail();
}

async function loadDetail(): Promise<void> {
  const id = selected.id;
  if (!id) return;
  try {
    const d = await getJson<TaskDetailJson>(`api/tasks/${encodeURIComponent(id)}`);
    if (selected.id === id) detail.value = d;
  } catch (error) {
    if (selected.id === id) selected.error = error instanceof Error ? error.message : String(error);
  }
}

function scheduleDetail(): void {
  detailTimer ??= setTimeout(() => {
    detailTimer = undefined;
    void loadDetail();
  }, 150);
}

function close(): void {
  selected.id = null;
  detail.value = null;
}

async function cancel(id: string): Promise<CancelJson> {
  const answer = await postJson<CancelJson>(`api/tasks/${encodeURIComponent(id)}/cancel`);
  if (selected.id === id) void loadDetail();
  return answer;
}

async function retry(id: string): Promise<RetryJson> {
  const answer = await postJson<RetryJson>(`api/tasks/${encodeURIComponent(id)}/retry`);
  if (selected.id === id) void loadDetail();
  scheduleReload();
  return answer;
}

/** A progress report or log line of the open task, applied in place (no request). */
function applyHandlerReport(event: { name: "task.progress"; data: TaskProgressEvent } | { name: "task.log"; data: TaskLogEvent }): void {
  const d = detail.value;
  if (!d || d.task_id !== event.data.id) return;
  if (event.name === "task.progress") detail.value = { ...d, progress: event.data.progress };
  else detail.value = { ...d, logs: [...(d.logs ?? []), { at: event.data.at, message: event.data.message }].slice(-MAX_LOG_LINES) };
}

/** Every failed task (of the task named in the filter, if one is) back to the queue. */
async function retryFailed(): Promise<RetryFailedJson> {
  const answer = await postJson<RetryFailedJson>("api/tasks/retry-failed", filters.name ? { name: filters.name } : {});
  scheduleReload();
  return answer;
}

/** Removes finished tasks (of the task named in the filter, if one is) from the result cache. */
async function clean(): Promise<CleanJson> {
  const answer = await postJson<CleanJson>("api/tasks/clean", filters.name ? { name: filters.name } : {});
  await refresh();
  return answer;
}

async function submit(body: { name: string; args: unknown[]; kwargs?: Record<string, unknown>; priority?: string; countdownMs?: number }): Promise<SubmitJson> {
  return postJson<SubmitJson>("api/tasks", body);
}

export const tasks = {
  filters, view, rows, detail, selected, refresh, applyEvents, applyHandlerReport, open, close, cancel, retry, retryFailed, clean, submit, isHead,
};
