import { availableParallelism, hostname } from "node:os";
import { FastWorkerError, TaskError, toWireError, type WireError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import {
  DEFAULT_ADDRESS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_REPLY_TIMEOUT_MS, DEFAULT_INACTIVE_WORKER_TTL_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HELD_PER_CONNECTION, DEFAULT_MAX_REQUESTS_PER_CONNECTION, DEFAULT_MAX_QUEUED, DEFAULT_MAX_IN_FLIGHT_PER_CLIENT, DEFAULT_MAX_WAIT_MS, DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS, DEFAULT_RESULT_CACHE_SIZE, DEFAULT_RESULT_CACHE_TTL_MS, DEFAULT_WORKER_TIMEOUT_MS,
} from "../model/defaults.ts";
import { closePipe, RepSocket, type TlsOptions } from "../nng/index.ts";
import { AuthGate } from "../auth/gate.ts";
import { envToken } from "../auth/peer-security.ts";
import { CallbackPolicy } from "../auth/callback-allow.ts";
import { integerOption } from "../config.ts";
import {
  DEFAULT_MAX_FRAME_BYTES, errorFrame, FASTWORKER_VERSION, MAX_FRAME_BYTES, MIN_FRAME_BYTES, PROTOCOL_VERSION,
  type Outcome, type ReplyOf, type TaskRecord, type TaskSpec, type WorkerInfo,
} from "../protocol/index.ts";
import { AdmissionLimits } from "./admission-limits.ts";
import { ClientInFlight } from "./client-in-flight.ts";
import { EmbeddedClient } from "./embedded-client.ts";
import { WorkerPool } from "../pool/index.ts";
import { MemoryTaskStore, PostgresTaskStore, type JournalSync, type JournalHealth, type JournalStats, type Refusals, type TaskStore } from "../store/index.ts";
import { createControlPlaneScheduler, type ScheduleInfo, type Scheduler } from "../scheduler/index.ts";
import { loadTaskModules, type TaskCatalog } from "../tasks/index.ts";
import { Announcer, DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { CallbackSender } from "./callbacks.ts";
import { Dispatcher } from "./dispatcher.ts";
import { EventBus, type ControlPlaneEvents, type EventName } from "./events.ts";
import { LocalSource } from "./local-source.ts";
import { TaskActivity } from "./task-activity.ts";
import { checkWaitLimits } from "./held-waits.ts";
import { SlowReaders } from "./slow-readers.ts";
import { checkConnectionLimits, ConnectionLimits, fitToDescriptors, type ConnectionLimitOptions } from "./connection-limits.ts";
import { PipeRegistry } from "./pipe-registry.ts";
import { RequestRouter } from "./request-router.ts";
import { fitOutcome } from "./result-size.ts";
import { pageWorkers, type WorkersPage } from "./worker-pages.ts";
import { createEntry, type TaskEntry } from "./task-entry.ts";
import { TaskTable } from "./task-table.ts";
import { Outboxes } from "./outboxes.ts";
import { ResultWaiters } from "./waiters.ts";
import { Watches } from "./watches.ts";
import { wireEvents } from "./wire-events.ts";
import { drainWithin, releaseInOrder, withDeadline, type ReleaseStep, type StopOptions } from "./shutdown.ts";
import { attachTelemetry, type ControlPlaneTelemetry } from "../telemetry/control-plane.ts";

export interface ControlPlaneOptions {
  /** Task module files or folders; the same definitions load in every Bun Worker. */
  taskModules: string[];
  id?: string;
  /** NNG address clients and subworkers dial. Default tcp://127.0.0.1:5555. */
  address?: string;
  /** Bun Workers in the local pool; default: the number of cores. 0 = run nothing locally. */
  concurrency?: number;
  resultCacheSize?: number;
  resultCacheTtlMs?: number;
  resultCacheCleanupIntervalMs?: number;
  /** A subworker silent this long is inactive and its leased tasks run elsewhere. */
  workerTimeoutMs?: number;
  /** How long a subworker that went silent stays listed as inactive (with its last heartbeat) before it is forgotten; 0 = at once. Default 300 000 ms. */
  inactiveWorkerTtlMs?: number;
  maxFrameBytes?: number;
  /** The longest any long-poll (collect, result/submit with a wait, watch) is held; longer waits are clamped. Default 30 000 ms. */
  maxWaitMs?: number;
  /** Long-polls one connection may hold at once; one more is answered at once with E_TOO_MANY_WAITS. Default 256. */
  maxHeldPerConnection?: number;
  /** Requests one connection may have in progress (held long-polls included); one more is answered at once with E_TOO_MANY_REQUESTS. Default 256, at most 4096. */
  maxRequestsPerConnection?: number;
  /** Connections kept at once; a new one beyond is closed at once (one warning per 10 s). Default 4096. */
  maxConnections?: number;
  /** A connection with nothing in progress that sends nothing this long is closed; authenticated and subworker connections get 10 ×. 0 = never. Default 30 000 ms. */
  idleTimeoutMs?: number;
  /** How long a reply may wait for its peer to read it; past it the reply is dropped and that connection closed. Default 5 000 ms. */
  replyTimeoutMs?: number;
  /** Tasks handed to each local Bun Worker ahead of time (default DEFAULT_PREFETCH). */
  prefetch?: number;
  /** Tasks in flight at once per local Bun Worker for tasks without their own `concurrency` (default 1; see docs/handlers.md). */
  tasksPerWorker?: number;
  /** NNG BUS address where this control plane announces itself; null turns discovery off. Default tcp://127.0.0.1:5550. */
  discoveryAddress?: string | null;
  /** Shown in announcements so tools can link to the dashboard. */
  guiUrl?: string;
  store?: TaskStore;
  /** postgres://user:pass@host:5432/db: the journal in PostgreSQL (ignored when `store` is given); `journalSync` as for SQLite. */
  journalUrl?: string;
  journalSync?: JournalSync;
  log?: Logger;
  cwd?: string;
  /** Peer authentication (src/auth): clients and subworkers must prove they hold this token. Default: FASTWORKER_TOKEN. */
  token?: string;
  /** When set, only holders of this token may register as subworkers, lease or report. Default: FASTWORKER_WORKER_TOKEN. */
  workerToken?: string;
  /** Certificate, key (and CA for client certificates) for a tls+tcp:// address. */
  tls?: TlsOptions;
  /** Where completion callbacks may dial: CIDRs, host:port or host:* entries. Default: loopback only. */
  callbackAllow?: readonly string[];
  /** Unfinished tasks not running (queued, scheduled, retrying) held at most; beyond, submit answers E_QUEUE_FULL. Default 1 000 000. */
  maxQueued?: number;
  /** Unfinished tasks (running included) one client (its clientId, else its connection) may have; beyond, its submits answer E_QUEUE_FULL. Default 100 000. */
  maxInFlightPerClient?: number;
}

export { DEFAULT_ADDRESS };
/**
 * Tasks handed to each local Bun Worker ahead of time. 1 keeps the control plane's view exact (a
 * task shown running is running). More hides the postMessage round trip (about +60 % trivial
 * tasks/s at 8) without weakening priorities: a task that outranks one prefetched and not
 * started is handed over at once beyond the limit, and the Worker runs its queue by priority.
 * The cost: tasks waiting inside a Worker count as running in status and the dashboard.
 */
export const DEFAULT_PREFETCH = 1;
// Defined in model/defaults.ts with the other defaults the CLI shares; re-exported where callers found them.
export { DEFAULT_INACTIVE_WORKER_TTL_MS };

export type SubmitReply = { id: string; status?: TaskRecord["status"]; error?: WireError };

/**
 * The control plane: accepts tasks over NNG (REP contexts), queues them by priority, runs them
 * on its Bun Worker pool and on subworkers, and keeps results. Built by createControlPlane().
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
  private readonly replyTimeoutMs: number;
  readonly workerTimeoutMs: number;
  readonly inactiveWorkerTtlMs: number;
  /** Counters, spans and lifecycle logs (src/telemetry); undefined with FASTWORKER_TELEMETRY=off. */
  readonly telemetry: ControlPlaneTelemetry<TaskEntry> | undefined;
  private readonly callbacks: CallbackSender;
  private readonly callbackPolicy: CallbackPolicy;
  private readonly store: TaskStore;
  private readonly admission: AdmissionLimits;
  private readonly inFlight: ClientInFlight;
  private rep: RepSocket | undefined;
  private router: RequestRouter | undefined;
  private connections: ConnectionLimits | undefined;
  private readonly connectionLimits: Omit<ConnectionLimitOptions, "maxHeldPerConnection">;
  private announcer: Announcer | undefined;
  private pool: WorkerPool | undefined;
  /** Fires periodic tasks; created in start() so interval schedules count from then. */
  private scheduler: Scheduler | undefined;
  private dueTimer: ReturnType<typeof setTimeout> | undefined;
  private dueTimerAt = Infinity;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private state: "created" | "starting" | "running" | "stopping" | "stopped" = "created";
  /** The one release in progress: every stop() caller (and a failed start) awaits this same promise. */
  private stopping: Promise<void> | undefined;
  private readonly releasing = { step: "not started" };
  private readonly cleanupIntervalMs: number;
  private readonly waitLimits: { maxWaitMs: number; maxHeldPerConnection: number };

  constructor(readonly catalog: TaskCatalog, private readonly options: ControlPlaneOptions) {
    this.id = options.id ?? `cp-${hostname()}-${process.pid}`;
    this.address = options.address ?? DEFAULT_ADDRESS;
    this.log = options.log ?? createLogger({ component: "control-plane" });
    this.maxFrameBytes = integerOption("control plane", "maxFrameBytes", options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, MIN_FRAME_BYTES, MAX_FRAME_BYTES);
    this.replyTimeoutMs = integerOption("control plane", "replyTimeoutMs", options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS, 1, 2_147_483_647);
    this.workerTimeoutMs = options.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.inactiveWorkerTtlMs = options.inactiveWorkerTtlMs ?? DEFAULT_INACTIVE_WORKER_TTL_MS;
    this.cleanupIntervalMs = options.resultCacheCleanupIntervalMs ?? DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS;
    this.waitLimits = checkWaitLimits(
      options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, options.maxHeldPerConnection ?? DEFAULT_MAX_HELD_PER_CONNECTION);
    this.connectionLimits = checkConnectionLimits({
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxRequestsPerConnection: options.maxRequestsPerConnection ?? DEFAULT_MAX_REQUESTS_PER_CONNECTION,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    this.store = options.store ?? new MemoryTaskStore();
    this.events = new EventBus(this.log);
    this.callbacks = new CallbackSender(this.log);
    this.callbackPolicy = new CallbackPolicy(options.callbackAllow ?? []);
    this.table = new TaskTable({
      resultCacheSize: options.resultCacheSize ?? DEFAULT_RESULT_CACHE_SIZE,
      resultCacheTtlMs: options.resultCacheTtlMs ?? DEFAULT_RESULT_CACHE_TTL_MS,
    });
    this.dispatcher = new Dispatcher(this.table);
    this.activity = new TaskActivity(this.table, this.events);
    this.outboxes = new Outboxes(options.resultCacheTtlMs ?? DEFAULT_RESULT_CACHE_TTL_MS);
    this.watches = new Watches(this.events, (id) => this.table.get(id));
    wireEvents(this.table, this.events); // sets the table's hooks: the observers below chain after it
    this.admission = new AdmissionLimits(this.table, options.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.inFlight = new ClientInFlight(this.table, options.maxInFlightPerClient ?? DEFAULT_MAX_IN_FLIGHT_PER_CLIENT);
    const onState = this.table.onState;
    this.table.onState = (entry, from) => {
      onState(entry, from);
      // Acceptance already recorded the first state. "running" is not journaled: recovery re-queues
      // running tasks anyway, and skipping it saves a third of the journal's writes per task.
      if (from !== "pending" && entry.state !== "running") this.store.update(entry.id, { state: entry.state, attempts: entry.attempts, ...(entry.dueAt !== undefined ? { dueAt: entry.dueAt } : {}) });
    };
    const onTerminal = this.table.onTerminal;
    this.table.onTerminal = (entry, record) => {
      onTerminal(entry, record);
      this.finished(entry, record);
    };
    // Telemetry: chains itself after the hooks above (a few increments per task when no SDK listens).
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
    this.scheduler = createControlPlaneScheduler(this);
    this.scheduler.start();
    this.log("info", "control plane started", { id: this.id, address: this.address, concurrency: this.options.concurrency ?? availableParallelism(), tasks: this.catalog.names() });
  }

  private async acquire(): Promise<void> {
    // Telemetry: imports FASTWORKER_OTEL_SETUP and looks for an SDK before any task is admitted.
    await this.telemetry?.start();
    const concurrency = this.options.concurrency ?? availableParallelism();
    if (concurrency > 0) {
      const localId = `${this.id}/local`;
      this.pool = new WorkerPool({ size: concurrency, taskModules: this.catalog.modulePaths, prefetch: this.options.prefetch ?? DEFAULT_PREFETCH, log: this.log,
        ...(this.options.tasksPerWorker !== undefined ? { tasksPerWorker: this.options.tasksPerWorker } : {}),
        onProgress: (job, progress) => this.activity.progress(job.id, job.attempt, progress, localId),
        onLog: (job, line) => this.activity.log(job.id, job.attempt, line, localId),
        onCapacity: () => this.dispatcher.schedule(),
      });
      await this.pool.start();
      this.dispatcher.add(new LocalSource(localId, this.pool, this.catalog.names(), (o) => this.outcome(o), this.table.ready,
        concurrency * (this.options.tasksPerWorker ?? 1)));
    }
    await this.recover();
    const token = envToken(this.options.token, "FASTWORKER_TOKEN").token;
    const workerToken = envToken(this.options.workerToken, "FASTWORKER_WORKER_TOKEN").token;
    const gate = new AuthGate({ ...(token ? { token } : {}), ...(workerToken ? { workerToken } : {}) }, this.log);
    // One table of connections (pipe-registry.ts): the held waits, the connection limits and the close hooks share it.
    const pipes = new PipeRegistry();
    const connections = (this.connections = new ConnectionLimits(pipes, {
      ...this.connectionLimits, maxConnections: fitToDescriptors(this.connectionLimits.maxConnections, this.log), maxHeldPerConnection: this.waitLimits.maxHeldPerConnection },
      { close: closePipe, trusted: (pipe): boolean => router.trusted(pipe), log: this.log }));
    const router: RequestRouter = (this.router = new RequestRouter(this, gate, this.waitLimits, pipes, connections));
    // NNG's receive limit IS the frame limit: a peer can never make NNG buffer more than one frame's
    // worth per connection (a larger frame closes its connection; docs/protocol.md "Bad frames").
    const slowReaders = new SlowReaders(this.replyTimeoutMs, { close: closePipe, log: this.log });
    this.rep = new RepSocket({
      recvMaxSize: this.maxFrameBytes, onHandlerError: (error) => errorFrame(error),
      replyTimeoutMs: this.replyTimeoutMs, onReplyTimeout: (pipe) => slowReaders.replyTimedOut(pipe),
    });
    this.rep.onPipeEvent("added", (pipe) => connections.added(pipe)).onPipeEvent("removed", (pipe) => pipes.removed(pipe));
    this.rep.listen(this.address, this.options.tls ? { tls: this.options.tls } : {});
    this.rep.serve((bytes, pipe) => connections.serve(pipe, () => router.handle(bytes, pipe)));
    connections.start();
    this.startAnnouncing();
    this.sweepTimer = setInterval(() => {
      this.table.sweep();
      this.outboxes.sweep();
      void this.store.compact(Date.now() - this.table.results.ttlMs); // reports and retries its own failures
    }, this.cleanupIntervalMs);
    this.sweepTimer.unref();
  }

  /** Brings back what the store kept: results within their TTL, then live tasks in submission order. */
  private async recover(): Promise<void> {
    const { live, finished } = await this.store.recover(this.table.results.ttlMs);
    for (const record of finished) this.table.results.set(record.taskId, record);
    let requeued = 0;
    for (const stored of live) {
      const definition = this.catalog.get(stored.spec.name);
      if (!definition) {
        this.log("error", "a recovered task names a task that is no longer registered; it is failed", { id: stored.spec.id, name: stored.spec.name });
        continue;
      }
      const entry = createEntry(stored.spec, definition, stored.submittedAt);
      entry.attempts = stored.state === "running" ? Math.max(0, stored.attempts - 1) : stored.attempts;
      if (stored.dueAt !== undefined && (stored.state === "scheduled" || stored.state === "retrying")) entry.dueAt = stored.dueAt;
      else delete entry.dueAt;
      this.table.admit(entry);
      requeued++;
    }
    if (live.length + finished.length > 0) this.log("info", "recovered from the journal", { tasks: requeued, results: finished.length });
    this.afterChange();
  }

  private startAnnouncing(): void {
    const discoveryAddress = this.options.discoveryAddress === undefined ? DEFAULT_DISCOVERY_ADDRESS : this.options.discoveryAddress;
    if (discoveryAddress === null) return;
    try {
      this.announcer = new Announcer({
        discoveryAddress, cpId: this.id, address: this.address, log: this.log,
        ...(this.options.guiUrl ? { guiUrl: this.options.guiUrl } : {}),
      });
    } catch (error) {
      // Another control plane (or a squatter) may own the discovery address: serving matters more than
      // announcing, but whoever holds it answers our clients' discovery, so say so loudly.
      this.log("error", "discovery is OFF: could not listen on the discovery address; whoever holds it answers discovery instead of this control plane (clients with a token still refuse an impostor)", { discoveryAddress, error: String(error) });
    }
  }

  /**
   * Accepts tasks (the REST API and in-process clients use this too); results of `awaitedBy` tasks go to that client's outbox.
   * `client` (a remote submitter's clientId or connection) is held to --max-in-flight-per-client.
   */
  async submit(specs: readonly TaskSpec[], awaitedBy?: string, client?: string): Promise<SubmitReply[]> {
    if (this.state !== "running") {
      return specs.map((s) => ({ id: s.id, error: { code: "E_SHUTTING_DOWN", message: "the control plane is not accepting tasks" } }));
    }
    const now = Date.now();
    const replies: SubmitReply[] = [];
    const accepted: Array<{ entry: TaskEntry; spec: TaskSpec }> = [];
    for (const spec of specs) {
      const existing = this.table.existing(spec.id, spec.idempotencyKey);
      if (existing !== undefined) {
        replies.push({ id: existing, status: this.table.get(existing)?.status ?? "pending" });
        continue;
      }
      const definition = this.catalog.get(spec.name);
      if (!definition) {
        replies.push({ id: spec.id, error: { code: "E_UNKNOWN_TASK", message: `no task named "${spec.name}" is registered (known: ${this.catalog.names().join(", ")})` } });
        continue;
      }
      if (spec.callback && !this.callbackPolicy.allows(spec.callback.address)) {
        replies.push({ id: spec.id, error: { code: "E_CALLBACK_NOT_ALLOWED", message: `callbacks may not dial ${spec.callback.address}: the control plane allows loopback and its --callback-allow list only` } });
        continue;
      }
      const full = this.admission.refuse(accepted.length) ?? this.inFlight.refuse(client, accepted.length);
      if (full) {
        replies.push({ id: spec.id, error: full });
        continue;
      }
      const entry = createEntry(spec, definition, now);
      if (awaitedBy !== undefined) entry.awaitedBy = awaitedBy;
      accepted.push({ entry, spec });
      replies.push({ id: entry.id });
    }
    if (accepted.length > 0) {
      // The store hears of every task before the submitter is told it was accepted.
      let refusals: Refusals | void;
      try {
        refusals = await this.admission.reserving(accepted.length, () => this.store.accept(accepted.map(({ entry, spec }) => ({
          spec, priority: entry.priority, state: entry.dueAt !== undefined ? "scheduled" : "queued", attempts: 0,
          submittedAt: entry.submittedAt, ...(entry.dueAt !== undefined ? { dueAt: entry.dueAt } : {}),
        }))));
      } catch (error) {
        // Code and message only: a journal error must not carry the server's stack or paths to clients.
        const { code, message } = toWireError(error, "E_JOURNAL");
        return replies.map((r) => (r.error || r.status ? r : { id: r.id, error: { code, message } }));
      }
      for (const { entry } of accepted) {
        const refused = refusals?.get(entry.id);
        if (refused === undefined) (this.table.admit(entry), this.inFlight.track(entry, client));
        else replies[replies.findIndex((r) => r.id === entry.id && !r.error && !r.status)] = { id: entry.id, error: { code: refused.code, message: refused.message } };
      }
      for (const reply of replies) if (!reply.error && !reply.status) reply.status = this.table.live.get(reply.id)?.state;
      this.afterChange();
    }
    return replies;
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
    if (this.table.live.has(id)) throw new TaskError("E_NOT_RETRYABLE", `task ${id} is still ${this.table.live.get(id)!.state}`, { taskId: id });
    const record = this.table.results.peek(id);
    if (!record) throw new TaskError("E_TASK_NOT_FOUND", `task ${id} is not known (or its result expired)`, { taskId: id });
    if (record.status !== "failure" && record.status !== "cancelled") {
      throw new TaskError("E_NOT_RETRYABLE", `task ${id} ended with ${record.status}; only failed or cancelled tasks can be retried`, { taskId: id });
    }
    const definition = this.catalog.get(record.name);
    if (!definition) throw new TaskError("E_UNKNOWN_TASK", `task ${record.name} is no longer registered`, { taskId: id });
    const entry = createEntry({ id, name: record.name, args: record.args ?? [], priority: record.priority, ...(record.kwargs ? { kwargs: record.kwargs } : {}) }, definition, Date.now());
    entry.state = record.status;
    entry.history = [...record.history];
    this.table.revive(entry);
    this.afterChange();
    return this.table.get(id)!;
  }

  /** Queues, workers (one page of them), cache and tasks: what `status` answers (over NNG and in-process). */
  snapshot(page?: WorkersPage): Omit<ReplyOf<"status_reply">, "v" | "type"> {
    const sizes = this.table.ready.sizeByPriority();
    const workers = this.workers();
    return {
      cpId: this.id, version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION, startedAt: this.startedAt,
      queues: { critical: sizes.critical, high: sizes.high, normal: sizes.normal, low: sizes.low },
      scheduled: this.table.delayed.size,
      running: workers.reduce((n, w) => n + w.running, 0),
      ...pageWorkers(workers, page),
      cache: { size: this.table.results.size, maxSize: this.table.results.maxSize, ttlMs: this.table.results.ttlMs },
      tasks: this.catalog.names(),
    };
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
    return this.scheduler?.list() ?? [];
  }

  /** Stops firing a periodic task until resumeSchedule(); throws E_UNKNOWN_SCHEDULE for other names. */
  pauseSchedule(name: string): ScheduleInfo {
    return this.requireScheduler().pause(name);
  }

  /** Resumes a paused periodic task; due times missed meanwhile follow its catchUp policy (never a burst). */
  resumeSchedule(name: string): ScheduleInfo {
    return this.requireScheduler().resume(name);
  }

  private requireScheduler(): Scheduler {
    if (!this.scheduler) throw new FastWorkerError("E_UNKNOWN_SCHEDULE", "the control plane is not running: it has no schedules");
    return this.scheduler;
  }

  /** Results of attempts, from the local pool or subworkers. */
  outcome(outcome: Outcome): void {
    if (this.table.complete(outcome.id, fitOutcome(outcome, this.table.live.get(outcome.id), this.maxFrameBytes))) this.afterChange();
  }

  /** After any change that can free capacity, add work, or move the next due time. */
  afterChange(): void {
    this.dispatcher.schedule();
    const next = this.table.nextDueAt();
    if (next === undefined || next >= this.dueTimerAt) return;
    clearTimeout(this.dueTimer);
    this.dueTimerAt = next;
    this.dueTimer = setTimeout(() => {
      this.dueTimerAt = Infinity;
      this.table.promoteDue();
      this.afterChange();
    }, Math.max(0, next - Date.now()));
  }

  private finished(entry: TaskEntry, record: TaskRecord): void {
    this.waiters.notify(entry.id);
    const awaitedBy = entry.awaitedBy;
    if (typeof awaitedBy === "string") this.outboxes.add(awaitedBy, record);
    else if (awaitedBy !== undefined) for (const clientId of awaitedBy) this.outboxes.add(clientId, record);
    this.store.finish(entry.id, record);
    if (entry.callback) this.callbacks.send(entry.callback.address, record, entry.callback.data);
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
      { name: "timers", run: () => { this.scheduler?.stop(); clearTimeout(this.dueTimer); clearInterval(this.sweepTimer); this.connections?.stop(); } },
      { name: "worker pool", run: () => this.pool?.close({ drainMs }) },
      { name: "waiters", run: () => { this.waiters.releaseAll(); this.outboxes.release(); this.watches.close(); this.router?.subworkers.close(); } },
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
    : await PostgresTaskStore.open(options.journalUrl, { ...(options.journalSync ? { sync: options.journalSync } : {}), log: createLogger({ component: "journal" }) }));
  const cp = new ControlPlane(catalog, store ? { ...options, store } : options);
  await cp.start();
  return cp;
}
