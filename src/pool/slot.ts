/**
 * One seat in the pool: the current Worker in it, the jobs assigned to that
 * Worker, the hard-timeout watch over them, and replacing the Worker when it
 * is killed or dies.
 */
import { FastWorkerError, type WireError } from "../errors.ts";
import { DeadlineTimer, scanDeadlines } from "./deadlines.ts";
import { describeJob, failure, type Entry, type SlotRef } from "./entry.ts";
import type { ResultMessage } from "./messages.ts";
import { respawnDelayMs } from "./respawn-backoff.ts";
import type { LogFn, PoolOutcome } from "./types.ts";
import { WorkerHandle } from "./worker-handle.ts";

export interface SlotConfig {
  modules: readonly string[];
  prefetch: number;
  startTimeoutMs: number;
  log: LogFn;
}

export interface SlotEvents {
  onResult(entry: Entry, result: ResultMessage): void;
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
  readonly assigned = new Map<number, Entry>();
  readonly #config: SlotConfig;
  readonly #events: SlotEvents;
  #handle: WorkerHandle | undefined;
  #ready = false;
  #closed = false;
  #generation = 0;
  #failures = 0;
  #respawnTimer: Timer | undefined;
  readonly #deadlines = new DeadlineTimer(() => this.#checkDeadlines());
  readonly #urgentBelow: number;

  constructor(index: number, config: SlotConfig, events: SlotEvents) {
    this.index = index;
    this.#config = config;
    this.#events = events;
    this.#urgentBelow = Math.max(2, Math.floor(config.prefetch / 2));
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

  /** How many more jobs this slot takes right now. */
  get free(): number {
    return this.#ready ? this.#config.prefetch - this.assigned.size : 0;
  }

  get busy(): boolean {
    return this.#ready && this.#handle !== undefined && this.#handle.state.runningSeq() !== 0;
  }

  /** The lowest priority (highest rank) among jobs assigned here and not started yet; -1 if none. */
  lowestWaitingRank(): number {
    const handle = this.#handle;
    if (handle === undefined || !this.#ready) return -1;
    const running = handle.state.runningSeq();
    let lowest = -1;
    for (const [seq, entry] of this.assigned) if (seq !== running && entry.rank > lowest) lowest = entry.rank;
    return lowest;
  }

  /** `overtaking`: a job placed beyond the prefetch limit because it outranks one waiting here; sent at once. */
  assign(entry: Entry, overtaking = false): void {
    const handle = this.#handle;
    if (handle === undefined || !this.#ready) throw new FastWorkerError("E_INTERNAL", `pool slot ${this.index} assigned a job while not ready`);
    entry.slot = this;
    this.assigned.set(entry.seq, entry);
    const load = this.assigned.size;
    if (load === 1) handle.setKeepAlive(true);
    // Send at once while the Worker holds little work (it may run dry before a
    // deferred flush); with plenty queued, defer to batch more jobs per message.
    handle.enqueue(entry.seq, entry.encoded, overtaking || load <= this.#urgentBelow);
    const limit = entry.job.timeoutMs;
    if (limit !== undefined) this.#deadlines.arm(Date.now() + limit);
  }

  /**
   * Takes an assigned job out of this slot. A job not yet started is simply
   * dropped; a running one can only be stopped by killing its Worker.
   * Returns when it had started, if it had.
   */
  cancel(entry: Entry): { startedAt?: number } {
    const seq = entry.seq;
    const handle = this.#handle;
    this.#release(entry);
    if (handle === undefined) return {};
    if (handle.unqueue(seq)) return {};
    if (!handle.state.requestCancel(seq)) {
      handle.dropQueued(seq);
      return {};
    }
    const startedAt = handle.state.startedAt(Date.now());
    this.#config.log("info", "terminating pool Worker to cancel its running job", { worker: handle.id, ...this.#jobFields(entry) });
    this.#loseWorker(undefined);
    return { startedAt };
  }

  /** From now on a lost Worker is not replaced (the pool is draining before shutdown). */
  stopRestarting(): void {
    this.#closed = true;
    if (this.#respawnTimer !== undefined) clearTimeout(this.#respawnTimer);
    this.#respawnTimer = undefined;
  }

  /** Stops everything for good and returns the jobs that were still assigned. */
  shutdown(): Entry[] {
    this.#closed = true;
    this.#ready = false;
    if (this.#respawnTimer !== undefined) clearTimeout(this.#respawnTimer);
    this.#respawnTimer = undefined;
    this.#deadlines.clear();
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
      // Events from a Worker this slot has already replaced are stale and ignored.
      events: {
        onResult: (result) => {
          if (this.#handle === handle) this.#onResult(result);
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
    this.#ready = true;
    this.#failures = 0;
    if (this.assigned.size === 0) handle.setKeepAlive(false);
    this.#events.onReady(this);
  }

  #release(entry: Entry): void {
    this.assigned.delete(entry.seq);
    entry.slot = undefined;
    if (this.assigned.size === 0) this.#handle?.setKeepAlive(false);
  }

  #onResult(result: ResultMessage): void {
    const entry = this.assigned.get(result.seq);
    // Absent when the job was cancelled while its result was in flight.
    if (entry === undefined) return;
    this.#release(entry);
    this.#events.onResult(entry, result);
  }

  #onCrash(handle: WorkerHandle, error: WireError): void {
    const running = this.assigned.get(handle.state.runningSeq());
    if (running === undefined) {
      this.#config.log("warn", "pool Worker died between jobs; replacing it", { worker: handle.id, error: error.message });
      this.#loseWorker(undefined);
      return;
    }
    const startedAt = handle.state.startedAt(Date.now());
    this.#config.log("warn", "pool Worker crashed while running a job; replacing it", { worker: handle.id, error: error.message, ...this.#jobFields(running) });
    const message = `${describeJob(running.job)} crashed its Worker: ${error.message}`;
    this.#loseWorker({ entry: running, outcome: failure("E_WORKER_CRASHED", message, "policy", startedAt, error.stack) });
  }

  #checkDeadlines(): void {
    const handle = this.#handle;
    if (handle === undefined || !this.#ready) return;
    const now = Date.now();
    // Seq first, then start time: see SharedJobState.startedAt.
    const runningSeq = handle.state.runningSeq();
    const { expired, nextCheckAt } = scanDeadlines(this.assigned.values(), runningSeq, handle.state.startedAt(now), now);
    if (expired === undefined) {
      if (nextCheckAt !== Number.POSITIVE_INFINITY) this.#deadlines.arm(nextCheckAt);
      return;
    }
    const { entry, startedAt, limitMs } = expired;
    this.#config.log("warn", "job exceeded its timeout; terminating its pool Worker", { worker: handle.id, timeoutMs: limitMs, ...this.#jobFields(entry) });
    const message = `${describeJob(entry.job)} exceeded its timeout of ${limitMs} ms; its Worker was terminated and replaced.`;
    this.#loseWorker({ entry, outcome: failure("E_TASK_TIMEOUT", message, "policy", startedAt) });
  }

  /** Kills (or buries) the current Worker, hands its jobs back, and starts a replacement. */
  #loseWorker(running: { entry: Entry; outcome: PoolOutcome } | undefined): void {
    this.#handle?.terminate();
    this.#handle = undefined;
    this.#ready = false;
    this.#deadlines.clear();
    const stranded: Entry[] = [];
    for (const entry of this.assigned.values()) {
      entry.slot = undefined;
      if (entry !== running?.entry) stranded.push(entry);
    }
    this.assigned.clear();
    if (running !== undefined) this.#events.onSettle(running.entry, running.outcome);
    this.#events.onRestart(this);
    if (stranded.length > 0) this.#events.onStranded(stranded);
    if (!this.#closed) this.#replace();
  }

  #replace(): void {
    let handle: WorkerHandle;
    try {
      handle = this.#spawn();
    } catch (error) {
      this.#retryReplaceLater(error);
      return;
    }
    handle.ready.then(
      () => {
        if (this.#handle === handle && !this.#closed) this.#becomeReady(handle);
      },
      (error: unknown) => {
        if (this.#handle !== handle) return; // superseded or shut down: nothing to retry
        this.#handle = undefined;
        this.#retryReplaceLater(error);
      },
    );
  }

  #retryReplaceLater(error: unknown): void {
    this.#failures++;
    const delayMs = respawnDelayMs(this.#failures);
    this.#config.log("error", "replacement pool Worker failed to start; retrying", {
      slot: this.index,
      attempt: this.#failures,
      retryInMs: delayMs,
      error: error instanceof Error ? error.message : String(error),
    });
    if (this.#closed) return;
    this.#respawnTimer = setTimeout(() => {
      this.#respawnTimer = undefined;
      if (!this.#closed) this.#replace();
    }, delayMs);
    // Left referenced on purpose: jobs may be (or become) queued for this slot,
    // and their run() promises would be abandoned if the process exited now.
  }

  #jobFields(entry: Entry): Record<string, unknown> {
    return { jobId: entry.job.id, task: entry.job.name, attempt: entry.job.attempt };
  }
}
