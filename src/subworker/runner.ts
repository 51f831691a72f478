import type { Logger } from "../log.ts";
import type { PoolOutcome, WorkerPool } from "../pool/index.ts";
import type { LeasedTask, Outcome, Priority } from "../protocol/index.ts";
import { Activity } from "./activity.ts";
import type { SubworkerCounters } from "./counters.ts";

/** Below this average run time tasks count as fast: a few more of them may wait in the pool's queue. */
const FAST_TASK_MS = 5;
/** Fast tasks held per pool slot: enough that each round trip carries a batch instead of one task. */
const FAST_DEPTH = 4;
/** Tasks each Bun Worker may hold at least, so a fast task's successor is already there when it ends. */
export const FAST_WORKER_PREFETCH = 2;
/** Weight of the newest run time in the moving average: a slow task is noticed at once. */
const RUN_MS_WEIGHT = 0.2;

/** Priorities that can overtake another, least urgent first ("low" outranks nothing). */
const OVERTAKERS: readonly Priority[] = ["normal", "high", "critical"];

/** One leased task on the pool. Compared by identity, so a late outcome of an abandoned run is recognised. */
interface Held {
  readonly task: LeasedTask;
}

/**
 * The tasks this subworker holds: leased from the control plane, running (or queued) on the
 * pool, and their outcomes until they are sent. Everything held belongs to the current
 * registration; when it ends the rest is abandoned, because the control plane has already put
 * those tasks back in its queues (a hello replaces every earlier lease of this worker id).
 */
export class TaskRunner {
  /** Called whenever an outcome joins the outbox. */
  onOutcome: () => void = () => {};
  /** Progress and log lines of held tasks, for the next report; a report goes out when they are due. */
  readonly activity = new Activity((id) => this.held.has(id), () => this.onOutcome());
  private readonly held = new Map<string, Held>();
  private outbox: Outcome[] = [];
  /** Moving average of how long tasks run here; unknown (slow) until the first one finishes. */
  private runMs = Number.POSITIVE_INFINITY;

  /**
   * `slots.leased`: what slow tasks may be leased, in all (Workers × --prefetch); `slots.pool`:
   * what the pool takes when all its Workers are up (Workers × its prefetch, at least
   * FAST_WORKER_PREFETCH), the base of the deeper lease for fast tasks.
   */
  constructor(
    private readonly pool: WorkerPool,
    private readonly slots: { leased: number; pool: number },
    readonly counters: SubworkerCounters,
    private readonly log: Logger,
  ) {}

  get running(): number {
    return this.held.size;
  }

  /**
   * What the next lease may ask for: for slow tasks, up to --prefetch per Worker (by default
   * only what starts at once, so the control plane keeps the rest for whichever Worker frees up
   * first); for fast tasks a few per pool slot more. Per-request CPU on both sides, not latency,
   * bounds trivial tasks; a batch per round trip multiplies their throughput, and they wait
   * here a few milliseconds at most.
   */
  freeSlots(): number {
    const free = this.pool.freeSlots();
    if (!(this.runMs < FAST_TASK_MS)) return Math.max(0, Math.min(free, this.slots.leased - this.held.size));
    return Math.max(free, this.slots.pool * FAST_DEPTH - this.held.size);
  }

  /** Workers with nothing to do: what a task leased now starts on at once. */
  idleSlots(): number {
    return this.pool.idleSlots();
  }

  /**
   * The least urgent priority the pool would take one more task of although it is full,
   * because that task outranks one prefetched and not started (the pool hands it to that
   * Worker, which runs its queue by priority). Undefined when nothing waits to be overtaken.
   */
  overtakeLimit(): Priority | undefined {
    return OVERTAKERS.find((priority) => this.pool.canOvertake(priority));
  }

  /** Whether a report is worth sending now: outcomes, or progress/log lines that are due. */
  hasOutcomes(): boolean {
    return this.outbox.length > 0 || this.activity.due();
  }

  runningIds(): string[] {
    return [...this.held.keys()];
  }

  /** Hands the outbox over (for a report); the caller owns the outcomes from now on. */
  takeOutcomes(): Outcome[] {
    const taken = this.outbox;
    this.outbox = [];
    return taken;
  }

  /** Outcomes that did not fit in one frame go back to the head of the outbox, in order. */
  putBack(outcomes: readonly Outcome[]): void {
    if (outcomes.length > 0) this.outbox = [...outcomes, ...this.outbox];
  }

  start(tasks: readonly LeasedTask[]): void {
    for (const task of tasks) {
      if (this.held.has(task.id)) {
        // Running it twice would report twice; the attempt already here answers for both.
        this.log("warn", "control plane leased a task this subworker is already running; ignored", { taskId: task.id });
        continue;
      }
      const token: Held = { task };
      this.held.set(task.id, token);
      this.pool
        .run({
          id: task.id, name: task.name, args: task.args, attempt: task.attempt, priority: task.priority,
          ...(task.timeoutMs !== undefined ? { timeoutMs: task.timeoutMs } : {}),
          ...(task.traceparent !== undefined ? { traceparent: task.traceparent } : {}),
        })
        .then((outcome) => this.settle(token, outcome));
    }
  }

  /** The control plane took these tasks back: stop them, and forget any outcome not yet sent. */
  cancel(ids: readonly string[]): void {
    for (const id of ids) {
      if (!this.held.delete(id)) continue;
      this.counters.cancelled++;
      this.pool.cancel(id);
    }
    if (this.outbox.length > 0) {
      const gone = new Set(ids);
      this.outbox = this.outbox.filter((o) => !gone.has(o.id));
    }
  }

  /**
   * Ends the current registration's work: running tasks are stopped (the control plane already
   * re-queued them) and unsent outcomes are discarded. Returns what was thrown away, for the log.
   */
  abandon(): { running: number; unreported: number } {
    const running = this.held.size;
    const unreported = this.outbox.length;
    const ids = [...this.held.keys()];
    this.held.clear();
    this.outbox = [];
    for (const id of ids) this.pool.cancel(id);
    this.counters.dropped += running + unreported;
    return { running, unreported };
  }

  private settle(token: Held, outcome: PoolOutcome): void {
    const { id, attempt } = token.task;
    // Not held any more: cancelled or abandoned, and counted there.
    if (this.held.get(id) !== token) return;
    this.held.delete(id);
    if (!outcome.ok && outcome.error.code === "E_SHUTTING_DOWN") {
      // Never ran: left unreported, the control plane re-queues it when bye ends this lease.
      this.counters.returned++;
      return;
    }
    this.counters.completed++;
    if (outcome.startedAt !== undefined) {
      const ms = outcome.finishedAt - outcome.startedAt;
      this.runMs = Number.isFinite(this.runMs) ? this.runMs + RUN_MS_WEIGHT * (ms - this.runMs) : ms;
    }
    this.outbox.push({ ...outcome, id, attempt });
    this.onOutcome();
  }
}
