/**
 * Task rows of the live table: built from API summaries or from stream events, so the table
 * can update a row the moment its task changes state without asking the server.
 */
import { isoOrNull, taskSummaryJson } from "../../../src/server/task-summary.ts";
import type { ControlPlaneEvents, TaskRecord, TaskSummaryJson } from "./types.ts";

export interface TaskFilters {
  status: string;
  name: string;
  priority: string;
  q: string;
  sort: "newest" | "oldest";
}

/** Events that change a row; progress and log lines only touch the open detail (tasks-store.ts). */
type TaskEventName = Exclude<Extract<keyof ControlPlaneEvents, `task.${string}`>, "task.progress" | "task.log">;
export type TaskEvent = { [K in TaskEventName]: { name: K; data: ControlPlaneEvents[K] } }[TaskEventName];

const iso = isoOrNull;

/** The same summary the server builds for /api/tasks, from a record on the stream. */
export const summaryFromRecord: (record: TaskRecord) => TaskSummaryJson = taskSummaryJson;

export function taskIdOf(event: TaskEvent): string {
  return "record" in event.data ? event.data.record.taskId : event.data.taskId;
}

/** The row after `event`; `row` is undefined when the table does not show the task yet. */
export function applyTaskEvent(row: TaskSummaryJson | undefined, event: TaskEvent): TaskSummaryJson | undefined {
  switch (event.name) {
    case "task.succeeded":
    case "task.failed":
    case "task.cancelled":
    case "task.timed_out":
      return summaryFromRecord(event.data.record);
    case "task.queued": {
      const d = event.data;
      const base = row ?? freshRow(d.taskId, d.name, d.at);
      return { ...base, status: "queued", priority: d.priority as TaskSummaryJson["priority"], due_at: null };
    }
    case "task.scheduled": {
      const d = event.data;
      return { ...(row ?? freshRow(d.taskId, d.name, d.at)), status: "scheduled", due_at: iso(d.dueAt) };
    }
    case "task.started":
      return row && { ...row, status: "running", worker_id: event.data.workerId || null, attempts: event.data.attempt, started_at: iso(event.data.at), completed_at: null, duration_ms: null };
    case "task.retrying":
      return row && { ...row, status: "retrying", attempts: event.data.attempt, due_at: iso(event.data.dueAt), error: event.data.error ?? row.error };
  }
}

function freshRow(id: string, name: string, at: number): TaskSummaryJson {
  return {
    task_id: id, name, status: "pending", priority: "normal", attempts: 0, worker_id: null,
    submitted_at: new Date(at).toISOString(), due_at: null, started_at: null, completed_at: null, cached_at: null,
    duration_ms: null, result: null, error: null, error_code: null,
  };
}

export function matchesFilters(row: TaskSummaryJson, filters: TaskFilters): boolean {
  const q = filters.q.trim().toLowerCase();
  return (!filters.status || row.status === filters.status) &&
    (!filters.name || row.name === filters.name) &&
    (!filters.priority || row.priority === filters.priority) &&
    (!q || row.task_id.toLowerCase().includes(q) || row.name.toLowerCase().includes(q));
}

// The one definition of each (src/model/): the filters offer exactly the states and priorities the server has.
export { TASK_STATES as TASK_STATUSES } from "../../../src/model/task-state.ts";
export { PRIORITIES } from "../../../src/model/priority.ts";
