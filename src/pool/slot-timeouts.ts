/**
 * The time-based side of one slot: hard timeouts of its running jobs and the grace an aborted
 * job gets to end before its Worker is terminated. Every reading and wait goes through the
 * injected Clock, so both are unit-tested by advancing a clock instead of sleeping.
 */
import { Aborts } from "./aborts.ts";
import type { Clock } from "../model/clock.ts";
import { DeadlineTimer, scanDeadlines } from "./deadlines.ts";
import { jobFields, timeoutOutcome, type Entry } from "./entry.ts";
import type { LogFn, PoolOutcome } from "./types.ts";
import type { WorkerHandle } from "./worker-handle.ts";

/** What the timeouts need of their slot. */
export interface TimeoutHost {
  /** The slot's Worker while it is ready to run jobs. */
  current(): WorkerHandle | undefined;
  readonly assigned: ReadonlyMap<number, Entry>;
  /** The job leaves the slot's assigned jobs (its outcome is settled elsewhere) but keeps its load. */
  detach(entry: Entry): void;
  settle(entry: Entry, outcome: PoolOutcome): void;
  /** An aborted job outlived its grace: terminate the Worker and hand its other jobs back. */
  loseWorker(): void;
}

export class SlotTimeouts {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #log: LogFn;
  readonly #host: TimeoutHost;
  readonly #deadlines: DeadlineTimer;
  readonly #aborts: Aborts;

  constructor(clock: Clock, graceMs: number, log: LogFn, host: TimeoutHost) {
    this.#clock = clock;
    this.#graceMs = graceMs;
    this.#log = log;
    this.#host = host;
    this.#deadlines = new DeadlineTimer(clock, () => this.#check());
    this.#aborts = new Aborts(clock, graceMs, (seq) => this.#graceExpired(seq));
  }

  /** Aborted jobs still running. */
  get aborting(): number {
    return this.#aborts.size;
  }

  /** A job with a `timeoutMs` was assigned: it cannot expire before now + its limit. */
  watch(limitMs: number): void {
    this.#deadlines.arm(this.#clock.now() + limitMs);
  }

  /** Aborts a running job's signal; it is detached from the slot and keeps its place until it ends or its grace runs out. */
  abort(entry: Entry, reason: "cancel" | "timeout"): void {
    this.#host.detach(entry);
    this.#aborts.begin(entry.seq, entry.budget ?? "");
    this.#host.current()?.abort(entry.seq, reason);
  }

  /** The Worker reported `seq` ended: its budget if it was an aborted job (ended in time), else undefined. */
  ended(seq: number): string | undefined {
    return this.#aborts.end(seq);
  }

  clear(): void {
    this.#deadlines.clear();
    this.#aborts.clear();
  }

  #check(): void {
    const handle = this.#host.current();
    if (handle === undefined) return;
    const now = this.#clock.now();
    const { expired, nextCheckAt } = scanDeadlines(this.#host.assigned.values(), handle.state.running(now), now);
    for (const { entry, startedAt, limitMs } of expired) {
      this.#log("warn", "job exceeded its timeout; aborting it", { worker: handle.id, timeoutMs: limitMs, graceMs: this.#graceMs, ...jobFields(entry) });
      this.abort(entry, "timeout");
      this.#host.settle(entry, timeoutOutcome(entry, startedAt, limitMs, this.#graceMs));
    }
    if (nextCheckAt !== Number.POSITIVE_INFINITY) this.#deadlines.arm(nextCheckAt);
  }

  #graceExpired(seq: number): void {
    const handle = this.#host.current();
    if (handle === undefined) return;
    this.#log("warn", "an aborted pool job did not end within the grace period; terminating its Worker, its other jobs go back to the queue", {
      worker: handle.id, seq, graceMs: this.#graceMs, requeued: this.#host.assigned.size,
    });
    this.#host.loseWorker();
  }
}
