/**
 * One debug line per task event (queued, started, retrying, re-queued, succeeded, failed,
 * cancelled). Built only when the control plane's logger writes debug lines, so at the default
 * level it costs nothing. Arguments stay out unless FASTWORKER_LOG_TASK_ARGS=true: they often
 * carry personal data or secrets that must not land in log storage.
 */
import type { ObservedTask } from "./control-plane-host.ts";
import type { Logger } from "../log.ts";
import type { TaskState } from "../model/task-state.ts";

export class LifecycleLog {
  constructor(private readonly log: Logger, private readonly withArgs: boolean) {}

  onState(entry: ObservedTask, from: TaskState): void {
    switch (entry.state) {
      case "pending":
        return; // the queued/scheduled line that follows says it
      case "queued":
        if (from === "running") return this.line("task re-queued: its worker was lost", entry, { workerId: entry.workerId });
        if (from === "retrying" || from === "scheduled") return this.line("task due: queued", entry);
        return this.line("task queued", entry, this.args(entry));
      case "scheduled":
        return this.line("task scheduled", entry, { dueAt: entry.dueAt, ...this.args(entry) });
      case "running":
        return this.line("task started", entry, { workerId: entry.workerId, attempt: entry.attempts });
      case "retrying":
        return this.line("task retrying", entry, { attempt: entry.attempts, dueAt: entry.dueAt, error: entry.error?.code, message: entry.error?.message });
    }
  }

  onTerminal(entry: ObservedTask): void {
    const ms = entry.startedAt !== undefined && entry.finishedAt !== undefined ? entry.finishedAt - entry.startedAt : undefined;
    if (entry.state === "success") this.line("task succeeded", entry, { attempts: entry.attempts, durationMs: ms });
    else if (entry.state === "cancelled") this.line("task cancelled", entry, { attempts: entry.attempts });
    else this.line("task failed", entry, { attempts: entry.attempts, durationMs: ms, error: entry.error?.code, message: entry.error?.message });
  }

  private args(entry: ObservedTask): Record<string, unknown> {
    if (!this.withArgs) return {};
    return entry.kwargs ? { args: entry.args, kwargs: entry.kwargs } : { args: entry.args };
  }

  private line(msg: string, entry: ObservedTask, fields: Record<string, unknown> = {}): void {
    this.log("debug", msg, { taskId: entry.id, task: entry.name, priority: entry.priority, ...fields });
  }
}
