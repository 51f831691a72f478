/**
 * Progress and log lines of running tasks, from the local pool or a subworker's report: kept on
 * the live entry (so the record, the REST detail and the journal's final record have them) and
 * announced as task.progress / task.log. Reports for an attempt that is no longer running are
 * dropped: a late line must not land on the next attempt or a finished task.
 */
import { MAX_LOG_LINES, MAX_PROGRESS_JSON_CHARS, type TaskLogLine, type TaskProgress } from "../tasks/index.ts";
import type { EventBus } from "./events.ts";
import type { TaskTable } from "./task-table.ts";
import type { TaskEntry } from "./task-entry.ts";

export class TaskActivity {
  constructor(private readonly table: TaskTable, private readonly events: EventBus) {}

  progress(id: string, attempt: number, progress: TaskProgress, workerId?: string): void {
    const entry = this.runningAttempt(id, attempt, workerId);
    if (entry === undefined) return;
    // Workers enforce this bound; a subworker's report is checked again here (its frames are only schema-checked).
    if (typeof progress === "object" && JSON.stringify(progress).length > MAX_PROGRESS_JSON_CHARS) return;
    entry.progress = progress;
    if (!this.events.idle) this.events.emit("task.progress", { id, name: entry.name, progress });
  }

  log(id: string, attempt: number, line: TaskLogLine, workerId?: string): void {
    const entry = this.runningAttempt(id, attempt, workerId);
    if (entry === undefined) return;
    const logs = (entry.logs ??= []);
    logs.push(line);
    if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
    if (!this.events.idle) this.events.emit("task.log", { id, name: entry.name, at: line.at, message: line.message });
  }

  private runningAttempt(id: string, attempt: number, workerId: string | undefined): TaskEntry | undefined {
    const entry = this.table.live.get(id);
    if (entry === undefined || entry.state !== "running" || entry.attempts !== attempt) return undefined;
    return workerId === undefined || entry.workerId === workerId ? entry : undefined;
  }
}
