import { encodeFrame, errorFrame, PROTOCOL_VERSION, type Outcome, type RequestOf, type WorkerInfo } from "../protocol/index.ts";
import { FastWorkerError } from "../errors.ts";
import type { ClockTimer } from "../model/clock.ts";
import type { ControlPlane } from "./control-plane.ts";

/** What the subworker registry reads and calls on its control plane, by name (not the whole object). */
export type SubworkerHost = Pick<ControlPlane,
  "activity" | "afterChange" | "catalog" | "clock" | "dispatcher" | "events" | "id" | "inactiveWorkerTtlMs" | "log" | "outcome" | "table" | "workerTimeoutMs">;
import { SubworkerSource, type LeaseOffer } from "./subworker-source.ts";
import { WorkerSessions } from "./worker-sessions.ts";

/** Inactive subworkers listed at most (the oldest are forgotten first): a crash loop with fresh ids cannot grow the list without bound. */
const MAX_INACTIVE_LISTED = 1000;

/** The offer of a lease or report; `idle` defaults to every credit (what a subworker that does not say means). */
function offerOf(request: RequestOf<"lease"> | RequestOf<"report">): LeaseOffer {
  return { credits: request.credits, idle: Math.min(request.idle ?? request.credits, request.credits), overtake: request.overtake };
}

function notYours(workerId: string): Uint8Array {
  return errorFrame(new FastWorkerError("E_REFUSED", `worker id ${workerId} belongs to another connection: only the subworker that said hello may lease, report or bye`));
}

/**
 * Subworker membership: hello / lease / report / bye, heartbeats, and the sweep that marks a
 * silent subworker inactive and puts its leased tasks back in their queues (at-least-once).
 * An inactive subworker stays listed (state inactive, its last heartbeat) for the control
 * plane's inactiveWorkerTtlMs, so users see that a machine dropped out and when.
 */
export class SubworkerRegistry {
  private readonly sources = new Map<string, SubworkerSource>();
  /** Subworkers that went silent, as they were last seen, until they are forgotten at `forgetAt`. */
  private readonly departed = new Map<string, { info: WorkerInfo; forgetAt: number }>();
  /** Which connection (NNG pipe) each worker id belongs to: only that one may lease, report or bye it. */
  private readonly sessions = new WorkerSessions();
  /** The heartbeat sweep: armed by the first registration, re-armed while anyone is listed, cleared by close(). */
  private sweepTimer: ClockTimer | undefined;
  private closed = false;

  constructor(private readonly cp: SubworkerHost) {}

  get heartbeatMs(): number {
    return Math.max(50, Math.floor(this.cp.workerTimeoutMs / 3));
  }

  hello(request: RequestOf<"hello">, pipe: number): Uint8Array {
    if (request.protocol !== PROTOCOL_VERSION) {
      return errorFrame(new FastWorkerError("E_REFUSED", `protocol v${request.protocol} is not spoken here (this control plane speaks v${PROTOCOL_VERSION})`));
    }
    const unknown = request.tasks.filter((name) => !this.cp.catalog.has(name));
    if (unknown.length > 0) {
      return errorFrame(new FastWorkerError("E_REFUSED", `this control plane does not know the tasks ${unknown.join(", ")}; load the same task modules on both sides`));
    }
    const previous = this.sources.get(request.workerId);
    if (previous && this.sessions.heldByOther(request.workerId, pipe)) {
      this.cp.log("warn", "refused a hello for a worker id held by another live connection", { workerId: request.workerId });
      return errorFrame(new FastWorkerError("E_REFUSED", `worker id ${request.workerId} is in use by another live subworker; give this one its own --worker-id`));
    }
    if (previous) this.drop(previous, "re-registered");
    this.departed.delete(request.workerId);
    this.sessions.bind(request.workerId, pipe);
    const source = new SubworkerSource(request, () => this.cp.dispatcher.schedule(), () => this.cp.clock.now());
    this.sources.set(source.id, source);
    this.armSweep();
    this.cp.dispatcher.add(source);
    this.cp.events.emit("worker.joined", { worker: source.info() });
    this.cp.log("info", "subworker registered", { workerId: source.id, capacity: request.capacity, host: request.host });
    return encodeFrame({ v: PROTOCOL_VERSION, type: "welcome", cpId: this.cp.id, heartbeatMs: this.heartbeatMs, workerTimeoutMs: this.cp.workerTimeoutMs });
  }

  lease(request: RequestOf<"lease">, pipe: number): Uint8Array | Promise<Uint8Array> {
    const source = this.sources.get(request.workerId);
    if (!source) return this.reregister();
    if (!this.sessions.claim(request.workerId, pipe)) return notYours(request.workerId);
    source.touch();
    return source.waitForWork(offerOf(request), Math.min(request.waitMs, this.heartbeatMs));
  }

  report(request: RequestOf<"report">, pipe: number): Uint8Array | Promise<Uint8Array> {
    const source = this.sources.get(request.workerId);
    if (!source) return this.reregister();
    if (!this.sessions.claim(request.workerId, pipe)) return notYours(request.workerId);
    source.touch();
    // Before the outcomes: a task's last lines belong to the attempt they end.
    for (const p of request.progress ?? []) this.cp.activity.progress(p.id, p.attempt, p.progress, source.id);
    for (const l of request.logs ?? []) this.cp.activity.log(l.id, l.attempt, { at: l.at, message: l.message }, source.id);
    this.accept(source, request.outcomes);
    return source.waitForWork(offerOf(request), Math.min(request.waitMs, this.heartbeatMs));
  }

  bye(request: RequestOf<"bye">, pipe: number): Uint8Array {
    const source = this.sources.get(request.workerId);
    if (source && !this.sessions.claim(request.workerId, pipe)) return notYours(request.workerId);
    if (source) {
      this.accept(source, request.outcomes);
      this.drop(source, "said bye");
    }
    return encodeFrame({ v: PROTOCOL_VERSION, type: "ack" });
  }

  /** Subworkers that went silent and are not forgotten yet, newest last heartbeat first. */
  inactive(): WorkerInfo[] {
    return [...this.departed.values()].map((d) => d.info).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  /** Is a registered subworker connected on this pipe? */
  connectedOn(pipe: number): boolean {
    return this.sessions.holdsAny(pipe);
  }

  connectionClosed(pipe: number): void {
    this.sessions.release(pipe);
  }

  close(): void {
    this.closed = true;
    if (this.sweepTimer !== undefined) this.cp.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const source of this.sources.values()) source.flush();
  }

  /** Results count only from the subworker currently holding the task: a late result from an earlier lease is dropped. */
  private accept(source: SubworkerSource, outcomes: readonly Outcome[]): void {
    for (const outcome of outcomes) {
      if (!source.leased.delete(outcome.id)) continue;
      source.completed++;
      const entry = this.cp.table.live.get(outcome.id);
      if (entry && entry.workerId === source.id) this.cp.outcome(outcome);
    }
  }

  private reregister(): Uint8Array {
    return encodeFrame({ v: PROTOCOL_VERSION, type: "leased", tasks: [], reregister: true });
  }

  /** Every quarter heartbeat timeout (50 ms to 1 s), while a subworker is registered or listed inactive. */
  private armSweep(): void {
    if (this.sweepTimer !== undefined || this.closed) return;
    this.sweepTimer = this.cp.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
      if (this.sources.size > 0 || this.departed.size > 0) this.armSweep();
    }, Math.min(1000, Math.max(50, this.cp.workerTimeoutMs / 4)));
  }

  private sweep(): void {
    const now = this.cp.clock.now();
    const deadline = now - this.cp.workerTimeoutMs;
    for (const source of this.sources.values()) {
      if (source.lastSeenAt < deadline) {
        this.cp.log("warn", "subworker missed its heartbeats; its tasks go back to the queues", { workerId: source.id, leased: source.leased.size });
        this.cp.events.emit("worker.inactive", { workerId: source.id });
        this.drop(source, "inactive");
        if (this.cp.inactiveWorkerTtlMs > 0) {
          this.departed.set(source.id, { info: { ...source.info(), running: 0 }, forgetAt: now + this.cp.inactiveWorkerTtlMs });
          // Insertion order is the order they went silent in: the first key is the oldest.
          const oldest = this.departed.keys().next();
          if (this.departed.size > MAX_INACTIVE_LISTED && !oldest.done) this.departed.delete(oldest.value);
        }
      }
    }
    for (const [id, { forgetAt }] of this.departed) {
      if (forgetAt <= now) this.departed.delete(id);
    }
  }

  private drop(source: SubworkerSource, reason: string): void {
    source.state = "inactive";
    source.flush();
    this.sources.delete(source.id);
    this.sessions.unbind(source.id);
    this.cp.dispatcher.remove(source.id);
    for (const id of source.leased) {
      const entry = this.cp.table.live.get(id);
      if (entry && entry.workerId === source.id) this.cp.table.requeueLost(entry);
    }
    source.leased.clear();
    this.cp.events.emit("worker.left", { workerId: source.id, reason });
    this.cp.afterChange();
  }
}
