/**
 * The `fw` object `fastworker()` puts in Elysia's context: a Client, or in embedded mode a control
 * plane in this process with its in-process client, started with the app. Elysia's onStart only
 * fires on listen(), so an app served through app.handle() alone starts it on first use instead.
 */
import { Client, type ClientOptions, type ClusterStatus, type SubmitOptions, type TaskResultRecord } from "../client/index.ts";
import {
  createCommands, createControlPlane, createView, type ControlPlane, type ControlPlaneOptions, type EmbeddedClient,
} from "../control-plane/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { ConfigError, FastWorkerError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import type { TaskRef, WorkerInfo } from "../protocol/index.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import { createDashboardApp, type DashboardApp, type DashboardAppOptions } from "../server/index.ts";

/** Options shared by both modes. */
interface CommonOptions {
  /** How often `fw.workerCount` is refreshed from the control plane's status (remote mode). Default 2 000 ms. */
  workerCountIntervalMs?: number;
  log?: Logger;
}

/** A control plane elsewhere, reached over NNG. */
export interface RemoteFastWorkerOptions extends CommonOptions, Pick<ClientOptions, "token" | "tlsCa" | "tlsCert" | "tlsKey"> {
  /** The control plane's NNG address; without it, discovery, then tcp://127.0.0.1:5555. */
  address?: string;
  discoveryAddress?: string;
  connectTimeoutMs?: number;
  embedded?: undefined;
}

/** The dashboard mounted on the app in embedded mode. */
export interface EmbeddedDashboardOptions extends Pick<DashboardAppOptions, "token" | "host" | "assets" | "events"> {
  /** The URL path it lives under. Default "/fastworker". */
  prefix?: string;
}

export interface EmbeddedControlPlaneOptions extends ControlPlaneOptions {
  /** The dashboard (API, event stream and GUI) on the same app; false leaves it out. Default { prefix: "/fastworker" }. */
  dashboard?: EmbeddedDashboardOptions | false;
  /** How long running tasks may finish when the app stops. Default 0 (they are interrupted). */
  drainMs?: number;
}

/** A control plane inside this process; it still listens on its NNG address for subworkers and remote clients. */
export interface EmbeddedFastWorkerOptions extends CommonOptions {
  embedded: EmbeddedControlPlaneOptions;
}

export type FastWorkerOptions = RemoteFastWorkerOptions | EmbeddedFastWorkerOptions;

/** What both Client and EmbeddedClient offer, as one signature each (their overloads narrow it for callers). */
interface Backend {
  delay(task: TaskRef, ...args: unknown[]): Promise<string>;
  enqueue(task: TaskRef, args?: unknown[], options?: SubmitOptions): Promise<string>;
  submit(task: TaskRef, args?: unknown[], options?: SubmitOptions): Promise<unknown>;
  result(id: string, options?: { wait?: boolean | number }): Promise<TaskResultRecord>;
  cancel(id: string): Promise<boolean>;
  status(): Promise<ClusterStatus>;
}

interface Opened {
  backend: Backend;
  client?: Client;
  cp?: ControlPlane;
  dashboard?: DashboardApp;
}

export const DEFAULT_DASHBOARD_PREFIX = "/fastworker";

const activeCount = (workers: readonly WorkerInfo[]): number => workers.filter((w) => w.state === "active").length;

export class FastWorker {
  /** Where the plugin reports start and refresh failures (options.log, else stderr). */
  readonly log: Logger;
  private opening: Promise<Opened> | undefined;
  private opened: Opened | undefined;
  private stopping: Promise<void> | undefined;
  private closed = false;
  private refreshTimer: ReturnType<typeof setInterval> | undefined;
  private refreshing = false;
  private lastWorkerCount = 0;
  private statusFailing = false;

  constructor(private readonly options: FastWorkerOptions = {}) {
    this.log = options.log ?? createLogger({ component: "fastworker-elysia" });
  }

  /** True once started, until stopped. */
  get running(): boolean {
    return this.opened !== undefined && !this.closed;
  }

  /**
   * Active capacity sources (subworkers and the control plane's own pool). Remote mode: as of the
   * last status refresh (at start, then every 2 s); embedded mode: read live, it costs nothing.
   */
  get workerCount(): number {
    const cp = this.opened?.cp;
    return cp ? activeCount(cp.workers()) : this.lastWorkerCount;
  }

  /** Embedded mode: the control plane in this process (subscribe to its events with `.on()`); undefined before start and in remote mode. */
  get controlPlane(): ControlPlane | undefined {
    return this.opened?.cp;
  }

  /** Remote mode: the underlying Client; undefined before start and in embedded mode. */
  get client(): Client | undefined {
    return this.opened?.client;
  }

  /** Connects (or starts the embedded control plane); concurrent and repeated calls share one start. Also reopens after stop(). */
  async start(): Promise<void> {
    if (this.stopping) await this.stopping;
    this.closed = false;
    await this.open();
  }

  /** Disconnects (or stops the embedded control plane and its dashboard); idempotent. Later calls reject with E_CLOSED until start(). */
  stop(): Promise<void> {
    this.closed = true;
    this.stopping ??= this.close().finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  // NoInfer: the definition alone fixes the argument types, so wrong arguments are a compile error
  // (inferred from both, TaskDefinition's bivariant handler would let any tuple through). The
  // definition's overload comes last because TypeScript reports the last overload's error: a wrong
  // argument then reads "'[string, number]' is not assignable to '[x: number, y: number]'".
  delay(task: string, ...args: unknown[]): Promise<string>;
  delay<A extends unknown[], R>(task: TaskDefinition<A, R>, ...args: NoInfer<A>): Promise<string>;
  async delay(task: TaskRef, ...args: unknown[]): Promise<string> {
    return (await this.backend()).delay(task, ...args);
  }

  enqueue(task: string, args?: unknown[], options?: SubmitOptions): Promise<string>;
  enqueue<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<string>;
  async enqueue(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<string> {
    return (await this.backend()).enqueue(task, args, options);
  }

  submit<R = unknown>(task: string, args?: unknown[], options?: SubmitOptions): Promise<R>;
  submit<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<R>;
  async submit(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<unknown> {
    return (await this.backend()).submit(task, args, options);
  }

  /** The task's record; `wait: true` waits for it to finish, a number waits at most that many ms. */
  async result(id: string, options: { wait?: boolean | number } = {}): Promise<TaskResultRecord> {
    return (await this.backend()).result(id, options);
  }

  async cancel(id: string): Promise<boolean> {
    return (await this.backend()).cancel(id);
  }

  async status(): Promise<ClusterStatus> {
    const status = await (await this.backend()).status();
    // A status reply lists one page of workers: only a complete list gives the count.
    if (status.workers.length === status.workersTotal) this.lastWorkerCount = activeCount(status.workers);
    return status;
  }

  /** Embedded mode with the dashboard on: its app, created with the control plane. */
  async dashboard(): Promise<DashboardApp | undefined> {
    return (await this.open()).dashboard;
  }

  private async backend(): Promise<Backend> {
    return (await this.open()).backend;
  }

  private open(): Promise<Opened> {
    if (this.closed) return Promise.reject(new FastWorkerError("E_CLOSED", "fastworker was stopped (with the app); call fw.start() to use it again"));
    // A failed start is forgotten so the next call tries again (the control plane may be up by then).
    this.opening ??= this.connect().then(
      (opened) => (this.opened = opened),
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    return this.opening;
  }

  private async connect(): Promise<Opened> {
    const options = this.options;
    if (options.embedded) return this.startEmbedded(options.embedded);
    const client = await new Client({
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.discoveryAddress !== undefined ? { discoveryAddress: options.discoveryAddress } : {}),
      ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.tlsCa !== undefined ? { tlsCa: options.tlsCa } : {}),
      ...(options.tlsCert !== undefined ? { tlsCert: options.tlsCert } : {}),
      ...(options.tlsKey !== undefined ? { tlsKey: options.tlsKey } : {}),
    }).start();
    const opened: Opened = { backend: client, client };
    await this.refreshWorkerCount(client);
    this.refreshTimer = setInterval(() => void this.refreshWorkerCount(client), options.workerCountIntervalMs ?? 2_000);
    // The app's own server keeps the process alive; this timer must not.
    this.refreshTimer.unref();
    return opened;
  }

  private async startEmbedded(embedded: EmbeddedControlPlaneOptions): Promise<Opened> {
    const { dashboard, drainMs: _drainMs, ...cpOptions } = embedded;
    // The control plane and dashboard log as themselves unless told otherwise.
    const log = cpOptions.log ?? this.options.log;
    const cp = await createControlPlane({ ...cpOptions, ...(log ? { log } : {}) });
    const backend: EmbeddedClient = cp.client();
    if (dashboard === false) return { backend, cp };
    const { prefix, ...appOptions } = dashboard ?? {};
    const app = createDashboardApp(createView(cp), createCommands(cp), {
      ...appOptions, basePath: `${dashboardPrefix(prefix)}/`, ...(log ? { log } : {}),
      discoveryAddress: cpOptions.discoveryAddress === undefined ? DEFAULT_DISCOVERY_ADDRESS : cpOptions.discoveryAddress,
    });
    return { backend, cp, dashboard: app };
  }

  private async refreshWorkerCount(client: Client): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      this.lastWorkerCount = await client.workerCount(); // every page of the worker list
      if (this.statusFailing) this.log("info", "the control plane answers status again", { address: client.address });
      this.statusFailing = false;
    } catch (error) {
      // Nothing is reachable through this client right now: no capacity, said once per outage.
      this.lastWorkerCount = 0;
      if (!this.statusFailing) this.log("warn", "could not refresh the worker count from the control plane", { address: client.address, error: String(error) });
      this.statusFailing = true;
    } finally {
      this.refreshing = false;
    }
  }

  private async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const [outcome] = await Promise.allSettled([opening]);
    // After the start settled: a start still under way when stop() came sets the timer late.
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    // A start that failed opened nothing; its error already went to whoever awaited it.
    if (outcome.status === "rejected") return;
    const { client, cp, dashboard } = outcome.value;
    this.opened = undefined;
    dashboard?.store.dashboard.close();
    await client?.stop();
    const drainMs = this.options.embedded?.drainMs;
    await cp?.stop(drainMs !== undefined ? { drainMs } : {});
  }
}

/** "/fastworker", "fastworker/" and "/fastworker/" all mean "/fastworker"; the app's root is refused (it would shadow every route). */
export function dashboardPrefix(given: string | undefined): string {
  const prefix = `/${(given ?? DEFAULT_DASHBOARD_PREFIX).replace(/^\/+|\/+$/g, "")}`;
  if (prefix === "/") throw new ConfigError("the embedded dashboard needs a path prefix such as /fastworker (it cannot take over the app's root)");
  if (/[?#*:]/.test(prefix)) throw new ConfigError(`the dashboard prefix "${prefix}" must be a plain path (no ?, #, * or :)`);
  return prefix;
}
