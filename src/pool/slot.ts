/**
 * One seat in the pool: the current Worker in it, the jobs assigned to that
 * Worker, the hard-timeout watch over them, and replacing the Worker when it
 * is killed or dies. A running job is stopped cooperatively first (its signal
 * aborts); only if it does not end within the grace period is the Worker
 * terminated, and the other jobs it held go back to the pool's queue.
 */
import { FastWorkerError, type WireError } from "../errors.ts";
import { AdaptivePrefetch } from "./adaptive-prefetch.ts";
import { AssignedJobs } from "./assigned-jobs.ts";
import { SlotTimeouts } from "./slot-timeouts.ts";
import type { Clock } from "../model/clock.ts";
import { crashedJobs, jobFields, type Entry, type Settled, type SlotRef } from "./entry.ts";
import type { ActivityMessage, ResultMessage } from "./messages.ts";
import { Replacer } from "./replacer.ts";
import { SlotLoad, type TaskBudgets } from "./slot-load.ts";
import type { LogFn, PoolOutcome } from "./types.ts";
import { WorkerHandle } from "./worker-handle.ts";

export interface SlotConfig {
  modules: readonly string[];
  prefetch: number;
  /** The deepest adaptive prefetch (AdaptivePrefetch); equal to prefetch: fixed. */
  maxPrefetch: number;
  budgets: TaskBudgets;
  /** How long an aborted job may take to end before its Worker is terminated. */
  abortGraceMs: number;
  startTimeoutMs: number;
  log: LogFn;
  clock: Clock;
}

export interface SlotEvents {
  onResult(entry: Entry, result: ResultMessage): void;
  onActivity(entry: Entry, message: ActivityMessage): void;
  /** An outcome decided on the main thread: timeout or crash. */
  onSettle(entry: Entry, outcome: PoolOutcome): void;
  /** Jobs that were queued in a lost Worker but never started; they need a new home. */
  onStranded(entries: Entry[]): void;
  onReady(slot: Slot): void;
  onRestart(slot: Slot): void;
}

export class Slot implements SlotRef {
  readonly index: number;
  /** Jobs in this slot's Worker (running or queued there), by seq. */
  readonly assigned = new AssignedJobs();
  readonly #config: SlotConfig;
  readonly #events: SlotEvents;
  #handle: WorkerHandle | undefined;
  #ready = false;
  #closed = false;
  #generation = 0;
  readonly #replacer: Replacer;
  readonly #load: SlotLoad;
  readonly #timeouts: SlotTimeouts;
  readonly #prefetch: AdaptivePrefetch;

  constructor(index: number, config: SlotConfig, events: SlotEvents) {
    this.index = index;
    this.#config = config;
    this.#events = events;
    this.#prefetch = new AdaptivePrefetch(config.prefetch, config.maxPrefetch);
    this.#load = new SlotLoad(config.budgets, this.#prefetch);
    this.#timeouts = new SlotTimeouts(config.clock, config.abortGraceMs, config.log, {
      current: () => (this.#ready ? this.#handle : undefined),
      assigned: this.assigned,
      detach: (entry) => {
        this.assigned.delete(entry.seq);
        entry.slot = undefined;
      },
      settle: (entry, outcome) => this.#events.onSettle(entry, outcome),
      loseWorker: () => this.#loseWorker([]),
    });
    const isClosed = () => this.#closed;
    this.#replacer = new Replacer({
      index, log: config.log, clock: config.clock,
      get closed() {
        return isClosed();
      },
      spawn: () => this.#spawn(),
      isCurrent: (handle) => this.#handle === handle,
      ready: (handle) => this.#becomeReady(handle),
      forget: () => (this.#handle = undefined),
    });
  }

  /** Spawns the first Worker; rejects (without retrying) if it cannot load the task modules. */
  async start(): Promise<void> {
    if (this.#closed) throw new FastWorkerError("E_SHUTTING_DOWN", "The pool is closed; create a new WorkerPool instead of restarting it.");
    const handle = this.#spawn();
    try {
      await handle.ready;
    } catch (error) {
      if (this.#handle === handle) this.#handle = undefined;
      if (this.#closed) throw new FastWorkerError("E_SHUTTING_DOWN", "The pool was closed while its Workers were starting.", { cause: error });
      throw error;
    }
    if (this.#closed || this.#handle !== handle) {
      handle.terminate();
      throw new FastWorkerError("E_SHUTTING_DOWN", "The pool was closed while its Workers were starting.");
    }
    this.#becomeReady(handle);
  }

  /** How many more jobs this slot takes right now (of any kind; see SlotLoad.free). */
  get free(): number {
    return this.#ready ? this.#load.free() : 0;
  }

  /** Running places open right now: for jobs of `budget`, or of any budget without it. */
  startable(budget?: string): number {
    return this.#ready ? this.#load.startable(budget) : 0;
  }

  /** How many more jobs of this budget this slot takes right now. */
  freeFor(budget: string): number {
    return this.#ready ? this.#load.free(budget) : 0;
  }

  /** Whether a job of this budget (TaskBudgets.budgetOf) fits here now. */
  canTake(budget: string): boolean {
    return this.#ready && this.#load.canTake(budget);
  }

  /** Jobs executing in this slot's Worker right now. */
  get running(): number {
    return this.#ready && this.#handle !== undefined ? this.#handle.state.runningCount() : 0;
  }

  /** The lowest priority (highest rank) among jobs assigned here and not started yet; -1 if none. */
  lowestWaitingRank(): number {
    const handle = this.#handle;
    if (handle === undefined || !this.#ready) return -1;
    return this.assigned.highestWaitingRank(handle.state.runningSeqs());
  }

  /** The lowest priority (highest rank) among jobs assigned here, started or not: a cheap bound on lowestWaitingRank. */
  highestAssignedRank(): number {
    return this.#ready ? this.assigned.highestRank() : -1;
  }

  /** `overtaking`: a job placed beyond the prefetch limit because it outranks one waiting here; sent at once. */
  assign(entry: Entry, overtaking = false): void {
    const handle = this.#handle;
    if (handle === undefined || !this.#ready) throw new FastWorkerError("E_INTERNAL", `pool slot ${this.index} assigned a job while not ready`);
    entry.slot = this;
    entry.budget = this.#config.budgets.budgetOf(entry.job.name);
    this.#load.add(entry.budget);
    this.assigned.set(entry.seq, entry);
    const load = this.assigned.size;
    if (load === 1) handle.setKeepAlive(true);
    // Send at once while the Worker holds little work (it may run dry before a
    // deferred flush); with plenty queued, defer to batch more jobs per message.
    handle.enqueue(entry.seq, entry.encoded, overtaking || load <= Math.max(2, Math.floor(this.#prefetch.depth / 2)));
    const limit = entry.job.timeoutMs;
    if (limit !== undefined) this.#timeouts.watch(limit);
  }

  /**
   * Takes an assigned job out of this slot. A job not yet started is simply
   * dropped; a running one has its signal aborted, and its Worker is
   * terminated if it does not end within the grace period.
   * Returns when it had started, if it had.
   */
  cancel(entry: Entry): { startedAt?: number } {
    const seq = entry.seq;
    const handle = this.#handle;
    if (handle === undefined || handle.unqueue(seq)) {
      this.#release(entry);
      return {};
    }
    if (!handle.state.requestCancel(seq)) {
      this.#release(entry);
      handle.dropQueued(seq);
      return {};
    }
    const startedAt = handle.state.running(this.#config.clock.now()).get(seq);
    this.#config.log("info", "aborting a running pool job to cancel it", { worker: handle.id, graceMs: this.#config.abortGraceMs, ...jobFields(entry) });
    this.#timeouts.abort(entry, "cancel");
    return startedAt === undefined ? {} : { startedAt };
  }

  /** From now on a lost Worker is not replaced (the pool is draining before shutdown). */
  stopRestarting(): void {
    this.#closed = true;
    this.#replacer.cancel();
  }

  /** Stops everything for good and returns the jobs that were still assigned. */
  shutdown(): Entry[] {
    this.#closed = true;
    this.#ready = false;
    this.#replacer.cancel();
    this.#timeouts.clear();
    this.#load.clear();
    this.#handle?.terminate();
    this.#handle = undefined;
    const entries = [...this.assigned.values()];
    for (const entry of entries) entry.slot = undefined;
    this.assigned.clear();
    return entries;
  }

  #spawn(): WorkerHandle {
    const handle: WorkerHandle = new WorkerHandle({
      id: `${this.index}.${++this.#generation}`,
      modules: this.#config.modules,
      startTimeoutMs: this.#config.startTimeoutMs,
      tasksPerWorker: this.#config.budgets.tasksPerWorker,
      // Events from a Worker this slot has already replaced are stale and ignored.
      events: {
        onResult: (result) => {
          if (this.#handle === handle) this.#onResult(result);
        },
        onActivity: (message) => {
          const entry = this.#handle === handle ? this.assigned.get(message.seq) : undefined;
          // Absent for jobs cancelled or timed out meanwhile: their record is already final.
          if (entry !== undefined) this.#events.onActivity(entry, message);
        },
        onCrash: (error) => {
          if (this.#handle === handle) this.#onCrash(handle, error);
        },
      },
    });
    this.#handle = handle;
    return handle;
  }

  #becomeReady(handle: WorkerHandle): void {
    this.#config.budgets.learn(handle.concurrency);
    this.#ready = true;
    this.#replacer.succeeded();
    if (this.assigned.size === 0) handle.setKeepAlive(false);
    this.#events.onReady(this);
  }

  #release(entry: Entry): void {
    this.assigned.delete(entry.seq);
    if (entry.budget !== undefined) this.#load.remove(entry.budget);
    entry.slot = undefined;
    this.#idleCheck();
  }

  #idleCheck(): void {
    if (this.assigned.size === 0 && this.#timeouts.aborting === 0) this.#handle?.setKeepAlive(false);
  }



  #onResult(result: ResultMessage): void {
    const aborted = this.#timeouts.ended(result.seq);
    if (aborted !== undefined) {
      // An aborted job ended in time: its outcome was settled when it was aborted.
      this.#load.remove(aborted);
      this.#idleCheck();
      this.#events.onReady(this);
      return;
    }
    if (result.startedAt !== undefined) this.#prefetch.observe(result.finishedAt - result.startedAt);
    const entry = this.assigned.get(result.seq);
    // Absent when the job was cancelled while its result was in flight.
    if (entry === undefined) return;
    this.#release(entry);
    this.#events.onResult(entry, result);
  }

  #onCrash(handle: WorkerHandle, error: WireError): void {
    const crashed = crashedJobs(handle.state.running(this.#config.clock.now()), this.assigned, error);
    if (crashed.length === 0) {
      this.#config.log("warn", "pool Worker died between jobs; replacing it", { worker: handle.id, error: error.message });
    } else {
      this.#config.log("warn", "pool Worker crashed while running jobs; replacing it", { worker: handle.id, error: error.message, ...jobFields(crashed[0]!.entry), running: crashed.length });
    }
    this.#loseWorker(crashed);
  }


  /** Kills (or buries) the current Worker, settles `settled`, hands the other jobs back, and starts a replacement. */
  #loseWorker(settled: readonly Settled[] | undefined): void {
    this.#handle?.terminate();
    this.#handle = undefined;
    this.#ready = false;
    this.#timeouts.clear();
    this.#load.clear();
    const done = new Set(settled?.map((s) => s.entry));
    const stranded: Entry[] = [];
    for (const entry of this.assigned.values()) {
      entry.slot = undefined;
      if (!done.has(entry)) stranded.push(entry);
    }
    this.assigned.clear();
    for (const { entry, outcome } of settled ?? []) this.#events.onSettle(entry, outcome);
    this.#events.onRestart(this);
    if (stranded.length > 0) this.#events.onStranded(stranded);
    if (!this.#closed) this.#replacer.replace();
  }
}
