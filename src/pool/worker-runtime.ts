/**
 * The job loop inside one Worker, kept free of Worker globals so it can be
 * unit-tested on the main thread. worker-entry.ts wires it to postMessage.
 *
 * Jobs start in priority order while their budget has room: a task with its own
 * `concurrency` has that many slots here, every other task shares `tasksPerWorker`
 * (1 by default: one job at a time, as a CPU-bound handler needs). Async handlers
 * stay in flight while the loop starts the next jobs.
 */
import { executeJob, type DefinitionLookup } from "./execute.ts";
import { JobContext } from "./job-context.ts";
import {
  decodeJobs, type AbortMessage, type ActivityMessage, type CancelMessage, type FromWorker, type JobsMessage, type ResultMessage, type WireJob,
} from "./messages.ts";
import type { MiddlewareEntry } from "../tasks/catalog.ts";
import { PriorityFifo } from "./priority-fifo.ts";
import { ResultBatch } from "./result-batch.ts";
import { MAX_IN_FLIGHT, type SharedJobState } from "./shared-state.ts";
import { SHARED_BUDGET } from "./slot-load.ts";
import type { ExecuteTracing } from "../telemetry/worker-tracing.ts";


interface RunningJob {
  readonly ctx: JobContext;
  readonly pair: number;
  readonly budget: string;
}

export class WorkerRuntime {
  readonly #definitions: DefinitionLookup;
  readonly #state: SharedJobState;
  readonly #results: ResultBatch;
  readonly #postActivity: (message: ActivityMessage) => void;
  readonly #middleware: readonly MiddlewareEntry[];
  readonly #tasksPerWorker: number;
  readonly #queue = new PriorityFifo<WireJob>();
  readonly #queued = new Map<number, WireJob>();
  readonly #running = new Map<number, RunningJob>();
  /** Jobs running per budget. */
  readonly #inBudget = new Map<string, number>();
  /** Telemetry: execute spans, only when an SDK is registered in this Worker (telemetry/worker-tracing-loader.ts, checked once at start). */
  readonly #tracing: ExecuteTracing | undefined;
  readonly #hasRoom = (job: WireJob): boolean => {
    const budget = this.#budgetOf(job.name);
    return (this.#inBudget.get(budget) ?? 0) < this.#limitOf(budget);
  };
  #received = 0;
  #draining = false;

  constructor(
    definitions: DefinitionLookup, state: SharedJobState, post: (message: FromWorker) => void, middleware: readonly MiddlewareEntry[] = [],
    tasksPerWorker = 1, tracing?: ExecuteTracing,
  ) {
    this.#tracing = tracing;
    this.#definitions = definitions;
    this.#state = state;
    this.#results = new ResultBatch(post);
    this.#postActivity = post;
    this.#middleware = middleware;
    this.#tasksPerWorker = tasksPerWorker;
  }

  /** Jobs waiting in this Worker (not counting the running ones). */
  get queued(): number {
    return this.#queue.size;
  }

  /** The tasks that set their own concurrency, for the pool's bookkeeping (sent with `ready`). */
  concurrency(): Record<string, number> {
    const own: Record<string, number> = {};
    for (const [name, definition] of this.#definitions) if (definition.options.concurrency !== undefined) own[name] = definition.options.concurrency;
    return own;
  }

  handle(message: JobsMessage | CancelMessage | AbortMessage): void {
    this.#received++;
    if (message.t === "jobs") {
      for (const job of decodeJobs(message.data)) {
        this.#queue.push(job, job.rank);
        this.#queued.set(job.seq, job);
      }
    } else if (message.t === "cancel") {
      const job = this.#queued.get(message.seq);
      // Absent if it already ran or was skipped at start: nothing left to drop.
      if (job !== undefined) {
        this.#queued.delete(message.seq);
        this.#queue.remove(job);
      }
    } else {
      // Absent if it already ended: its result is on the way and the pool ignores it.
      this.#running.get(message.seq)?.ctx.abort(message.reason);
    }
    this.#drain();
  }

  #budgetOf(name: string): string {
    return this.#definitions.get(name)?.options.concurrency !== undefined ? name : SHARED_BUDGET;
  }

  #limitOf(budget: string): number {
    return budget === SHARED_BUDGET ? this.#tasksPerWorker : (this.#definitions.get(budget)?.options.concurrency ?? 1);
  }

  /**
   * Starts queued jobs in priority order while their budgets have room. Synchronous
   * handlers run back to back without yielding, which is what makes trivial jobs cheap.
   */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (;;) {
        // A message the pool already posted may carry a more urgent job or a
        // cancel; stop here and let its arrival (handle()) resume the loop.
        if (this.#state.messagesInFlight(this.#received) > 0) break;
        if (this.#running.size >= MAX_IN_FLIGHT) break;
        const job = this.#queue.shiftWhere(this.#hasRoom);
        if (job === undefined) break;
        this.#queued.delete(job.seq);
        this.#results.beforeStart(job.name);
        this.#start(job);
      }
    } finally {
      this.#draining = false;
      this.#results.flush();
    }
  }

  #start(job: WireJob): void {
    const startedAt = Date.now();
    const pair = this.#state.markStarted(job.seq, startedAt);
    if (pair < 0) return;
    const ctx = new JobContext(job, this.#postActivity);
    const budget = this.#budgetOf(job.name);
    this.#inBudget.set(budget, (this.#inBudget.get(budget) ?? 0) + 1);
    const running: RunningJob = { ctx, pair, budget };
    this.#running.set(job.seq, running);
    const began = performance.now();
    const outcome = this.#tracing === undefined
      ? executeJob(this.#definitions, job, startedAt, this.#middleware, ctx)
      : this.#tracing.run(job, () => executeJob(this.#definitions, job, startedAt, this.#middleware, ctx));
    // Async handlers count as long: the results of jobs before one are never held for it.
    this.#results.ran(job.name, outcome instanceof Promise ? Infinity : performance.now() - began);
    if (outcome instanceof Promise) {
      void outcome.then((result) => {
        this.#finish(job.seq, running, result);
        this.#drain();
      });
      return;
    }
    this.#finish(job.seq, running, outcome);
  }

  /**
   * A result is held only while the job loop runs on to another short job (result-batch.ts says
   * when it is posted); one that ends outside the loop (an async handler) is posted at once.
   */
  #finish(seq: number, running: RunningJob, result: ResultMessage): void {
    running.ctx.end();
    this.#running.delete(seq);
    this.#inBudget.set(running.budget, (this.#inBudget.get(running.budget) ?? 1) - 1);
    this.#state.markFinished(running.pair);
    this.#results.add(result, this.#draining);
  }

  /** Posts the results held for a batch now: the Worker is about to die (worker-entry.ts). */
  flushResults(): void {
    this.#results.flush();
  }
}
