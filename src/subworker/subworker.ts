import { withDeadline } from "../model/deadline.ts";
import { ConfigError, FastWorkerError } from "../errors.ts";
import { WorkerPool } from "../pool/index.ts";
import { loadTaskModules } from "../tasks/index.ts";
import { SubworkerEventBus } from "./events.ts";
import { LeaseLoop } from "./lease-loop.ts";
import { ControlPlaneLink, type Registration } from "./link.ts";
import { resolveSubworkerOptions, type ResolvedSubworkerOptions, type SubworkerOptions } from "./options.ts";
import { newCounters, type SubworkerCounters } from "./counters.ts";
import { FAST_WORKER_PREFETCH, TaskRunner } from "./runner.ts";

export type SubworkerState = "created" | "starting" | "running" | "stopping" | "stopped";

export interface SubworkerStats extends SubworkerCounters {
  workerId: string;
  state: SubworkerState;
  /** Times a control plane welcomed this subworker (1 + reconnects). */
  registrations: number;
  cpId: string | undefined;
  address: string | undefined;
  /** Tasks held right now: running or queued on the pool. */
  running: number;
}

/** A promise settled from outside, that knows whether it has been. */
class Deferred {
  readonly promise: Promise<void>;
  settled = false;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Callers may never await it; a rejection nobody asked about must not crash the process.
    this.promise.catch(() => undefined);
  }

  resolve(): void {
    this.settled = true;
    this.settle.resolve();
  }

  reject(error: unknown): void {
    this.settled = true;
    this.settle.reject(error);
  }
}

/**
 * A process that runs tasks for a control plane: loads the task modules, starts a Bun Worker
 * pool, registers (hello), then leases work up to its free slots and reports the outcomes
 * (see LeaseLoop). It re-registers by itself when the control plane restarts or is
 * unreachable for a while, and stops gracefully on stop(). Signals are the embedder's job.
 */
export class Subworker {
  readonly options: ResolvedSubworkerOptions;
  readonly events: SubworkerEventBus;
  private state: SubworkerState = "created";
  private pool: WorkerPool | undefined;
  private runner: TaskRunner | undefined;
  private link: ControlPlaneLink | undefined;
  private loop: LeaseLoop | undefined;
  private main: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private setup: Promise<void> | undefined;
  private registrations = 0;
  private cpId: string | undefined;
  private readonly firstRegistration = new Deferred();
  private readonly finished = new Deferred();
  private readonly counters = newCounters();

  constructor(options: SubworkerOptions) {
    this.options = resolveSubworkerOptions(options);
    this.events = new SubworkerEventBus(this.options.log);
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Same as workerId. */
  get id(): string {
    return this.options.workerId;
  }

  /** Settles once the subworker is stopped: resolves after stop(), rejects with the error that ended it otherwise. */
  get closed(): Promise<void> {
    return this.finished.promise;
  }

  stats(): SubworkerStats {
    return {
      ...this.counters, workerId: this.workerId, state: this.state, registrations: this.registrations,
      cpId: this.cpId, address: this.link?.address, running: this.runner?.running ?? 0,
    };
  }

  /**
   * Loads the task modules, starts the pool, and resolves once a control plane has welcomed
   * this subworker (waiting, with backoff, for one to be reachable). Rejects with E_REFUSED if
   * the control plane refuses it, and with E_CLOSED if stop() comes first.
   */
  async start(): Promise<void> {
    if (this.state !== "created") throw new FastWorkerError("E_CONFIG", `subworker ${this.workerId} was already started`);
    this.state = "starting";
    this.setup = this.prepare();
    await this.setup;
    await this.firstRegistration.promise;
  }

  /** Loads modules, starts the pool, launches the registration loop; never rejects (failures go through fail()). */
  private async prepare(): Promise<void> {
    const { log, taskModules, cwd, concurrency, prefetch, tasksPerWorker } = this.options;
    try {
      const catalog = await loadTaskModules(taskModules, { cwd });
      if (catalog.names().length === 0) throw new ConfigError(`no task definitions found in ${taskModules.join(", ")}`);
      // A replacement Worker (after a cancel, timeout or crash) is capacity to offer at once, not at the next heartbeat.
      // The pool may hold more per Worker than is leased for slow tasks: fast ones (see TaskRunner) then
      // find their next task already in the Worker, which hides the hop from this thread to it.
      const poolPrefetch = Math.max(FAST_WORKER_PREFETCH, prefetch);
      this.pool = new WorkerPool({
        size: concurrency, taskModules: catalog.modulePaths, prefetch: poolPrefetch, tasksPerWorker, log, onCapacity: () => this.loop?.pump(),
        // Relayed to the control plane with the next report (src/subworker/activity.ts bounds them).
        onProgress: (job, progress) => this.runner?.activity.progress(job, progress),
        onLog: (job, line) => this.runner?.activity.log(job, line),
      });
      await this.pool.start();
      // Leases count the shared tasksPerWorker places: a lease does not say which tasks it will get, and counting a
      // task's own large concurrency would pile other tasks up here (docs/handlers.md, "On subworkers").
      const runner = (this.runner = new TaskRunner(this.pool, { leased: concurrency * (tasksPerWorker + prefetch - 1), pool: concurrency * (tasksPerWorker + poolPrefetch - 1) }, this.counters, log));
      runner.onOutcome = () => this.loop?.pump();
      this.link = new ControlPlaneLink(this.options, catalog.names());
      this.main = this.run(this.link, runner);
    } catch (error) {
      await this.fail(error);
    }
  }

  /**
   * Stops leasing, lets running tasks finish (up to drainMs) and reports them, says bye, closes.
   * Idempotent: a second caller awaits the same stop; `deadlineMs` bounds only this caller's wait.
   */
  stop(options: { deadlineMs?: number } = {}): Promise<void> {
    this.stopping ??= this.shutdown();
    return withDeadline(this.stopping, options.deadlineMs, () => `state ${this.state}`, "the subworker");
  }

  /** One registration after another until stopped or refused. */
  private async run(link: ControlPlaneLink, runner: TaskRunner): Promise<void> {
    const { log } = this.options;
    while (this.state === "starting" || this.state === "running") {
      let registration: Registration;
      try {
        registration = await link.register();
      } catch (error) {
        if (!this.stopRequested()) await this.fail(error);
        return;
      }
      if (this.stopRequested()) return;
      const { connection, welcome } = registration;
      this.registrations++;
      this.cpId = welcome.cpId;
      this.state = "running";
      log("info", "registered with the control plane", {
        workerId: this.workerId, cpId: welcome.cpId, address: connection.address, concurrency: this.options.concurrency, heartbeatMs: welcome.heartbeatMs,
      });
      this.events.emit("registered", { cpId: welcome.cpId, address: connection.address, heartbeatMs: welcome.heartbeatMs, registrations: this.registrations });
      this.firstRegistration.resolve();
      const loop = new LeaseLoop({ connection, workerId: this.workerId, heartbeatMs: welcome.heartbeatMs, maxFrameBytes: this.options.maxFrameBytes, log }, runner);
      this.loop = loop;
      loop.pump();
      const end = await loop.done;
      this.loop = undefined;
      if (end.reason === "stopped") return;
      // Whatever we hold was re-queued by the control plane (or it never knew): finishing it here would be wasted.
      const dropped = runner.abandon();
      if (end.reason === "transport") link.connectionLost(end.error);
      const error = end.reason === "transport" ? String(end.error) : undefined;
      log("warn", end.reason === "reregister"
        ? "the control plane does not know this subworker any more (it restarted or timed us out); registering again"
        : "lost the control plane; reconnecting", {
        workerId: this.workerId, droppedRunning: dropped.running, droppedOutcomes: dropped.unreported, ...(error ? { error } : {}),
      });
      this.events.emit("disconnected", { reason: end.reason, droppedRunning: dropped.running, droppedOutcomes: dropped.unreported, ...(error ? { error } : {}) });
    }
  }

  /** A method, not a field test: the state changes across the awaits of run(). */
  private stopRequested(): boolean {
    return this.state === "stopping" || this.state === "stopped";
  }

  private async shutdown(): Promise<void> {
    if (this.state === "stopped") return;
    if (this.state === "created") {
      this.state = "stopped";
      this.finished.resolve();
      return;
    }
    this.state = "stopping";
    // A start() still loading modules or spawning Workers finishes first, so all it made is released below.
    await this.setup;
    if (this.finished.settled) return;
    const { log, drainMs } = this.options;
    const loop = this.loop;
    const runner = this.runner;
    if (loop) {
      log("info", "stopping: no new tasks; letting running tasks finish", { workerId: this.workerId, running: runner?.running ?? 0, drainMs });
      loop.drain();
    } else {
      await this.link?.close(); // not registered: abandons a hello in flight or a reconnect backoff
    }
    // Outcomes keep flowing to the loop (and out in reports) while the pool drains.
    await this.pool?.close({ drainMs: loop ? drainMs : 0 });
    if (loop && this.loop === loop && runner && this.link) {
      const answering = await loop.finish(this.options.requestTimeoutMs);
      await this.sayBye(runner, this.link, answering);
    }
    await this.link?.close();
    await this.main;
    this.state = "stopped";
    log("info", "subworker stopped", { ...this.stats() });
    this.firstRegistration.reject(new FastWorkerError("E_CLOSED", "the subworker was stopped before a control plane welcomed it"));
    this.events.emit("stopped", {});
    this.finished.resolve();
  }

  /** The last outcomes go with bye; the control plane re-queues anything else this subworker held. */
  private async sayBye(runner: TaskRunner, link: ControlPlaneLink, answering: boolean): Promise<void> {
    const outcomes = runner.takeOutcomes();
    if (!answering) {
      runner.counters.dropped += outcomes.length;
      this.options.log("warn", "the control plane is not answering; leaving without bye (it will time this subworker out and re-queue what it held)", { outcomes: outcomes.length });
      return;
    }
    try {
      await link.bye(outcomes);
      runner.counters.reported += outcomes.length;
    } catch (error) {
      runner.counters.dropped += outcomes.length;
      this.options.log("warn", "bye was not delivered; the control plane will time this subworker out and re-queue what it held", { error: String(error), outcomes: outcomes.length });
    }
  }

  /** Gives up for good: one clear log line, everything released, start() and closed reject with the error. */
  private async fail(error: unknown): Promise<void> {
    if (this.finished.settled) return;
    const failure = error instanceof Error ? error : new FastWorkerError("E_INTERNAL", String(error));
    const code = failure instanceof FastWorkerError ? failure.code : "E_INTERNAL";
    const what = code === "E_REFUSED" ? "the control plane refused this subworker" : "the subworker cannot run";
    this.options.log("error", `${what} (${code}): ${failure.message}`, { workerId: this.workerId, code });
    this.state = "stopping";
    this.runner?.abandon();
    await this.pool?.close();
    await this.link?.close();
    this.state = "stopped";
    this.events.emit("fatal", { error: failure });
    this.firstRegistration.reject(failure);
    this.finished.reject(failure);
  }
}

/** Creates a subworker and starts it: resolves once it is registered with a control plane. */
export async function createSubworker(options: SubworkerOptions): Promise<Subworker> {
  const subworker = new Subworker(options);
  await subworker.start();
  return subworker;
}
