import { hostname } from "node:os";
import type { WireError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import type { Clock } from "../model/clock.ts";
import { DEFAULT_ADDRESS } from "../model/defaults.ts";
import type { Outcome, TaskRecord, TaskSpec, WorkerInfo } from "../protocol/index.ts";
import { MemoryTaskStore, type TaskStore } from "../store/task-store.ts";
import type { JournalHealth, JournalStats } from "../store/journal-health.ts";
import type { ScheduleInfo } from "../scheduler/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { attachTelemetry, type ControlPlaneTelemetry } from "../telemetry/control-plane.ts";
import { buildComponents, type Components } from "./components.ts";
import { EmbeddedClient } from "./embedded-client.ts";
import type { ControlPlaneEvents, EventName } from "./events.ts";
import type { SubmitReply } from "./task-admission.ts";
import { Lifecycle } from "./lifecycle.ts";
import { DEFAULT_PREFETCH, resolveOptions, type ControlPlaneOptions, type ResolvedOptions } from "./options.ts";
import { Runtime } from "./runtime.ts";
import { Schedules } from "./schedules.ts";
import type { StopOptions } from "./shutdown.ts";
import { statusSnapshot, type ClusterRole, type StatusSnapshot } from "./status-snapshot.ts";
import type { TaskEntry } from "./task-entry.ts";
import type { WorkersPage } from "./worker-pages.ts";

export { DEFAULT_ADDRESS, DEFAULT_PREFETCH, type ControlPlaneOptions, type SubmitReply };
export { DEFAULT_INACTIVE_WORKER_TTL_MS } from "../model/defaults.ts";

/**
 * The control plane, as the composition root: it builds the components (task table, dispatcher,
 * admission, result delivery, long-polls, due timer), wires them to each other through listener
 * sets, hands what a running control plane holds to its runtime (pool, NNG endpoint, announcer,
 * housekeeping: runtime.ts) and its start and stop to lifecycle.ts. The work is in those parts.
 */
export class ControlPlane {
  readonly id: string;
  readonly address: string;
  readonly startedAt = Date.now();
  readonly log: Logger;
  /** What it reads and waits on (options.clock, default real time). */
  readonly clock: Clock;
  readonly table: Components["table"];
  readonly dispatcher: Components["dispatcher"];
  readonly events: Components["events"];
  /** Progress and log lines of running tasks (local pool and subworker reports). */
  readonly activity: Components["activity"];
  readonly waiters: Components["waiters"];
  readonly outboxes: Components["outboxes"];
  /** Remote subscriptions to task events (the `watch` long-poll). */
  readonly watches: Components["watches"];
  readonly maxFrameBytes: number;
  readonly workerTimeoutMs: number;
  readonly inactiveWorkerTtlMs: number;
  /** Counters, spans and lifecycle logs (src/telemetry); undefined with FASTWORKER_TELEMETRY=off. */
  readonly telemetry: ControlPlaneTelemetry<TaskEntry> | undefined;
  private readonly store: TaskStore;
  private readonly admission: Components["admission"];
  private readonly dueTimer: Components["dueTimer"];
  private readonly applyOutcome: (outcome: Outcome) => void;
  private readonly periodic = new Schedules();
  private readonly runtime: Runtime;
  private readonly lifecycle: Lifecycle;

  constructor(readonly catalog: TaskCatalog, private readonly options: ControlPlaneOptions) {
    const resolved: ResolvedOptions = resolveOptions(options);
    this.id = options.id ?? `cp-${hostname()}-${process.pid}`;
    this.address = resolved.address;
    ({ maxFrameBytes: this.maxFrameBytes, workerTimeoutMs: this.workerTimeoutMs, inactiveWorkerTtlMs: this.inactiveWorkerTtlMs } = resolved);
    const log = (this.log = options.log ?? createLogger({ component: "control-plane" }));
    const store = (this.store = options.store ?? new MemoryTaskStore());
    const parts = buildComponents(catalog, options, resolved, store, log, { accepting: () => this.lifecycle.running, afterChange: () => this.afterChange() });
    ({ clock: this.clock, table: this.table, dispatcher: this.dispatcher, events: this.events, activity: this.activity, waiters: this.waiters } = parts);
    ({ outboxes: this.outboxes, watches: this.watches, admission: this.admission, dueTimer: this.dueTimer, outcome: this.applyOutcome } = parts);
    // Telemetry listens to the table too (a few increments per task when no SDK listens).
    this.telemetry = attachTelemetry(this);
    this.runtime = new Runtime({
      ...parts, id: this.id, address: this.address, options, resolved, catalog, log, store, periodic: this.periodic, telemetry: this.telemetry,
      endpointHost: this, outcome: (o) => this.outcome(o), afterChange: () => this.afterChange(),
    });
    this.lifecycle = new Lifecycle("control plane", log, (drainMs) => this.runtime.releaseSteps(drainMs), { id: this.id });
  }

  /** The discovery address this control plane announces on, or undefined (off, or it could not be bound). */
  get announcingOn(): string | undefined {
    return this.runtime.announcingOn;
  }

  /** Set when the journal cannot write: tasks are then only in memory until a restart. */
  get storeDegraded(): string | undefined {
    return this.store.degraded;
  }

  /** The journal's health (commit latency, errors, degraded state); undefined in memory-only mode. */
  get journal(): JournalHealth | undefined {
    return this.store.health?.();
  }

  /** Its counters and commit-latency histogram, for /metrics; undefined in memory-only mode. */
  get journalStats(): JournalStats | undefined {
    return this.store.stats;
  }

  /** Its role ("leader" with the lease's epoch when active/standby on PostgreSQL, else "single") and journal backend. */
  get cluster(): ClusterRole {
    const token = this.options.journalFencing;
    return { role: token ? "leader" : "single", ...(token ? { epoch: token.epoch } : {}), journal: this.store.backend };
  }

  get running(): boolean {
    return this.lifecycle.running;
  }

  async start(): Promise<void> {
    await this.lifecycle.start(() => this.runtime.acquire());
    // After "running": every periodic run goes through submit(), which refuses work before that.
    this.periodic.start(this, this.clock);
    this.log("info", "control plane started", { id: this.id, address: this.address, concurrency: this.runtime.concurrency, tasks: this.catalog.names() });
  }

  /** Stops accepting, drains up to drainMs, releases everything (lifecycle.ts); idempotent, each caller under its own deadlineMs. */
  stop(options: StopOptions = {}): Promise<void> {
    return this.lifecycle.stop(options);
  }

  /**
   * Accepts tasks (the REST API and in-process clients use this too); results of `awaitedBy` tasks go to that client's outbox.
   * `client` (a remote submitter's clientId or connection) is held to --max-in-flight-per-client.
   */
  submit(specs: readonly TaskSpec[], awaitedBy?: string, client?: string): Promise<SubmitReply[]> {
    return this.admission.submit(specs, awaitedBy, client);
  }

  record(id: string): TaskRecord | undefined {
    return this.table.get(id);
  }

  cancel(id: string): { cancelled: boolean; status?: TaskRecord["status"]; error?: WireError } {
    return this.admission.cancel(id, this.dispatcher);
  }

  /** Runs a failed or cancelled task again under the same id (the dashboard's retry button). */
  retry(id: string): TaskRecord {
    return this.admission.retry(id);
  }

  /** Queues, workers (one page of them), cache and tasks: what `status` answers (over NNG and in-process). */
  snapshot(page?: WorkersPage): StatusSnapshot {
    return statusSnapshot(this, page);
  }

  /** A client in this process: no network hop (embedded mode). */
  client(): EmbeddedClient {
    return new EmbeddedClient(this);
  }

  /** Every capacity source, then the subworkers that went silent and are not forgotten yet. */
  workers(): WorkerInfo[] {
    return this.runtime.workers();
  }

  on<K extends EventName>(name: K, listener: (payload: ControlPlaneEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** Periodic tasks: schedule, counters and next (up to 3) due times. */
  schedules(): ScheduleInfo[] {
    return this.periodic.list();
  }

  /** Stops firing a periodic task until resumeSchedule(); throws E_UNKNOWN_SCHEDULE for other names. */
  pauseSchedule(name: string): ScheduleInfo {
    return this.periodic.pause(name);
  }

  /** Resumes a paused periodic task; due times missed meanwhile follow its catchUp policy (never a burst). */
  resumeSchedule(name: string): ScheduleInfo {
    return this.periodic.resume(name);
  }

  /** Results of attempts, from the local pool or subworkers (components.ts; result-size.ts fails an oversize one, typed). */
  outcome(outcome: Outcome): void {
    this.applyOutcome(outcome);
  }

  /** After any change that can free capacity, add work, or move the next due time. */
  afterChange(): void {
    this.dispatcher.schedule();
    this.dueTimer.rearm();
  }
}
