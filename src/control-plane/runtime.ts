/**
 * What a started control plane holds besides its task state, and lets go of on stop: the local
 * Bun Worker pool, the NNG endpoint (REP socket, router, connection limits), the discovery
 * announcer and the housekeeping timer. `acquire()` takes them in order (recovery from the
 * journal before the socket opens, so no request sees a half-recovered table); `releaseSteps()`
 * lists them for lifecycle.ts, each step tolerating one a failed start never acquired.
 */
import { availableParallelism } from "node:os";
import type { Logger } from "../log.ts";
import type { RepSocket } from "../nng/index.ts";
import type { Outcome, WorkerInfo } from "../protocol/index.ts";
import type { WorkerPool } from "../pool/index.ts";
import type { TaskStore } from "../store/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS, type Announcer } from "../discovery/index.ts";
import type { ControlPlaneTelemetry } from "../telemetry/control-plane.ts";
import { startAnnouncing } from "./announcing.ts";
import type { CallbackSender } from "./callbacks.ts";
import type { ConnectionLimits } from "./connection-limits.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { DueTimer } from "./due-timer.ts";
import { createLocalPool, localSource, type LocalPoolSettings } from "./local-pool.ts";
import { startMaintenance } from "./maintenance.ts";
import { openEndpoint } from "./nng-endpoint.ts";
import { DEFAULT_PREFETCH, type ControlPlaneOptions, type ResolvedOptions } from "./options.ts";
import type { Outboxes } from "./outboxes.ts";
import { recoverFromStore } from "./recovery.ts";
import type { RequestRouter, RouterHost } from "./request-router.ts";
import type { Schedules } from "./schedules.ts";
import type { ReleaseStep } from "./shutdown.ts";
import type { TaskActivity } from "./task-activity.ts";
import type { TaskEntry } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";
import type { ResultWaiters } from "./waiters.ts";
import type { Watches } from "./watches.ts";

/** The components the runtime starts, feeds and releases, by name. */
export interface RuntimeParts {
  readonly id: string;
  readonly address: string;
  readonly options: ControlPlaneOptions;
  readonly resolved: ResolvedOptions;
  readonly catalog: TaskCatalog;
  readonly log: Logger;
  readonly table: TaskTable;
  readonly activity: TaskActivity;
  readonly dispatcher: Dispatcher;
  readonly store: TaskStore;
  readonly waiters: ResultWaiters;
  readonly outboxes: Outboxes;
  readonly watches: Watches;
  readonly callbacks: CallbackSender;
  readonly periodic: Schedules;
  readonly dueTimer: DueTimer;
  readonly telemetry: ControlPlaneTelemetry<TaskEntry> | undefined;
  /** What the request router answers from (the control plane's requests, by name). */
  readonly endpointHost: RouterHost;
  outcome(outcome: Outcome): void;
  afterChange(): void;
}

export class Runtime {
  private pool: WorkerPool | undefined;
  private rep: RepSocket | undefined;
  private endpointRouter: RequestRouter | undefined;
  private connections: ConnectionLimits | undefined;
  private announcer: Announcer | undefined;
  private maintenance: { stop(): void } | undefined;

  /** Bun Workers of the local pool (--concurrency, default one per core); 0: tasks run on subworkers only. */
  readonly concurrency: number;

  constructor(private readonly parts: RuntimeParts) {
    this.concurrency = parts.options.concurrency ?? availableParallelism();
  }

  get router(): RequestRouter | undefined {
    return this.endpointRouter;
  }

  /** Every capacity source, then the subworkers that went silent and are not forgotten yet. */
  workers(): WorkerInfo[] {
    const inactive = this.endpointRouter?.subworkers.inactive() ?? [];
    return [...this.parts.dispatcher.all().map((s) => s.info()), ...inactive];
  }

  /** The discovery address announced on, or undefined (off, or it could not be bound). */
  get announcingOn(): string | undefined {
    return this.announcer ? (this.parts.options.discoveryAddress ?? DEFAULT_DISCOVERY_ADDRESS) : undefined;
  }

  async acquire(): Promise<void> {
    const { options, resolved, log, table, store } = this.parts;
    // Telemetry: imports FASTWORKER_OTEL_SETUP and looks for an SDK before any task is admitted.
    await this.parts.telemetry?.start();
    const concurrency = this.concurrency;
    if (concurrency > 0) {
      const local: LocalPoolSettings = {
        id: `${this.parts.id}/local`, concurrency, prefetch: options.prefetch ?? DEFAULT_PREFETCH, catalog: this.parts.catalog, table,
        activity: this.parts.activity, log, onCapacity: () => this.parts.dispatcher.schedule(), onOutcome: (o) => this.parts.outcome(o),
        ...(options.tasksPerWorker !== undefined ? { tasksPerWorker: options.tasksPerWorker } : {}),
      };
      this.pool = createLocalPool(local); // kept before the await: a failed start closes it
      await this.pool.start();
      this.parts.dispatcher.add(localSource(local, this.pool));
    }
    await recoverFromStore(store, table, this.parts.catalog, log);
    this.parts.afterChange();
    const endpoint = openEndpoint(this.parts.endpointHost, {
      resolved, log,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.workerToken !== undefined ? { workerToken: options.workerToken } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    });
    ({ rep: this.rep, router: this.endpointRouter, connections: this.connections } = endpoint);
    this.announcer = startAnnouncing({
      discoveryAddress: options.discoveryAddress, cpId: this.parts.id, address: this.parts.address, log,
      ...(options.guiUrl ? { guiUrl: options.guiUrl } : {}),
    });
    this.maintenance = startMaintenance({ table, outboxes: this.parts.outboxes, store, intervalMs: resolved.cleanupIntervalMs });
  }

  /** In order; each tolerates a resource a failed start never acquired. */
  releaseSteps(drainMs: number): ReleaseStep[] {
    const p = this.parts;
    return [
      { name: "timers", run: () => { p.periodic.stop(); p.dueTimer.stop(); this.maintenance?.stop(); this.connections?.stop(); } },
      { name: "worker pool", run: () => this.pool?.close({ drainMs }) },
      { name: "waiters", run: () => { p.waiters.releaseAll(); p.outboxes.releaseAll(); p.watches.close(); this.endpointRouter?.subworkers.close(); } },
      { name: "discovery announcer", run: () => this.announcer?.close() },
      { name: "released replies", run: () => Bun.sleep(0) }, // let released waiters send their replies before the socket closes
      { name: "request socket", run: () => this.rep?.close() },
      { name: "callbacks", run: () => p.callbacks.close() },
      { name: "task store", run: () => p.store.close() },
      { name: "telemetry", run: () => p.telemetry?.stop() },
    ];
  }
}
