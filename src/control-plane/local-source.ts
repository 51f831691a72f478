import type { Priority, WorkerInfo } from "../protocol/index.ts";
import type { ReadyQueue } from "../queue/index.ts";
import type { PoolJob, WorkerPool } from "../pool/index.ts";
import type { CapacitySource, OutcomeSink } from "./sources.ts";
import { handlerArgs, type TaskEntry } from "./task-entry.ts";
import { attemptTraceparent } from "../telemetry/cp-tracing.ts";

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
    /** The control plane's ready queue: what it hands out next decides how much this source takes. */
    private readonly ready?: ReadyQueue<TaskEntry>,
    /** Tasks it runs at once with every Worker full: Workers × tasksPerWorker. */
    private readonly capacity: number = pool.size,
  ) {}

  /**
   * Tasks it takes now, counted for the task queued next (its budget's places: a task with its
   * own large concurrency does not open the gates for CPU-bound ones behind it).
   */
  freeSlots(): number {
    return this.pool.freeSlots(this.nextQueued()?.name);
  }

  /** Of those, places where a task of the one queued next starts at once. */
  idleSlots(): number {
    return this.pool.idleSlots(this.nextQueued()?.name);
  }

  /** Asked only for the priority waiting on top of the ready queue: that is what would be handed over. */
  overtakeLimit(): Priority | undefined {
    const top = this.nextQueued()?.priority;
    return top !== undefined && this.pool.canOvertake(top) ? top : undefined;
  }

  /** The task the ready queue hands out next (highest priority, oldest), if any. */
  private nextQueued(): TaskEntry | undefined {
    return this.ready?.first();
  }

  assign(entries: TaskEntry[]): void {
    for (const entry of entries) {
      const attempt = entry.attempts;
      const id = entry.id;
      // Built field by field, not with conditional spreads: this runs once per task dispatched.
      const job: PoolJob = { id, name: entry.name, args: handlerArgs(entry), attempt, priority: entry.priority };
      if (entry.timeoutMs !== undefined) job.timeoutMs = entry.timeoutMs;
      // Telemetry: this attempt's dispatch span when tracing, else the client's traceparent as it came.
      const traceparent = attemptTraceparent(entry);
      if (traceparent !== undefined) job.traceparent = traceparent;
      this.pool.run(job).then((outcome) => {
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
