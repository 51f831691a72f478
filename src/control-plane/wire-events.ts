import type { EventBus } from "./events.ts";
import type { TaskTable } from "./task-table.ts";

/** Translates the task table's state changes into typed events; skipped entirely while nobody listens. */
export function wireEvents(table: TaskTable, events: EventBus): void {
  table.listeners.state.add((entry) => {
    if (events.idle) return;
    const at = Date.now();
    switch (entry.state) {
      case "queued":
        return events.emit("task.queued", { taskId: entry.id, name: entry.name, priority: entry.priority, at });
      case "scheduled":
        return events.emit("task.scheduled", { taskId: entry.id, name: entry.name, dueAt: entry.dueAt ?? at, at });
      case "running":
        return events.emit("task.started", { taskId: entry.id, name: entry.name, workerId: entry.workerId ?? "", attempt: entry.attempts, at });
      case "retrying":
        return events.emit("task.retrying", {
          taskId: entry.id, name: entry.name, attempt: entry.attempts, dueAt: entry.dueAt ?? at, at,
          ...(entry.error ? { error: entry.error.message } : {}),
        });
    }
  });
  table.listeners.terminal.add((_entry, record) => {
    if (events.idle) return;
    if (record.status === "success") events.emit("task.succeeded", { record });
    else if (record.status === "cancelled") events.emit("task.cancelled", { record });
    else {
      if (record.error?.code === "E_TASK_TIMEOUT") events.emit("task.timed_out", { record });
      events.emit("task.failed", { record });
    }
  });
}
