import { check, NNG_ECLOSED, NNG_ETIMEDOUT } from "./errors.ts";
import { nng } from "./library.ts";
import { NngSocket, type SocketOptions } from "./socket.ts";

/** `pipe` is the id of the connection the request arrived on (stable while that peer stays connected). */
export type RepHandler = (request: Uint8Array, pipe: number) => Uint8Array | Promise<Uint8Array>;

export interface RepOptions extends SocketOptions {
  /** Contexts kept receiving while others are busy in handlers; grows on demand up to maxLanes. */
  idleContexts?: number;
  /** Turns a handler's exception into a reply; without one the request is dropped (the peer times out). */
  onHandlerError?: (error: unknown, request: Uint8Array) => Uint8Array | undefined;
  /**
   * How long a reply may wait for its peer to take it, in ms (default: no limit). Past it the
   * reply is dropped, the context serves others again, and `onReplyTimeout` hears which pipe.
   */
  replyTimeoutMs?: number;
  /** A reply to `pipe` missed replyTimeoutMs: that peer does not read (the control plane closes it). */
  onReplyTimeout?: (pipe: number) => void;
}

/**
 * REP with contexts: every context is an independent request/reply conversation, so handlers
 * run concurrently and replies can go out in any order, each to the peer that asked. (The
 * Python original used one raw REP and sent replies to the wrong clients.)
 */
export class RepSocket extends NngSocket {
  private handler: RepHandler | undefined;
  private readonly idleTarget: number;
  private readonly maxContexts: number;
  private readonly onHandlerError: RepOptions["onHandlerError"];
  private readonly replyTimeoutMs: number;
  private readonly onReplyTimeout: RepOptions["onReplyTimeout"];
  private receiving = 0;
  private contexts = 0;

  constructor(options: RepOptions = {}) {
    super("rep", options);
    this.idleTarget = options.idleContexts ?? 32;
    this.maxContexts = options.maxLanes ?? 4096;
    this.onHandlerError = options.onHandlerError;
    this.replyTimeoutMs = options.replyTimeoutMs ?? -1;
    this.onReplyTimeout = options.onReplyTimeout;
  }

  /** Starts serving; call after listen() or dial(). */
  serve(handler: RepHandler): this {
    this.assertOpen();
    if (this.handler) throw new Error("serve() was already called on this socket");
    this.handler = handler;
    this.topUp();
    return this;
  }

  get busyHandlers(): number {
    return this.contexts - this.receiving;
  }

  /** Keeps `idleTarget` contexts receiving so a burst of slow handlers never starves new peers. */
  private topUp(): void {
    while (this.receiving < this.idleTarget && this.contexts < this.maxContexts && !this.closing) {
      const ctx = new Uint32Array(1);
      check(nng().symbols.nng_ctx_open(ctx, this.id), "nng_ctx_open");
      const lane = this.engine.openLane(ctx[0]!, true);
      this.contexts++;
      this.receiving++;
      this.startReceive(lane, -1);
    }
  }

  protected onCompletion(lane: number, rv: number, body: Uint8Array | undefined, pipe: number): void {
    this.receiving--;
    if (rv === NNG_ECLOSED || this.closing) return;
    if (rv === NNG_ETIMEDOUT && pipe !== 0) this.onReplyTimeout?.(pipe);
    if (rv !== 0 || !body) {
      // A failed receive (e.g. a peer's oversize message) or a reply past its deadline costs that peer only: keep serving.
      this.receiving++;
      this.startReceive(lane, -1);
      return;
    }
    if (this.receiving < this.idleTarget) this.topUp();
    this.handle(lane, body, pipe);
  }

  private handle(lane: number, request: Uint8Array, pipe: number): void {
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = this.handler!(request, pipe);
    } catch (error) {
      this.fail(lane, error, request);
      return;
    }
    if (result instanceof Uint8Array) this.respond(lane, result);
    else result.then((reply) => this.respond(lane, reply), (error: unknown) => this.fail(lane, error, request));
  }

  private respond(lane: number, reply: Uint8Array): void {
    if (this.startReply(lane, reply, this.replyTimeoutMs)) this.receiving++;
  }

  private fail(lane: number, error: unknown, request: Uint8Array): void {
    const reply = this.onHandlerError?.(error, request);
    if (reply) return this.respond(lane, reply);
    console.error("fastworker: REP handler failed and no error reply was produced:", error);
    if (this.closing) return;
    // Receiving again on the context abandons the request, as NNG's REP allows.
    this.receiving++;
    this.startReceive(lane, -1);
  }

  protected onClosing(): void {
    // Contexts waiting in NNG report ECLOSED; nothing is queued on the JS side.
  }
}
