import type { Priority, WorkerInfo } from "../protocol/index.ts";
import type { WorkerPool } from "../pool/index.ts";
import type { CapacitySource, OutcomeSink } from "./sources.ts";
import { handlerArgs, type TaskEntry } from "./task-entry.ts";
import { traceparentOf } from "../telemetry/cp-tracing.ts";

/** The control plane's own Bun Worker pool as a capacity source. */
export class LocalSource implements CapacitySource {
  readonly kind = "local" as const;
  readonly canRun = null;
  private readonly registeredAt = Date.now();
  private completed = 0;

  constructor(
    readonly id: string,
    private readonly pool: WorkerPool,
    private readonly taskNames: readonly string[],
    private readonly sink: OutcomeSink,
    /** The highest priority waiting in the ready queue, if any. */
    private readonly topPriority: () => Priority | undefined = () => undefined,
    /** Tasks it runs at once with every Worker full: Workers × tasksPerWorker. */
    private readonly capacity: number = pool.size,
  ) {}

  /** Free prefetch capacity, or one slot for a waiting task that outranks something prefetched. */
  freeSlots(): number {
    const free = this.pool.freeSlots();
    if (free > 0) return free;
    const top = this.topPriority();
    return top !== undefined && this.pool.canOvertake(top) ? 1 : 0;
  }

  assign(entries: TaskEntry[]): void {
    for (const entry of entries) {
      const attempt = entry.attempts;
      const id = entry.id;
      this.pool
        .run({
          id, name: entry.name, args: handlerArgs(entry), attempt, priority: entry.priority,
          ...(entry.timeoutMs !== undefined ? { timeoutMs: entry.timeoutMs } : {}),
          // Telemetry: this attempt's dispatch span when tracing, else the client's traceparent as it came.
          ...traceparentOf(entry),
        })
        .then((outcome) => {
          this.completed++;
          this.sink({ ...outcome, id, attempt });
        });
    }
  }

  cancel(id: string): void {
    this.pool.cancel(id);
  }

  info(): WorkerInfo {
    const stats = this.pool.stats();
    return {
      id: this.id, kind: "local", state: "active", capacity: this.capacity, running: stats.running,
      tasks: [...this.taskNames], lastSeenAt: Date.now(), registeredAt: this.registeredAt, completed: this.completed,
      pid: process.pid,
    };
  }
}
