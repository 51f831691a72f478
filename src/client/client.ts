import { address, addressList, resolve } from "../config.ts";
import { FastWorkerError, fromWireError, TaskError, UnavailableError } from "../errors.ts";
import { discover, DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { DEFAULT_ADDRESS, DEFAULT_CONNECT_TIMEOUT_MS } from "../model/defaults.ts";
import { buildSpec, unwrapRecord, DEFAULT_MAX_FRAME_BYTES, MAX_STATUS_WORKERS_LIMIT, PROTOCOL_VERSION, type TaskRef, type TaskSpec } from "../protocol/index.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import { SubmitTracing } from "../telemetry/client-tracing.ts";
import { FailoverConnection } from "../connection/failover.ts";
import { envToken, peerSecurity } from "../auth/peer-security.ts";
import { Submitter } from "./submitter.ts";
import { Backpressure } from "./backpressure.ts";
import type { BatchItem, ClientOptions, ClusterStatus, SubmitOptions, TaskResultRecord } from "./types.ts";

/** The least time the first status request gets, even when discovery used up the budget. */
const MIN_FIRST_ANSWER_MS = 200;

/**
 * An address from the environment (FASTWORKER_CONTROL_PLANE_ADDRESS, FASTWORKER_DISCOVERY_ADDRESS),
 * as documented in docs/configuration.md; options given in code win.
 * @throws ConfigError (E_CONFIG) naming the variable when it is not an NNG address.
 */
function envAddress(name: string, parse: (raw: string) => string = address): string | undefined {
  const value = resolve({ flag: name, env: name, parse, fallback: "" }, undefined, process.env);
  return value === "" ? undefined : value;
}

/**
 * Submits tasks to a control plane and reads their results.
 *
 *   const client = new Client({ address: "tcp://127.0.0.1:5555" });
 *   await client.start();
 *   const sum = await client.submit(add, [2, 3]);   // typed from the definition: number
 *   const id = await client.delay("report", "q3");  // returns at once with the task id
 */
export class Client {
  private connection: FailoverConnection | undefined;
  private readonly submitter: Submitter;
  private readonly connectTimeoutMs: number;
  private readonly maxFrameBytes: number;
  /** Telemetry: set by start() when an OpenTelemetry SDK is registered; undefined costs one check per task. */
  private tracing: SubmitTracing | undefined;

  constructor(private readonly options: ClientOptions = {}) {
    this.submitter = new Submitter(() => this.connected(), new Backpressure(options.backpressure));
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Tasks the control plane refused for now (E_QUEUE_FULL) that this client is waiting to submit again. */
  get waitingForRoom(): number {
    return this.submitter.waitingForRoom;
  }

  /** The control plane address in use (after start). */
  get address(): string | undefined {
    return this.connection?.address;
  }

  /**
   * Connects and checks the control plane answers; rejects with E_UNAVAILABLE after the
   * connect timeout. Without an address, discovery finds it (falling back to tcp://127.0.0.1:5555).
   */
  async start(): Promise<this> {
    if (this.connection) return this;
    this.tracing = SubmitTracing.create();
    // One budget for discovery and the first answer together, so start() fails within about connectTimeoutMs.
    const deadline = performance.now() + this.connectTimeoutMs;
    const { addresses, discovered } = await this.addresses();
    const connection = new FailoverConnection({
      addresses, connectTimeoutMs: this.connectTimeoutMs, maxFrameBytes: this.maxFrameBytes,
      // Found by discovery: after a takeover, discovery names the new leader.
      ...(discovered ? { rediscover: (timeoutMs: number) => this.rediscover(timeoutMs) } : {}),
      onFailover: () => this.submitter.failedOver(),
      security: peerSecurity({ ...this.options, ...envToken(this.options.token, "FASTWORKER_TOKEN") }, "client"),
      ...(this.options.failoverTimeoutMs !== undefined ? { failoverTimeoutMs: this.options.failoverTimeoutMs } : {}),
    });
    try {
      // The budget left is shared by the addresses (each gets its part), so start() still ends within about connectTimeoutMs.
      const leftMs = Math.max(MIN_FIRST_ANSWER_MS, Math.round(deadline - performance.now()));
      const eachMs = Math.max(MIN_FIRST_ANSWER_MS, Math.round(leftMs / addresses.length));
      await connection.call({ v: PROTOCOL_VERSION, type: "status" }, "status_reply", 0, eachMs, leftMs);
    } catch (error) {
      await connection.close();
      throw error;
    }
    this.connection = connection;
    return this;
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    this.submitter.abort(new FastWorkerError("E_CLOSED", "the client was stopped"));
    await connection?.close();
  }

  // NoInfer: the definition alone fixes the argument types, so wrong arguments are a compile error
  // (inferred from both, TaskDefinition's bivariant handler would let any tuple through). The
  // definition's overload comes last because TypeScript reports the last overload's error: a wrong
  // argument then reads "'[string, number]' is not assignable to '[x: number, y: number]'".
  /** Submits without waiting for the result; resolves to the task id once accepted. */
  delay(task: string, ...args: unknown[]): Promise<string>;
  delay<A extends unknown[], R>(task: TaskDefinition<A, R>, ...args: NoInfer<A>): Promise<string>;
  delay(task: TaskRef, ...args: unknown[]): Promise<string> {
    return this.accept(this.spec(task, args, {}));
  }

  /** Like delay(), with options (priority, eta, countdown, retries, callback, ...). */
  enqueue(task: string, args?: unknown[], options?: SubmitOptions): Promise<string>;
  enqueue<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<string>;
  enqueue(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<string> {
    return this.accept(this.spec(task, args, options));
  }

  /** Submits and waits: resolves to the handler's return value, rejects with a TaskError. */
  submit<R = unknown>(task: string, args?: unknown[], options?: SubmitOptions): Promise<R>;
  submit<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<R>;
  async submit(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<unknown> {
    const spec = this.spec(task, args, options);
    if (this.tracing === undefined) return unwrapRecord(await this.submitter.run(spec));
    // Telemetry: the span covers the wait for the result, so a task failure is recorded on it too.
    return this.tracing.submit(spec, async () => unwrapRecord(await this.submitter.run(spec)));
  }

  /** Many tasks in one frame; resolves to their ids in order. */
  async submitBatch(items: readonly BatchItem[]): Promise<string[]> {
    const specs = items.map((item) => this.spec(item.task, item.args ?? [], item.options ?? {}));
    return Promise.all(specs.map((spec) => this.accept(spec)));
  }

  /** Submits with a completion callback: the control plane notifies `address` (NNG PAIR) when the task ends. */
  delayWithCallback(task: TaskRef, callbackAddress: string, args: unknown[] = [], options: SubmitOptions & { callbackData?: unknown } = {}): Promise<string> {
    const { callbackData, ...rest } = options;
    return this.enqueue(task as string, args, { ...rest, callback: { address: callbackAddress, data: callbackData } });
  }

  /**
   * The full record of a task. With `wait`, waits until it is finished (true = as long as it
   * takes, a number = at most that many ms). Rejects with E_TASK_NOT_FOUND for unknown or expired ids.
   */
  async result(id: string, options: { wait?: boolean | number } = {}): Promise<TaskResultRecord> {
    if (options.wait === true) return this.submitter.await(id);
    const waitMs = typeof options.wait === "number" ? options.wait : 0;
    const reply = await this.connected().call({ v: PROTOCOL_VERSION, type: "result", ids: [id], ...(waitMs > 0 ? { waitMs } : {}) }, "results", waitMs);
    const record = reply.results[0];
    if (record) return record;
    const missing = reply.missing[0];
    throw missing ? fromWireError(missing.error, id) : new TaskError("E_TASK_NOT_FOUND", `task ${id} is not known`, { taskId: id });
  }

  /** Cancels a queued, scheduled or running task; false if it had already finished. */
  async cancel(id: string): Promise<boolean> {
    const reply = await this.connected().call({ v: PROTOCOL_VERSION, type: "cancel", ids: [id] }, "cancelled");
    const outcome = reply.outcomes[0];
    if (outcome?.error) throw fromWireError(outcome.error, id);
    return outcome?.cancelled ?? false;
  }

  /**
   * Queues, workers, cache and registered tasks of the control plane. `workers` is one page
   * (default the first 500, `workersLimit` at most 5 000); `workersTotal` counts them all.
   * `standby: true` lets a standby control plane answer with its own role instead of E_NOT_LEADER.
   */
  async status(page: { workersOffset?: number; workersLimit?: number; standby?: boolean } = {}): Promise<ClusterStatus> {
    const { v: _v, type: _type, ...status } = await this.connected().call({ v: PROTOCOL_VERSION, type: "status", ...page }, "status_reply");
    return status;
  }

  /** Subworkers and the control plane's own pool currently taking work (every page of them). */
  async workerCount(): Promise<number> {
    let active = 0;
    for (let offset = 0; ; ) {
      const { workers, workersTotal } = await this.status({ workersOffset: offset, workersLimit: MAX_STATUS_WORKERS_LIMIT });
      active += workers.filter((w) => w.state === "active").length;
      offset += workers.length;
      if (workers.length === 0 || offset >= workersTotal) return active;
    }
  }

  /** Submits without waiting; under a PRODUCER span (ended on acceptance) when tracing is on. */
  private accept(spec: TaskSpec): Promise<string> {
    return this.tracing === undefined ? this.submitter.enqueue(spec) : this.tracing.submit(spec, () => this.submitter.enqueue(spec));
  }

  private spec(task: TaskRef, args: unknown[], options: SubmitOptions): TaskSpec {
    return buildSpec(task, args, options);
  }

  private connected(): FailoverConnection {
    if (!this.connection) throw new UnavailableError("the client is not started: call await client.start() first");
    return this.connection;
  }

  /** `addresses`, else `address`, else $FASTWORKER_CONTROL_PLANE_ADDRESS (comma-separated), else discovery. */
  private async addresses(): Promise<{ addresses: string[]; discovered: boolean }> {
    const { addresses, address: one } = this.options;
    if (addresses !== undefined) {
      if (addresses.length === 0) throw new FastWorkerError("E_CONFIG", "ClientOptions.addresses must name at least one control plane address");
      return { addresses: addresses.map((a) => checkedAddress(a, "ClientOptions.addresses")), discovered: false };
    }
    if (one !== undefined) return { addresses: [one], discovered: false };
    const fromEnv = envAddress("FASTWORKER_CONTROL_PLANE_ADDRESS", addressList);
    return fromEnv !== undefined ? { addresses: fromEnv.split(","), discovered: false } : { addresses: [await this.discoverAddress()], discovered: true };
  }

  /** Whoever announces itself now (undefined: nobody within `timeoutMs`, so the caller keeps waiting or gives up). */
  private async rediscover(timeoutMs: number): Promise<string | undefined> {
    try {
      return (await discover(this.discoveryAddress(), timeoutMs)).address;
    } catch (error) {
      if (error instanceof UnavailableError) return undefined;
      throw error;
    }
  }

  private discoveryAddress(): string {
    return this.options.discoveryAddress ?? envAddress("FASTWORKER_DISCOVERY_ADDRESS") ?? DEFAULT_DISCOVERY_ADDRESS;
  }

  private async discoverAddress(): Promise<string> {
    try {
      // Half the budget at most: the fallback address must still get its chance to answer.
      return (await discover(this.discoveryAddress(), Math.min(Math.round(this.connectTimeoutMs / 2), 3000))).address;
    } catch (error) {
      if (error instanceof UnavailableError) return DEFAULT_ADDRESS;
      throw error;
    }
  }
}

/** @throws FastWorkerError (E_CONFIG) naming the option when `raw` is not an NNG address. */
function checkedAddress(raw: string, option: string): string {
  try {
    return address(raw);
  } catch (error) {
    throw new FastWorkerError("E_CONFIG", `${option}: ${(error as Error).message}`);
  }
}
