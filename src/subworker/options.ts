import { availableParallelism, hostname } from "node:os";
import { ConfigError } from "../errors.ts";
import { createLogger, type Logger } from "../log.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../protocol/index.ts";
import { DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import { envToken, peerSecurity } from "../auth/peer-security.ts";
import type { PeerSecurity } from "../auth/peer-security.ts";

export interface SubworkerOptions {
  /** Task module files or folders: the same definitions (or a subset) as the control plane's. */
  taskModules: string[];
  /** Stable id of this subworker; default `sw-<hostname>-<pid>`. */
  workerId?: string;
  /**
   * The control plane's NNG address, or several comma-separated (active and standbys): the
   * subworker registers with the first that welcomes it, follows E_NOT_LEADER to the leader it
   * names, and on losing it registers with the next. Without it, discovery finds one.
   */
  controlPlaneAddress?: string;
  /** Where control planes announce themselves (NNG BUS). Default tcp://127.0.0.1:5550. */
  discoveryAddress?: string;
  /** Bun Workers in the pool, one task each at a time; default: the number of cores. */
  concurrency?: number;
  /**
   * Tasks handed to each Bun Worker at once (running + queued in it). Default 1: leases are
   * sized to Workers with nothing to do. More hides the round trip for short tasks; a more
   * urgent task still overtakes what waits in a Worker, so priorities stay strict.
   */
  prefetch?: number;
  /** Tasks in flight at once per Bun Worker for tasks without their own `concurrency`. Default 1. */
  tasksPerWorker?: number;
  /** On stop, how long running tasks may take to finish before they are given back. Default 30 000 ms. */
  drainMs?: number;
  /** How long hello, bye and the slack on every request may wait for the control plane. Default 5 000 ms. */
  requestTimeoutMs?: number;
  /** Largest frame this subworker sends; match the control plane's limit. Default 16 MiB. */
  maxFrameBytes?: number;
  log?: Logger;
  /** Base for relative task module paths; default process.cwd(). */
  cwd?: string;
  /** The control plane's token (its --token); used to register unless workerToken is given. */
  token?: string;
  /** The control plane's --worker-token, when it has one: only its holders may register, lease and report. */
  workerToken?: string;
  /** For tls+tcp:// addresses: CA certificate (PEM file) that signed the control plane's certificate. */
  tlsCa?: string;
  /** Client certificate and key (PEM files), for a control plane started with --tls-client-auth required. */
  tlsCert?: string;
  tlsKey?: string;
}

export interface ResolvedSubworkerOptions {
  taskModules: string[];
  workerId: string;
  /** The first of controlPlaneAddresses (kept for log lines and callers that read one). */
  controlPlaneAddress: string | undefined;
  /** Every address given, in order; undefined = discovery. */
  controlPlaneAddresses: string[] | undefined;
  discoveryAddress: string;
  concurrency: number;
  prefetch: number;
  tasksPerWorker: number;
  drainMs: number;
  requestTimeoutMs: number;
  maxFrameBytes: number;
  log: Logger;
  cwd: string;
  security: PeerSecurity;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`subworker: "${name}" must be an integer >= 1, got ${String(value)}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`subworker: "${name}" must be a number >= 0, got ${String(value)}`);
  return value;
}

/** Fills in defaults and rejects bad values up front, before any process or socket is started. */
export function resolveSubworkerOptions(options: SubworkerOptions): ResolvedSubworkerOptions {
  if (!Array.isArray(options.taskModules) || options.taskModules.length === 0) {
    throw new ConfigError("subworker: taskModules must name at least one task module file or folder");
  }
  const workerId = options.workerId ?? `sw-${hostname()}-${process.pid}`;
  if (workerId.length === 0 || workerId.length > 200) throw new ConfigError("subworker: workerId must be 1 to 200 characters long");
  if (options.controlPlaneAddress !== undefined && options.controlPlaneAddress.length === 0) {
    throw new ConfigError("subworker: controlPlaneAddress must not be empty (leave it out to use discovery)");
  }
  const addresses = options.controlPlaneAddress?.split(",").map((a) => a.trim());
  if (addresses?.some((a) => a === "")) throw new ConfigError(`subworker: controlPlaneAddress has an empty entry: "${options.controlPlaneAddress}"`);
  return {
    taskModules: [...options.taskModules],
    workerId,
    controlPlaneAddress: addresses?.[0],
    controlPlaneAddresses: addresses,
    discoveryAddress: options.discoveryAddress ?? DEFAULT_DISCOVERY_ADDRESS,
    concurrency: positiveInteger("concurrency", options.concurrency ?? availableParallelism()),
    prefetch: positiveInteger("prefetch", options.prefetch ?? 1),
    tasksPerWorker: positiveInteger("tasksPerWorker", options.tasksPerWorker ?? 1),
    drainMs: nonNegative("drainMs", options.drainMs ?? 30_000),
    requestTimeoutMs: positiveInteger("requestTimeoutMs", options.requestTimeoutMs ?? 5_000),
    maxFrameBytes: positiveInteger("maxFrameBytes", options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    log: options.log ?? createLogger({ component: "subworker" }),
    cwd: options.cwd ?? process.cwd(),
    // A subworker proves the worker token when it has one (the plain token cannot register then).
    security: peerSecurity({ ...options, ...envToken(options.token, "FASTWORKER_TOKEN"), ...envToken(options.workerToken, "FASTWORKER_WORKER_TOKEN") }, "worker"),
  };
}
