import { hostname } from "node:os";
import { Connection } from "../connection/connection.ts";
import { failoverCause, leaderHint } from "../connection/failover.ts";
import { discover } from "../discovery/index.ts";
import { FastWorkerError } from "../errors.ts";
import { FASTWORKER_VERSION, PROTOCOL_VERSION, type Outcome, type ReplyOf } from "../protocol/index.ts";
import { computeBackoffMs, type BackoffPolicy } from "../queue/backoff.ts";
import type { ResolvedSubworkerOptions } from "./options.ts";

/** Reconnect pacing: quick at first (a control plane restarting), then at most every 5 s. */
const RECONNECT_BACKOFF: BackoffPolicy = { baseMs: 100, factor: 2, maxMs: 5_000, jitter: 0.2 };
/** While still disconnected, repeat the warning every this many attempts (about once a minute at the cap). */
const WARN_EVERY = 12;
/** Errors no retry can fix: the control plane refused us, or the configuration is wrong. */
const FATAL_CODES = new Set(["E_REFUSED", "E_ADDRINVAL", "E_CONFIG", "E_UNSUPPORTED_VERSION"]);

export interface Registration {
  connection: Connection;
  welcome: ReplyOf<"welcome">;
}

export function isFatal(error: unknown): error is FastWorkerError {
  return error instanceof FastWorkerError && FATAL_CODES.has(error.code);
}

/**
 * The subworker's way to its control plane: finds it (the given address, or discovery), and
 * says hello until it is welcomed, backing off with jitter between tries so a fleet of
 * subworkers does not stampede a control plane that is coming back.
 */
export class ControlPlaneLink {
  private connection: Connection | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  /** Which of the given addresses to try next (several: active and standbys). */
  private index = 0;
  /** The leader a standby named, tried before the list; dropped once it fails. */
  private leader: string | undefined;

  constructor(private readonly options: ResolvedSubworkerOptions, private readonly taskNames: readonly string[]) {}

  /** Address of the control plane in use, once one was found. */
  get address(): string | undefined {
    return this.connection?.address;
  }

  /**
   * Resolves with the first welcome. Rejects with a fatal error (E_REFUSED and the like) at
   * once, or with E_CLOSED when close() is called meanwhile; retries everything else.
   */
  async register(): Promise<Registration> {
    const { log, workerId } = this.options;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new FastWorkerError("E_CLOSED", "the subworker stopped before it was registered");
      try {
        const connection = await this.connect();
        const welcome = await connection.call({
          v: PROTOCOL_VERSION, type: "hello", workerId, capacity: this.options.concurrency * this.options.tasksPerWorker, tasks: [...this.taskNames],
          protocol: PROTOCOL_VERSION, version: FASTWORKER_VERSION, host: hostname(), pid: process.pid,
        }, "welcome");
        if (attempt > 1) log("info", "reached the control plane again", { address: connection.address, attempts: attempt });
        return { connection, welcome };
      } catch (error) {
        if (this.closed) throw new FastWorkerError("E_CLOSED", "the subworker stopped before it was registered", { cause: error });
        if (isFatal(error)) throw error;
        // A wrong token at a given address will not fix itself; one found by discovery may be a squatter, so keep looking.
        if (error instanceof FastWorkerError && error.code === "E_UNAUTHORIZED" && this.options.controlPlaneAddress !== undefined) throw error;
        // Several control planes: the next one right away, and the backoff only once each was tried.
        const wrapped = this.moveOn(error);
        const delayMs = wrapped ? computeBackoffMs(attempt, RECONNECT_BACKOFF) : 0;
        const fields = { address: this.connection?.address ?? this.options.controlPlaneAddress, attempt, retryInMs: delayMs, error: String(error) };
        log(attempt === 1 || attempt % WARN_EVERY === 0 ? "warn" : "debug", "control plane not reachable; retrying", fields);
        await this.sleep(delayMs);
      }
    }
  }

  /**
   * The registration ended on a transport error (or a standby's E_NOT_LEADER): the next
   * register() starts at the leader it named, else at the next address, not at the one just lost.
   */
  connectionLost(error: unknown): void {
    if (failoverCause(error) !== undefined) this.moveOn(error);
  }

  /** Picks the address after a failure; true when a whole round of addresses has failed (time to back off). */
  private moveOn(error: unknown): boolean {
    const addresses = this.options.controlPlaneAddresses;
    const hint = leaderHint(error);
    const failedAt = this.connection?.address;
    if (hint !== undefined && hint !== failedAt) {
      this.leader = hint;
      return false;
    }
    // A followed leader that failed sends us back to the list where we left it, after the backoff
    // (a standby naming a dead leader must not make us bounce between the two without pause).
    if (this.leader !== undefined) {
      this.leader = undefined;
      return true;
    }
    if (addresses === undefined || addresses.length < 2 || failoverCause(error) === undefined) return true;
    this.index = (this.index + 1) % addresses.length;
    return this.index === 0;
  }

  /** The final word on a graceful stop: last outcomes, and the control plane re-queues whatever else we held. */
  async bye(outcomes: Outcome[]): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    await connection.call({ v: PROTOCOL_VERSION, type: "bye", workerId: this.options.workerId, outcomes }, "ack");
  }

  /** Stops any retrying, fails requests in flight with E_CLOSED, and releases the socket. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
  }

  private async connect(): Promise<Connection> {
    const { controlPlaneAddresses, discoveryAddress, requestTimeoutMs, maxFrameBytes } = this.options;
    // Asked afresh on every try: a control plane that comes back may come back elsewhere.
    const address = this.leader ?? controlPlaneAddresses?.[this.index] ?? (await discover(discoveryAddress, Math.min(requestTimeoutMs, 3_000))).address;
    if (this.connection?.address === address) return this.connection;
    const previous = this.connection;
    this.connection = undefined;
    await previous?.close();
    if (this.closed) throw new FastWorkerError("E_CLOSED", "the subworker stopped before it was registered");
    this.connection = new Connection(address, requestTimeoutMs, maxFrameBytes, this.options.security);
    return this.connection;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
