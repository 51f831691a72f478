/**
 * WorkerPool runs task handlers on Bun Workers so the coordinator's event loop
 * never executes user code. It queues jobs by priority, hands each Worker at
 * most `prefetch` of them, and turns every way a job can end (result, throw,
 * timeout, crash, cancel, shutdown) into a PoolOutcome; run() never rejects.
 */
import { withDeadline } from "../model/deadline.ts";
import { priorityRank, type Priority } from "../model/priority.ts";
import { describeJob, failure, type Entry } from "./entry.ts";
import { decodeResult, invalidJob } from "./job-io.ts";
import { encodeJob, type ActivityMessage, type ResultMessage } from "./messages.ts";
import { PriorityFifo } from "./priority-fifo.ts";
import type { Clock } from "../model/clock.ts";
import { positiveInteger, slotConfig } from "./pool-config.ts";
import type { TaskBudgets } from "./slot-load.ts";
import { Slot, type SlotEvents } from "./slot.ts";
import { overtakeSlot, roomiestSlot } from "./slot-choice.ts";
import type { CloseOptions, PoolJob, PoolOutcome, PoolStats, WorkerPoolOptions } from "./types.ts";

const MAX_SEQ = 0x7fffffff;

export class WorkerPool {
  readonly size: number;
  readonly #budgets: TaskBudgets;
  readonly #clock: Clock;
  readonly #slots: Slot[];
  readonly #pending = new PriorityFifo<Entry>();
  readonly #entries = new Map<string, Entry>();
  #nextSeq = 0;
  #restarts = 0;
  #completed = 0;
  #startPromise: Promise<void> | undefined;
  #closePromise: Promise<void> | undefined;
  #closing = false;
  #onIdle: (() => void) | undefined;

  constructor(options: WorkerPoolOptions) {
    this.size = positiveInteger("size", options.size);
    const config = slotConfig(options);
    this.#budgets = config.budgets;
    this.#clock = config.clock;
    const events: SlotEvents = {
      onResult: (entry, result) => this.#onResult(entry, result),
      onActivity: (entry, message) => this.#onActivity(entry, message, options),
      onSettle: (entry, outcome) => {
        this.#completed++;
        this.#settle(entry, outcome);
      },
      onStranded: (entries) => this.#requeue(entries),
      onReady: () => {
        this.#dispatch();
        options.onCapacity?.();
      },
      onRestart: () => {
        this.#restarts++;
      },
    };
    this.#slots = Array.from({ length: this.size }, (_, index) => new Slot(index, config, events));
  }

  /** Spawns the Workers; rejects with TaskDefinitionError if one cannot load the task modules. */
  start(): Promise<void> {
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  /**
   * Jobs that can be accepted without waiting in the pool's queue: with `name`, jobs of that
   * task (its budget's places plus prefetch); without, jobs of any kind (every budget's places).
   */
  freeSlots(name?: string): number {
    let free = 0;
    const budget = name === undefined ? undefined : this.#budgets.budgetOf(name);
    for (const slot of this.#slots) free += budget === undefined ? slot.free : slot.freeFor(budget);
    return Math.max(0, free - this.#pending.size);
  }

  /**
   * Of freeSlots(), the running places still open: a job handed over now starts at once instead
   * of queueing behind another (with tasksPerWorker 1, the ready Workers holding no job at all).
   */
  idleSlots(name?: string): number {
    let idle = 0;
    const budget = name === undefined ? undefined : this.#budgets.budgetOf(name);
    for (const slot of this.#slots) idle += slot.startable(budget);
    return Math.max(0, idle - this.#pending.size);
  }

  /**
   * Whether a job of this priority would be taken now although every slot is full, because it
   * outranks a job prefetched by some Worker and not started yet. The Worker runs its queue by
   * priority, so such a job waits only for the task already running there: prefetch stays
   * invisible to priorities.
   */
  canOvertake(priority: Priority): boolean {
    return overtakeSlot(this.#slots, priorityRank(priority)) !== undefined;
  }

  run(job: PoolJob): Promise<PoolOutcome> {
    if (this.#closing) return Promise.resolve(failure("E_SHUTTING_DOWN", `The worker pool is shutting down; ${describeJob(job)} was not run.`, "policy"));
    const problem = invalidJob(job);
    if (problem !== undefined) return Promise.resolve(failure("E_INVALID_ARGS", `WorkerPool.run: ${problem}.`, "never"));
    if (this.#entries.has(job.id)) {
      return Promise.resolve(failure("E_DUPLICATE_ID", `WorkerPool.run: a job with id "${job.id}" is already in the pool.`, "never"));
    }
    const seq = this.#nextSeq >= MAX_SEQ ? 1 : this.#nextSeq + 1;
    const rank = priorityRank(job.priority);
    let encoded: string;
    try {
      // id and attempt travel with the job so task hooks see them (src/pool/hooks.ts).
      encoded = encodeJob(seq, job.name, rank, job.args, job.traceparent, { id: job.id, attempt: job.attempt });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return Promise.resolve(failure("E_INVALID_ARGS", `Arguments of ${describeJob(job)} are not JSON-serialisable (${detail}).`, "never"));
    }
    this.#nextSeq = seq;
    return new Promise<PoolOutcome>((resolve) => {
      const entry: Entry = { job, seq, encoded, rank, resolve, slot: undefined };
      this.#entries.set(job.id, entry);
      const slot = this.#pending.size === 0 ? roomiestSlot(this.#slots, this.#budgets.budgetOf(job.name)) : undefined;
      const overtake = slot === undefined ? overtakeSlot(this.#slots, rank) : undefined;
      if (overtake !== undefined) {
        overtake.assign(entry, true);
      } else if (slot !== undefined) {
        slot.assign(entry);
      } else {
        this.#pending.push(entry, entry.rank);
        this.#dispatch();
      }
    });
  }

  /** Cancels a job by id; false if no such job is in the pool. Its run() resolves with E_TASK_CANCELLED. */
  cancel(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    const slot = entry.slot === undefined ? undefined : this.#slots[entry.slot.index];
    let startedAt: number | undefined;
    if (slot === undefined) this.#pending.remove(entry);
    else startedAt = slot.cancel(entry).startedAt;
    const how = startedAt === undefined ? "before it started" : "while running; its Worker was terminated";
    this.#settle(entry, failure("E_TASK_CANCELLED", `${describeJob(entry.job)} was cancelled ${how}.`, "never", startedAt));
    this.#dispatch();
    return true;
  }

  stats(): PoolStats {
    let busy = 0;
    let running = 0;
    let assigned = 0;
    for (const slot of this.#slots) {
      const jobs = slot.running;
      if (jobs > 0) busy++;
      running += jobs;
      assigned += slot.assigned.size;
    }
    return { size: this.size, busy, running, assigned, pending: this.#pending.size, restarts: this.#restarts, completed: this.#completed };
  }

  /**
   * Stops accepting jobs, lets assigned ones finish for up to `drainMs`, then
   * terminates every Worker. Whatever has not finished resolves E_SHUTTING_DOWN.
   */
  close(options: CloseOptions = {}): Promise<void> {
    // Idempotent: a second caller awaits the same close, under its own deadline.
    this.#closePromise ??= this.#close(options.drainMs ?? 0);
    return withDeadline(this.#closePromise, options.deadlineMs, () => `${this.#slots.length} Workers`, "the worker pool");
  }

  async #start(): Promise<void> {
    const results = await Promise.allSettled(this.#slots.map((slot) => slot.start()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed === undefined) return;
    await this.close();
    throw failed.reason;
  }

  async #close(drainMs: number): Promise<void> {
    this.#closing = true;
    for (const slot of this.#slots) slot.stopRestarting();
    for (const entry of this.#pending.drain()) this.#shutDown(entry);
    if (drainMs > 0 && this.#assignedCount() > 0) await this.#waitForIdle(drainMs);
    for (const slot of this.#slots) {
      for (const entry of slot.shutdown()) this.#shutDown(entry);
    }
  }

  #waitForIdle(drainMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#onIdle = undefined;
        resolve();
      }, drainMs, true);
      this.#onIdle = () => {
        this.#clock.clearTimeout(timer);
        this.#onIdle = undefined;
        resolve();
      };
    });
  }

  #assignedCount(): number {
    let count = 0;
    for (const slot of this.#slots) count += slot.assigned.size;
    return count;
  }

  #shutDown(entry: Entry): void {
    this.#settle(entry, failure("E_SHUTTING_DOWN", `The worker pool shut down before ${describeJob(entry.job)} finished.`, "policy"));
  }

  #onResult(entry: Entry, result: ResultMessage): void {
    this.#completed++;
    this.#settle(entry, decodeResult(result));
    if (this.#pending.size > 0) this.#dispatch();
  }

  #onActivity(entry: Entry, message: ActivityMessage, options: WorkerPoolOptions): void {
    const job = { id: entry.job.id, attempt: entry.job.attempt };
    if (message.t === "log") {
      options.onLog?.(job, { at: message.at, message: message.message });
      return;
    }
    if (options.onProgress === undefined) return;
    // Built by JobContext.progress from a number or a plain object: JSON text of exactly that.
    const progress: unknown = JSON.parse(message.json);
    if (typeof progress === "number" || (typeof progress === "object" && progress !== null && !Array.isArray(progress))) {
      options.onProgress(job, progress as number | Record<string, unknown>);
    }
  }

  #settle(entry: Entry, outcome: PoolOutcome): void {
    this.#entries.delete(entry.job.id);
    entry.resolve(outcome);
    if (this.#onIdle !== undefined && this.#assignedCount() === 0) this.#onIdle();
  }

  /** Jobs from a lost Worker go back to the head of their priority level: they were next in line. */
  #requeue(entries: Entry[]): void {
    if (this.#closing) {
      for (const entry of entries) this.#shutDown(entry);
      return;
    }
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as Entry;
      this.#pending.pushFront(entry, entry.rank);
    }
    this.#dispatch();
  }


  #dispatch(): void {
    if (this.#closing) return;
    // Strictly in priority order: a job whose budget is full everywhere waits, and so does what is behind it.
    while (this.#pending.size > 0) {
      const head = this.#pending.peek();
      if (head === undefined) return;
      const slot = roomiestSlot(this.#slots, this.#budgets.budgetOf(head.job.name));
      if (slot === undefined) return;
      this.#pending.shift();
      slot.assign(head);
    }
  }
}
