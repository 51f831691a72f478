import { nngError, check, NNG_ECLOSED } from "./errors.ts";
import { nng } from "./library.ts";
import { NngSocket, type SocketOptions } from "./socket.ts";

export interface ReqOptions extends SocketOptions {
  /** Default time allowed for a request (waiting for a peer, sending, and the reply), in ms. */
  requestTimeoutMs?: number;
}

interface Pending {
  bytes: Uint8Array;
  timeoutMs: number;
  resolve: (reply: Uint8Array) => void;
  reject: (error: Error) => void;
}

/**
 * REQ with contexts: many requests in flight on one socket, each settled by its own reply.
 * NNG's automatic resend is disabled: a resent request would run a long task twice, and the
 * FastWorker protocol has its own leases and retries.
 */
export class ReqSocket extends NngSocket {
  private readonly requestTimeoutMs: number;
  private readonly lanes: Array<Pending | undefined> = [];
  private readonly freeLanes: number[] = [];
  private readonly waiting: Pending[] = [];
  private waitingHead = 0;
  private readonly maxInFlight: number;

  constructor(options: ReqOptions = {}) {
    super("req", options);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxInFlight = options.maxLanes ?? 4096;
    this.setMs("req:resend-time", -1);
  }

  get inFlight(): number {
    return this.lanes.length - this.freeLanes.length;
  }

  request(bytes: Uint8Array, options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (this.closing) return Promise.reject(nngError(NNG_ECLOSED, "request"));
    return new Promise((resolve, reject) => {
      const pending: Pending = { bytes, timeoutMs: options.timeoutMs ?? this.requestTimeoutMs, resolve, reject };
      const lane = this.acquireLane();
      if (lane === undefined) this.waiting.push(pending);
      else this.start(lane, pending);
    });
  }

  private acquireLane(): number | undefined {
    const free = this.freeLanes.pop();
    if (free !== undefined) return free;
    if (this.lanes.length >= this.maxInFlight) return undefined;
    const ctx = new Uint32Array(1);
    check(nng().symbols.nng_ctx_open(ctx, this.id), "nng_ctx_open");
    const lane = this.engine.openLane(ctx[0]!, true);
    this.lanes[lane] = undefined;
    return lane;
  }

  private start(lane: number, pending: Pending): void {
    this.lanes[lane] = pending;
    try {
      this.startRequest(lane, pending.bytes, pending.timeoutMs);
    } catch (error) {
      this.lanes[lane] = undefined;
      this.freeLanes.push(lane);
      pending.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  protected onCompletion(lane: number, rv: number, body: Uint8Array | undefined): void {
    const pending = this.lanes[lane];
    this.lanes[lane] = undefined;
    if (pending) {
      if (rv === 0 && body) pending.resolve(body);
      // Closing tears down pipes first, so in-flight requests may see ECONNRESET: report what the caller did.
      else pending.reject(nngError(this.closing ? NNG_ECLOSED : rv, "request"));
    }
    if (this.closing) return;
    const next = this.waitingHead < this.waiting.length ? this.waiting[this.waitingHead++] : undefined;
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    if (next) this.start(lane, next);
    else this.freeLanes.push(lane);
  }

  protected onClosing(): void {
    const error = nngError(NNG_ECLOSED, "request");
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.waiting[i]!.reject(error);
    this.waiting.length = 0;
    this.waitingHead = 0;
  }
}
