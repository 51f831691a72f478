import { encodeFrame, PROTOCOL_VERSION, type LeasedTask, type Priority, type RequestOf, type WorkerInfo } from "../protocol/index.ts";
import type { CapacitySource } from "./sources.ts";
import { handlerArgs, type TaskEntry } from "./task-entry.ts";
import { traceparentOf } from "../telemetry/cp-tracing.ts";

/** What a waiting lease offers (the request's credits, idle and overtake fields). */
export interface LeaseOffer {
  credits: number;
  /** Of the credits, Workers with nothing to do. */
  idle: number;
  /** With no credits left: one task this urgent or more, to run before work prefetched there. */
  overtake: Priority | undefined;
}

interface PendingLease extends LeaseOffer {
  tasks: LeasedTask[];
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (frame: Uint8Array) => void;
}

/**
 * One registered subworker as a capacity source. Subworkers pull: a lease request (alone, or
 * riding on a report) offers credits and waits up to waitMs; the dispatcher fills the waiting
 * lease, and its reply carries the tasks. So a subworker only ever holds what it asked for.
 */
export class SubworkerSource implements CapacitySource {
  readonly kind = "subworker" as const;
  readonly canRun: ReadonlySet<string>;
  readonly registeredAt: number;
  lastSeenAt: number;
  state: WorkerInfo["state"] = "active";
  completed = 0;
  /** Task ids leased to this subworker and not yet reported. */
  readonly leased = new Set<string>();
  private pending: PendingLease | undefined;
  private readonly cancels = new Set<string>();

  /** `now`: the control plane's clock, for heartbeats (last seen) and the registration time. */
  constructor(private readonly hello: RequestOf<"hello">, private readonly onWaiting: () => void, private readonly now: () => number = Date.now) {
    this.canRun = new Set(hello.tasks);
    this.registeredAt = this.lastSeenAt = now();
  }

  get id(): string {
    return this.hello.workerId;
  }

  get capacity(): number {
    return this.hello.capacity;
  }

  touch(): void {
    this.lastSeenAt = this.now();
  }

  freeSlots(): number {
    if (!this.pending || this.state !== "active") return 0;
    return Math.max(0, this.pending.credits - this.pending.tasks.length);
  }

  idleSlots(): number {
    if (!this.pending || this.state !== "active") return 0;
    return Math.max(0, this.pending.idle - this.pending.tasks.length);
  }

  /** One overtaking task per lease: the subworker says again, in its next request, whether it takes another. */
  overtakeLimit(): Priority | undefined {
    const lease = this.pending;
    if (!lease || this.state !== "active" || lease.tasks.length > 0) return undefined;
    return lease.overtake;
  }

  /** Holds the lease open until work arrives, a cancel must be delivered, or waitMs passes. */
  waitForWork(offer: LeaseOffer, waitMs: number): Promise<Uint8Array> {
    this.flush(); // a newer lease supersedes an older one still waiting
    return new Promise((resolve) => {
      const lease: PendingLease = { ...offer, tasks: [], timer: undefined, resolve };
      this.pending = lease;
      // Dispatch is queued first, so a lease that does not wait (waitMs 0) still gets what is queued now.
      this.onWaiting();
      if (this.cancels.size > 0 || (offer.credits === 0 && offer.overtake === undefined) || waitMs <= 0) {
        queueMicrotask(() => this.pending === lease && this.flush());
      } else {
        lease.timer = setTimeout(() => this.pending === lease && this.flush(), waitMs);
      }
    });
  }

  assign(entries: TaskEntry[]): void {
    const lease = this.pending;
    if (!lease) throw new Error(`subworker ${this.id} has no open lease`);
    for (const entry of entries) {
      this.leased.add(entry.id);
      lease.tasks.push({
        id: entry.id, name: entry.name, args: handlerArgs(entry), attempt: entry.attempts, priority: entry.priority,
        ...(entry.timeoutMs !== undefined ? { timeoutMs: entry.timeoutMs } : {}),
        // Telemetry: this attempt's dispatch span when tracing, else the client's traceparent as it came.
        ...traceparentOf(entry),
      });
    }
    // Reply as soon as this dispatch pass is over, so the subworker starts at once.
    queueMicrotask(() => this.pending === lease && this.flush());
  }

  cancel(id: string): void {
    this.leased.delete(id);
    this.cancels.add(id);
    if (this.pending) queueMicrotask(() => this.flush());
  }

  /** Answers the waiting lease (if any) with what it collected. */
  flush(): void {
    const lease = this.pending;
    if (!lease) return;
    this.pending = undefined;
    clearTimeout(lease.timer);
    const cancel = [...this.cancels];
    this.cancels.clear();
    lease.resolve(encodeFrame({ v: PROTOCOL_VERSION, type: "leased", tasks: lease.tasks, ...(cancel.length ? { cancel } : {}) }));
  }

  info(): WorkerInfo {
    return {
      id: this.id, kind: "subworker", state: this.state, capacity: this.hello.capacity, running: this.leased.size,
      tasks: [...this.hello.tasks], lastSeenAt: this.lastSeenAt, registeredAt: this.registeredAt, completed: this.completed,
      ...(this.hello.host ? { host: this.hello.host } : {}),
      ...(this.hello.pid !== undefined ? { pid: this.hello.pid } : {}),
    };
  }
}
