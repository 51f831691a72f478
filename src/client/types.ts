import type { Priority, ReplyOf, TaskRecord, TaskState } from "../protocol/index.ts";
import type { BackpressureOptions } from "./backpressure.ts";
export type { BackpressureOptions } from "./backpressure.ts";

export interface ClientOptions {
  /** The control plane's NNG address; default $FASTWORKER_CONTROL_PLANE_ADDRESS, else the client asks discovery, then tries tcp://127.0.0.1:5555. */
  address?: string;
  /**
   * Several control planes (active and standbys, docs/operations.md): requests go to the first,
   * and on E_NOT_LEADER (to the leader it names), E_UNAVAILABLE, a timeout or a closed connection
   * move to the next and are sent again, so a waiting submit() resolves across a failover.
   * Wins over `address`. $FASTWORKER_CONTROL_PLANE_ADDRESS may hold such a comma-separated list.
   */
  addresses?: string[];
  /** How long one request may keep failing over before it rejects with E_UNAVAILABLE naming the addresses tried. Default 30 000 ms. */
  failoverTimeoutMs?: number;
  /** Where control planes announce themselves (NNG BUS). Default $FASTWORKER_DISCOVERY_ADDRESS, else tcp://127.0.0.1:5550. */
  discoveryAddress?: string;
  /** How long start() (discovery included) and each request may wait for the control plane before E_UNAVAILABLE. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Largest frame the client will send. Default 16 MiB (the control plane's default limit). */
  maxFrameBytes?: number;
  /** The control plane's token (its --token): the client proves it holds it, and checks the control plane does too. Default: FASTWORKER_TOKEN. */
  token?: string;
  /** For tls+tcp:// addresses: CA certificate (PEM file) that signed the control plane's certificate. */
  tlsCa?: string;
  /** Client certificate and key (PEM files), for a control plane started with --tls-client-auth required. */
  tlsCert?: string;
  tlsKey?: string;
  /**
   * What submit()/delay()/enqueue() do when the control plane's queue is full (E_QUEUE_FULL): wait
   * (its retryAfterMs, then exponential backoff with jitter) and submit again under the same id,
   * for up to maxWaitMs (default 300 000; 0 = reject at once), then reject with E_QUEUE_FULL.
   */
  backpressure?: BackpressureOptions;
}

export type { SubmitOptions } from "../protocol/index.ts";
import type { SubmitOptions } from "../protocol/index.ts";

export interface BatchItem {
  task: string | { readonly name: string };
  args?: unknown[];
  options?: SubmitOptions;
}

/** What result(id) returns: the whole record of a task. */
export type TaskResultRecord = TaskRecord;
export type { TaskState };

export type ClusterStatus = Omit<ReplyOf<"status_reply">, "v" | "type">;
