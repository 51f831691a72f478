/**
 * The job loop inside one Worker, kept free of Worker globals so it can be
 * unit-tested on the main thread. worker-entry.ts wires it to postMessage.
 */
import { executeJob, type DefinitionLookup } from "./execute.ts";
import { decodeJobs, type CancelMessage, type FromWorker, type JobsMessage, type ResultMessage, type WireJob } from "./messages.ts";
import type { MiddlewareEntry } from "../tasks/catalog.ts";
import { PriorityFifo } from "./priority-fifo.ts";
import type { SharedJobState } from "./shared-state.ts";
import { ExecuteTracing } from "../telemetry/worker-tracing.ts";

export class WorkerRuntime {
  readonly #definitions: DefinitionLookup;
  readonly #state: SharedJobState;
  readonly #post: (message: FromWorker) => void;
  readonly #middleware: readonly MiddlewareEntry[];
  readonly #queue = new PriorityFifo<WireJob>();
  readonly #queued = new Map<number, WireJob>();
  /** Telemetry: execute spans, only when an SDK is registered in this Worker (checked once, here). */
  readonly #tracing = ExecuteTracing.create();
  #received = 0;
  #busy = false;

  constructor(
    definitions: DefinitionLookup, state: SharedJobState, post: (message: FromWorker) => void, middleware: readonly MiddlewareEntry[] = [],
  ) {
    this.#definitions = definitions;
    this.#state = state;
    this.#post = post;
    this.#middleware = middleware;
  }

  /** Jobs waiting in this Worker (not counting the one running). */
  get queued(): number {
    return this.#queue.size;
  }

  handle(message: JobsMessage | CancelMessage): void {
    this.#received++;
    if (message.t === "jobs") {
      for (const job of decodeJobs(message.data)) {
        this.#queue.push(job, job.rank);
        this.#queued.set(job.seq, job);
      }
    } else {
      const job = this.#queued.get(message.seq);
      // Absent if it already ran or was skipped at start: nothing left to drop.
      if (job !== undefined) {
        this.#queued.delete(message.seq);
        this.#queue.remove(job);
      }
    }
    this.#drain();
  }

  /**
   * Runs queued jobs one at a time, in priority order. Synchronous handlers run
   * back to back without yielding, which is what makes trivial jobs cheap.
   */
  #drain(): void {
    if (this.#busy) return;
    this.#busy = true;
    for (;;) {
      // A message the pool already posted may carry a more urgent job or a
      // cancel; stop here and let its arrival (handle()) resume the loop.
      if (this.#state.messagesInFlight(this.#received) > 0) break;
      const job = this.#queue.shift();
      if (job === undefined) break;
      this.#queued.delete(job.seq);
      const startedAt = Date.now();
      if (!this.#state.markStarted(job.seq, startedAt)) continue;
      const outcome = this.#tracing === undefined
        ? executeJob(this.#definitions, job, startedAt, this.#middleware)
        : this.#tracing.run(job, () => executeJob(this.#definitions, job, startedAt, this.#middleware));
      if (outcome instanceof Promise) {
        void outcome.then((result) => {
          this.#finish(result);
          this.#busy = false;
          this.#drain();
        });
        return;
      }
      this.#finish(outcome);
    }
    this.#busy = false;
  }

  /**
   * Posts each result as soon as its job ends, never batched behind the next
   * job: if that next job hangs or crashes the Worker, a finished result held
   * back here would be lost and its job run a second time elsewhere.
   */
  #finish(result: ResultMessage): void {
    this.#state.markIdle();
    this.#post(result);
  }
}
