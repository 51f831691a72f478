import { fromWireError, TaskError } from "../errors.ts";
import { isTerminal } from "../model/task-state.ts";
import type { TaskRecord } from "./frames.ts";

export function isFinished(record: TaskRecord): boolean {
  return isTerminal(record.status);
}

/** A finished record -> the handler's value, or the typed TaskError it ended with. */
export function unwrapRecord<R>(record: TaskRecord): R {
  if (record.status === "success") return record.result as R;
  const code = record.error?.code ?? (record.status === "cancelled" ? "E_TASK_CANCELLED" : "E_TASK_FAILED");
  const wire = { code, message: record.error?.message ?? `task ${record.taskId} ended with ${record.status}`, ...(record.error?.stack ? { stack: record.error.stack } : {}) };
  const error = fromWireError(wire, record.taskId);
  throw error instanceof TaskError ? error : new TaskError("E_TASK_FAILED", error.message, { taskId: record.taskId });
}
