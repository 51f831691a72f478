/**
 * What a control plane can be told, and the same options resolved: defaults applied and every
 * bound checked once, at construction, so a bad value fails before anything is acquired.
 */
import type { Clock } from "../model/clock.ts";
import { integerOption } from "../config.ts";
import {
  DEFAULT_ADDRESS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_INACTIVE_WORKER_TTL_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_HELD_PER_CONNECTION,
  DEFAULT_MAX_QUEUED, DEFAULT_MAX_IN_FLIGHT_PER_CLIENT, DEFAULT_MAX_REQUESTS_PER_CONNECTION, DEFAULT_MAX_WAIT_MS, DEFAULT_REPLY_TIMEOUT_MS, DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS,
  DEFAULT_RESULT_CACHE_SIZE, DEFAULT_RESULT_CACHE_TTL_MS, DEFAULT_WORKER_TIMEOUT_MS,
} from "../model/defaults.ts";
import type { TlsOptions } from "../nng/index.ts";
import { DEFAULT_MAX_FRAME_BYTES, MAX_FRAME_BYTES, MIN_FRAME_BYTES } from "../protocol/index.ts";
import type { FencingToken } from "../ha/index.ts";
import type { JournalSync, TaskStore } from "../store/index.ts";
import type { Logger } from "../log.ts";
import { checkConnectionLimits, type ConnectionLimitOptions } from "./connection-limits.ts";
import { checkWaitLimits } from "./held-waits.ts";

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
  /** Largest frame accepted, in bytes; also NNG's receive limit on the REP socket. Default 16 MiB. */
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
  /** Active/standby on that journal: the leader's lease token, which every journal write presents (src/ha/fencing.ts). */
  journalFencing?: FencingToken;
  /**
   * The time the control plane reads and waits on: task timestamps, the due timer (eta,
   * countdown, retry backoff), subworker heartbeats and periodic schedules. Default real time;
   * tests pass a clock they advance (model/clock.ts: it must read real time plus the advance).
   */
  clock?: Clock;
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

/**
 * Tasks handed to each local Bun Worker ahead of time. 1 keeps the control plane's view exact (a
 * task shown running is running). More hides the postMessage round trip (about +60 % trivial
 * tasks/s at 8) without weakening priorities: a task that outranks one prefetched and not
 * started is handed over at once beyond the limit, and the Worker runs its queue by priority.
 * The cost: tasks waiting inside a Worker count as running in status and the dashboard.
 */
export const DEFAULT_PREFETCH = 1;

/** The figures the components read, each one decided here. */
export interface ResolvedOptions {
  readonly address: string;
  readonly maxFrameBytes: number;
  readonly replyTimeoutMs: number;
  readonly workerTimeoutMs: number;
  readonly inactiveWorkerTtlMs: number;
  readonly cleanupIntervalMs: number;
  readonly resultCacheSize: number;
  readonly resultCacheTtlMs: number;
  readonly maxQueued: number;
  readonly maxInFlightPerClient: number;
  readonly waitLimits: { maxWaitMs: number; maxHeldPerConnection: number };
  readonly connectionLimits: Omit<ConnectionLimitOptions, "maxHeldPerConnection">;
}

/** @throws ConfigError naming the option when one is out of range. */
export function resolveOptions(options: ControlPlaneOptions): ResolvedOptions {
  return {
    address: options.address ?? DEFAULT_ADDRESS,
    maxFrameBytes: integerOption("control plane", "maxFrameBytes", options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, MIN_FRAME_BYTES, MAX_FRAME_BYTES),
    replyTimeoutMs: integerOption("control plane", "replyTimeoutMs", options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS, 1, 2_147_483_647),
    workerTimeoutMs: options.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS,
    inactiveWorkerTtlMs: options.inactiveWorkerTtlMs ?? DEFAULT_INACTIVE_WORKER_TTL_MS,
    cleanupIntervalMs: options.resultCacheCleanupIntervalMs ?? DEFAULT_RESULT_CACHE_CLEANUP_INTERVAL_MS,
    resultCacheSize: options.resultCacheSize ?? DEFAULT_RESULT_CACHE_SIZE,
    resultCacheTtlMs: options.resultCacheTtlMs ?? DEFAULT_RESULT_CACHE_TTL_MS,
    maxQueued: options.maxQueued ?? DEFAULT_MAX_QUEUED,
    maxInFlightPerClient: integerOption("control plane", "maxInFlightPerClient", options.maxInFlightPerClient ?? DEFAULT_MAX_IN_FLIGHT_PER_CLIENT, 1, Number.MAX_SAFE_INTEGER),
    waitLimits: checkWaitLimits(options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, options.maxHeldPerConnection ?? DEFAULT_MAX_HELD_PER_CONNECTION),
    connectionLimits: checkConnectionLimits({
      maxConnections: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxRequestsPerConnection: options.maxRequestsPerConnection ?? DEFAULT_MAX_REQUESTS_PER_CONNECTION,
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    }),
  };
}
