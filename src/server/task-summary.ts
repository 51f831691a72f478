/**
 * A task's summary row, as /api/tasks answers it and as the dashboard rebuilds it from a record
 * on the event stream: one function for both, so the table cannot show a row the API would not.
 * Browser-safe: it imports types only (the GUI bundles this file).
 */
import type { TaskRecord } from "../protocol/index.ts";
import type { TaskSummaryJson } from "./api-types.ts";

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : iso(ms));

/** JSON text of `value`, cut to `max` characters; null when there is nothing to show. */
export function previewOf(value: unknown, max = 100): string | null {
  if (value === undefined || value === null) return null;
  let text: string;
  try {
    text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch (error) {
    // Results arrive as JSON from the workers, so this is unexpected: show why instead of hiding it.
    text = `[unserializable: ${error instanceof Error ? error.message : String(error)}]`;
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function taskSummaryJson(record: TaskRecord): TaskSummaryJson {
  const t = record.timings;
  return {
    task_id: record.taskId,
    name: record.name,
    status: record.status,
    priority: record.priority,
    attempts: record.attempts,
    worker_id: record.workerId ?? null,
    submitted_at: iso(t.submittedAt),
    due_at: isoOrNull(t.dueAt),
    started_at: isoOrNull(t.startedAt),
    completed_at: isoOrNull(t.finishedAt),
    cached_at: isoOrNull(t.finishedAt),
    duration_ms: t.startedAt !== undefined && t.finishedAt !== undefined ? t.finishedAt - t.startedAt : null,
    result: record.status === "success" ? previewOf(record.result) : null,
    error: record.error?.message ?? null,
    error_code: record.error?.code ?? null,
  };
}
