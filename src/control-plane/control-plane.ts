import { availableParallelism, hostname } from "node:os";
import { FastWorkerError, type WireError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { DEFAULT_ADDRESS, DEFAULT_INACTIVE_WORKER_TTL_MS } from "../model/defaults.ts";
import type { RepSocket } from "../nng/index.ts";
import { CallbackPolicy } from "../auth/callback-allow.ts";
import type { Outcome, TaskRecord, TaskSpec, WorkerInfo } from "../protocol/index.ts";
import type { WorkerPool } from "../pool/index.ts";
import { MemoryTaskStore, PostgresTaskStore, type JournalHealth, type JournalStats, type TaskStore } from "../store/index.ts";
import type { ScheduleInfo } from "../scheduler/index.ts";
import { loadTaskModules, type TaskCatalog } from "../tasks/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS, type Announcer } from "../discovery/index.ts";
import { attachTelemetry, type ControlPlaneTelemetry } from "../telemetry/control-plane.ts";
import { AdmissionLimits } from "./admission-limits.ts";
import { ClientInFlight } from "./client-in-flight.ts";
import { startAnnouncing } from "./announcing.ts";
import { CallbackSender } from "./callbacks.ts";
import type { ConnectionLimits } from "./connection-limits.ts";
import { Dispatcher } from "./dispatcher.ts";
import { DueTimer } from "./due-timer.ts";
import { EmbeddedClient } from "./embedded-client.ts";
import { EventBus, type ControlPlaneEvents, type EventName } from "./events.ts";
import { createLocalPool, localSource, type LocalPoolSettings } from "./local-pool.ts";
import { openEndpoint } from "./nng-endpoint.ts";
import { DEFAULT_PREFETCH, resolveOptions, type ControlPlaneOptions, type ResolvedOptions } from "./options.ts";
import { createOutboxes, type Outboxes } from "./outboxes.ts";
import { recoverFromStore } from "./recovery.ts";
import type { RequestRouter } from "./request-router.ts";
import { fitOutcome } from "./result-size.ts";
import { deliverResults } from "./result-delivery.ts";
import { Schedules } from "./schedules.ts";
import { drainWithin, releaseInOrder, withDeadline, type ReleaseStep, type StopOptions } from "./shutdown.ts";
import { statusSnapshot, type StatusSnapshot } from "./status-snapshot.ts";
import { TaskActivity } from "./task-activity.ts";
import { TaskAdmission, type SubmitReply } from "./task-admission.ts";
import type { TaskEntry } from "./task-entry.ts";
import { TaskTable } from "./task-table.ts";
import { ResultWaiters } from "./waiters.ts";
import { Watches } from "./watches.ts";
import type { WorkersPage } from "./worker-pages.ts";
import { wireEvents } from "./wire-events.ts";

export { DEFAULT_ADDRESS, DEFAULT_PREFETCH, type ControlPlaneOptions, type SubmitReply };
// Defined in model/defaults.ts with the other defaults the CLI shares; re-exported where callers found them.
export { DEFAULT_INACTIVE_WORKER_TTL_MS };

/**
 * The control plane, as the composition root: it builds the components (task table, dispatcher,
 * admission, result delivery, due timer, NNG endpoint, announcer, pool, scheduler), wires them
 * to each other, and owns start and stop. The work itself is in those components.
 */
export class ControlPlane {
  readonly id: string;
  readonly address: string;
  readonly startedAt = Date.now();
  readonly table: TaskTable;
  readonly dispatcher: Dispatcher;
  readonly events: EventBus;
  /** Progress and log lines of running tasks (local pool and subworker reports). */
  readonly activity: TaskActivity;
  // Live entries are exactly the unfinished tasks: no need to build a record to know.
  readonly waiters = new ResultWaiters((id) => !this.table.live.has(id));
  readonly outboxes: Outboxes;
  /** Remote subscriptions to task events (the `watch` long-poll). */
  readonly watches: Watches;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  readonly workerTimeoutMs: number;
  readonly inactiveWorkerTtlMs: number;
  /** Counters, spans and lifecycle logs (src/telemetry); undefined with FASTWORKER_TELEMETRY=off. */
  readonly telemetry: ControlPlaneTelemetry<TaskEntry> | undefined;
  private readonly resolved: ResolvedOptions;
  private readonly callbacks: CallbackSender;
  private readonly store: TaskStore;
  private readonly admission: TaskAdmission;
  private readonly dueTimer: DueTimer;
  private rep: RepSocket | undefined;
  private router: RequestRouter | undefined;
  private connections: ConnectionLimits | undefined;
  private announcer: Announcer | undefined;
  private pool: WorkerPool | undefined;
  private readonly periodic = new Schedules();
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private state: "created" | "starting" | "running" | "stopping" | "stopped" = "created";
  /** The one release in progress: every stop() caller (and a failed start) awaits this same promise. */
  private stopping: Promise<void> | undefined;
  private readonly releasing = { step: "not started" };

  constructor(readonly catalog: TaskCatalog, private readonly options: ControlPlaneOptions) {
    const resolved = (this.resolved = resolveOptions(options));
    this.id = options.id ?? `cp-${hostname()}-${process.pid}`;
    this.address = resolved.address;
    this.log = options.log ?? createLogger({ component: "control-plane" });
    this.maxFrameBytes = resolved.maxFrameBytes;
    this.workerTimeoutMs = resolved.workerTimeoutMs;
    this.inactiveWorkerTtlMs = resolved.inactiveWorkerTtlMs;
    this.store = options.store ?? new MemoryTaskStore();
    this.events = new EventBus(this.log);
    this.callbacks = new CallbackSender(this.log);
    this.table = new TaskTable({
      resultCacheSize: resolved.resultCacheSize, resultCacheTtlMs: resolved.resultCacheTtlMs,
      onListenerError: (error) => this.log("error", "a task table listener threw; it was skipped", { error: String(error) }),
    });
    this.dispatcher = new Dispatcher(this.table);
    this.activity = new TaskActivity(this.table, this.events);
    const maxWaitMs = resolved.waitLimits.maxWaitMs;
    // A client that collects never holds more than it may have unfinished; past that (or the results the cache keeps) it is not collecting.
    const outboxItems = Math.max(resolved.maxInFlightPerClient, resolved.resultCacheSize);
    this.outboxes = createOutboxes({ resultTtlMs: resolved.resultCacheTtlMs, maxItems: outboxItems, maxWaitMs });
    this.watches = new Watches(this.events, (id) => this.table.get(id), { maxWaitMs });
    this.dueTimer = new DueTimer(this.table, () => this.afterChange());
    wireEvents(this.table, this.events);
    const limits = new AdmissionLimits(this.table, resolved.maxQueued);
    const inFlight = new ClientInFlight(this.table, resolved.maxInFlightPerClient);
    this.admission = new TaskAdmission({
      table: this.table, catalog, callbackPolicy: new CallbackPolicy(options.callbackAllow ?? []), limits, inFlight, store: this.store,
      accepting: () => this.state === "running", afterChange: () => this.afterChange(),
    });
    deliverResults({ table: this.table, store: this.store, waiters: this.waiters, outboxes: this.outboxes, callbacks: this.callbacks });
    // Telemetry: listens to the table too (a few increments per task when no SDK listens).
    this.telemetry = attachTelemetry(this);
  }

  /** The discovery address this control plane announces on, or undefined (off, or it could not be bound). */
  get announcingOn(): string | undefined {
    return this.announcer ? (this.options.discoveryAddress ?? DEFAULT_DISCOVERY_ADDRESS) : undefined;
  }

  /** Set when the journal cannot write: tasks are then only in memory until a restart. */
  get storeDegraded(): string | undefined {
    return this.store.degraded;
  }

  /** The journal's health (commit latency, errors, degraded state); undefined in memory-only mode. */
  get journal(): JournalHealth | undefined {
    return this.store.health?.();
  }

  get journalStats(): JournalStats | undefined {
    return this.store.stats;
  }

  get running(): boolean {
    return this.state === "running";
  }

  async start(): Promise<void> {
    if (this.state !== "created") throw new Error(`control plane already ${this.state}`);
    this.state = "starting";
    try {
      await this.acquire();
    } catch (error) {
      // Whatever was acquired before the failure (telemetry, pool Workers, sockets, timers) goes now:
      // a caller that catches the error must not be left with a process that cannot exit.
      // Debug, not error: the caller is handed the error itself (the CLI prints it as its one line).
      this.log("debug", "control plane failed to start; releasing what it acquired", { id: this.id, error: String(error) });
      await this.release(0).catch(() => undefined); // each failed step was logged by releaseInOrder; the start error is the one to report
      throw error;
    }
    if (this.stopping) {
      // stop() ran while starting and released only what existed then: release what came after it too.
      await releaseInOrder(this.releaseSteps(0), this.log, this.releasing);
      throw new FastWorkerError("E_SHUTTING_DOWN", "the control plane was stopped while it was starting");
    }
    this.state = "running";
    // After "running": every periodic run goes through submit(), which refuses work before that.
    this.periodic.start(this);
    this.log("info", "control plane started", { id: this.id, address: this.address, concurrency: this.options.concurrency ?? availableParallelism(), tasks: this.catalog.names() });
  }

  private async acquire(): Promise<void> {
    // Telemetry: imports FASTWORKER_OTEL_SETUP and looks for an SDK before any task is admitted.
    await this.telemetry?.start();
    const concurrency = this.options.concurrency ?? availableParallelism();
    if (concurrency > 0) {
      const local: LocalPoolSettings = {
        id: `${this.id}/local`, concurrency, prefetch: this.options.prefetch ?? DEFAULT_PREFETCH, catalog: this.catalog, table: this.table,
        activity: this.activity, log: this.log, onCapacity: () => this.dispatcher.schedule(), onOutcome: (o) => this.outcome(o),
        ...(this.options.tasksPerWorker !== undefined ? { tasksPerWorker: this.options.tasksPerWorker } : {}),
      };
      this.pool = createLocalPool(local); // kept before the await: a failed start closes it
      await this.pool.start();
      this.dispatcher.add(localSource(local, this.pool));
    }
    await recoverFromStore(this.store, this.table, this.catalog, this.log);
    this.afterChange();
    const endpoint = openEndpoint(this, {
      resolved: this.resolved, log: this.log,
      ...(this.options.token !== undefined ? { token: this.options.token } : {}),
      ...(this.options.workerToken !== undefined ? { workerToken: this.options.workerToken } : {}),
      ...(this.options.tls ? { tls: this.options.tls } : {}),
    });
    ({ rep: this.rep, router: this.router, connections: this.connections } = endpoint);
    this.announcer = startAnnouncing({
      discoveryAddress: this.options.discoveryAddress, cpId: this.id, address: this.address, log: this.log,
      ...(this.options.guiUrl ? { guiUrl: this.options.guiUrl } : {}),
    });
    this.sweepTimer = setInterval(() => {
      this.table.sweep();
      this.outboxes.sweep();
      void this.store.compact(Date.now() - this.table.results.ttlMs); // reports and retries its own failures
    }, this.resolved.cleanupIntervalMs);
    this.sweepTimer.unref();
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
    const entry = this.table.live.get(id);
    if (entry?.state === "running" && entry.workerId) this.dispatcher.get(entry.workerId)?.cancel(id);
    const result = this.table.cancel(id);
    this.afterChange();
    return result.error
      ? { cancelled: false, error: result.error }
      : { cancelled: result.cancelled, status: this.table.get(id)?.status ?? result.previous };
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
    const inactive = this.router?.subworkers.inactive() ?? [];
    return [...this.dispatcher.all().map((s) => s.info()), ...inactive];
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

  /** Results of attempts, from the local pool or subworkers. */
  outcome(outcome: Outcome): void {
    // A result too large for any reply fails its task here, typed (result-size.ts), for the pool and subworkers alike.
    if (this.table.complete(outcome.id, fitOutcome(outcome, this.table.live.get(outcome.id), this.maxFrameBytes))) this.afterChange();
  }

  /** After any change that can free capacity, add work, or move the next due time. */
  afterChange(): void {
    this.dispatcher.schedule();
    this.dueTimer.rearm();
  }

  /**
   * Stops accepting, lets running tasks finish up to drainMs (capped by deadlineMs), then releases everything.
   * Idempotent: a second caller awaits the same release (under its own deadlineMs) instead of returning early.
   */
  stop(options: StopOptions = {}): Promise<void> {
    return withDeadline(this.release(drainWithin(options)), options.deadlineMs, () => this.releasing.step);
  }

  private release(drainMs: number): Promise<void> {
    this.stopping ??= (async () => {
      const wasRunning = this.state === "running";
      this.state = "stopping";
      try {
        await releaseInOrder(this.releaseSteps(drainMs), this.log, this.releasing);
      } finally {
        this.state = "stopped";
      }
      // A start that failed never said "started": saying "stopped" would only add noise to its error.
      if (wasRunning) this.log("info", "control plane stopped", { id: this.id });
    })();
    return this.stopping;
  }

  /** In order; each tolerates a resource a failed start never acquired. */
  private releaseSteps(drainMs: number): ReleaseStep[] {
    return [
      { name: "timers", run: () => { this.periodic.stop(); this.dueTimer.stop(); clearInterval(this.sweepTimer); this.connections?.stop(); } },
      { name: "worker pool", run: () => this.pool?.close({ drainMs }) },
      { name: "waiters", run: () => { this.waiters.releaseAll(); this.outboxes.releaseAll(); this.watches.close(); this.router?.subworkers.close(); } },
      { name: "discovery announcer", run: () => this.announcer?.close() },
      { name: "released replies", run: () => Bun.sleep(0) }, // let released waiters send their replies before the socket closes
      { name: "request socket", run: () => this.rep?.close() },
      { name: "callbacks", run: () => this.callbacks.close() },
      { name: "task store", run: () => this.store.close() },
      { name: "telemetry", run: () => this.telemetry?.stop() },
    ];
  }
}

/** Loads the task modules, then starts a control plane that listens on its address. */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const catalog = await loadTaskModules(options.taskModules, { cwd: options.cwd ?? process.cwd() });
  const store = options.store ?? (options.journalUrl === undefined ? undefined
    : await PostgresTaskStore.open(options.journalUrl, {
      ...(options.journalSync ? { sync: options.journalSync } : {}), ...(options.journalFencing ? { fencing: options.journalFencing } : {}), log: createLogger({ component: "journal" }),
    }));
  const cp = new ControlPlane(catalog, store ? { ...options, store } : options);
  await cp.start();
  return cp;
}
