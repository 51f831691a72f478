import type { Pointer } from "bun:ffi";
import { createEngine, type EngineKind, type LaneEngine } from "./engine.ts";
import { check, nngError, NNG_ECLOSED } from "./errors.ts";
import { nng } from "./library.ts";
import { holdProcess } from "./keepalive.ts";
import { createTlsConfig, freeTlsConfig, isTlsAddress, type TlsOptions } from "./tls.ts";
import { watchPipes, type PipeEvent, type PipeWatch } from "./pipes.ts";

export type Protocol = "req" | "rep" | "bus" | "pair" | "pub" | "sub";

export interface SocketOptions {
  /** Largest message accepted from a peer, in bytes (NNG_OPT_RECVMAXSZ). Default 16 MiB. */
  recvMaxSize?: number;
  /** Default time allowed for a send or a request, in ms. */
  sendTimeoutMs?: number;
  recvTimeoutMs?: number;
  /** Backoff bounds for re-dialing a lost peer (NNG_OPT_RECONNMINT / RECONNMAXT). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Upper bound on lanes (aio + context) this socket may open. */
  maxLanes?: number;
  engine?: EngineKind;
}

export const DEFAULT_RECV_MAX_SIZE = 16 * 1024 * 1024;
const NNG_FLAG_NONBLOCK = 2;
const encoder = new TextEncoder();

function cstr(s: string): Uint8Array {
  return encoder.encode(`${s}\0`);
}

/**
 * What every protocol's socket shares: open, listen/dial, options, and the close order that
 * avoids the reproduced crash (mark closing -> nng_close -> wait for every lane to report ->
 * stop and free aios -> close the JSCallback later).
 */
export abstract class NngSocket {
  readonly id: number;
  readonly protocol: Protocol;
  protected readonly engine: LaneEngine;
  protected closing = false;
  /** Lanes with an operation outstanding in NNG. */
  private outstanding = 0;
  /** Held while listening, so a server stays up with nothing in flight. */
  private releaseHold: (() => void) | undefined;
  /** Held while operations are outstanding, so a pending request or receive keeps the process alive. */
  private releaseOpsHold: (() => void) | undefined;
  private closed: Promise<void> | undefined;
  private pipeWatch: PipeWatch | undefined;
  private readonly pipeListeners: Record<PipeEvent, Array<(pipe: number) => void>> = { added: [], removed: [] };
  private resolveClosed: (() => void) | undefined;

  protected constructor(protocol: Protocol, options: SocketOptions) {
    const s = nng().symbols;
    const out = new Uint32Array(1);
    const open = {
      req: s.nng_req0_open, rep: s.nng_rep0_open, bus: s.nng_bus0_open,
      pair: s.nng_pair1_open, pub: s.nng_pub0_open, sub: s.nng_sub0_open,
    }[protocol];
    check(open(out), `nng_${protocol}_open`);
    this.id = out[0]!;
    this.protocol = protocol;
    this.engine = createEngine(options.maxLanes ?? 4096, (lane, rv, body, pipe) => this.completed(lane, rv, body, pipe), options.engine);
    this.setSize("recv-size-max", options.recvMaxSize ?? DEFAULT_RECV_MAX_SIZE);
    if (options.sendTimeoutMs !== undefined) this.setMs("send-timeout", options.sendTimeoutMs);
    if (options.recvTimeoutMs !== undefined) this.setMs("recv-timeout", options.recvTimeoutMs);
    if (options.reconnectMinMs !== undefined) this.setMs("reconnect-time-min", options.reconnectMinMs);
    if (options.reconnectMaxMs !== undefined) this.setMs("reconnect-time-max", options.reconnectMaxMs);
  }

  get engineKind(): EngineKind {
    return this.engine.kind;
  }

  get isClosed(): boolean {
    return this.closing;
  }

  /**
   * Listens on `tcp://host:port`, `ipc:///path` or (with `tls`) `tls+tcp://host:port`; keeps
   * the process alive while listening.
   */
  listen(url: string, options: { tls?: TlsOptions } = {}): this {
    this.assertOpen();
    const s = nng().symbols;
    if (isTlsAddress(url)) {
      const out = new Uint32Array(1);
      check(s.nng_listener_create(out, this.id, cstr(url)), `listen on ${url}`);
      this.withTls(url, "listen", options.tls, (cfg) => s.nng_listener_set_ptr(out[0]!, cstr("tls-config"), cfg));
      const rv = s.nng_listener_start(out[0]!, 0);
      if (rv !== 0) {
        s.nng_listener_close(out[0]!);
        throw nngError(rv, `listen on ${url}`);
      }
    } else {
      const rv = s.nng_listen(this.id, cstr(url), null, 0);
      if (rv !== 0) throw nngError(rv, `listen on ${url}`);
    }
    this.releaseHold ??= holdProcess();
    return this;
  }

  /** Calls `onRemoved(pipeId)` (on the JS thread) whenever a connection of this socket goes away. */
  onPipeRemoved(onRemoved: (pipe: number) => void): this {
    return this.onPipeEvent("removed", onRemoved);
  }

  /**
   * Calls `listener(pipeId)` on the JS thread whenever a connection of this socket is added or
   * removed; several listeners may watch (one NNG notification feeds them all).
   */
  onPipeEvent(event: PipeEvent, listener: (pipe: number) => void): this {
    this.assertOpen();
    this.pipeListeners[event].push(listener);
    this.pipeWatch ??= watchPipes(this.id, (kind, pipe) => {
      for (const l of this.pipeListeners[kind]) l(pipe);
    });
    return this;
  }

  private withTls(url: string, side: "listen" | "dial", tls: TlsOptions | undefined, set: (cfg: Pointer) => number): void {
    const cfg = createTlsConfig(side, tls ?? {}, url);
    try {
      check(set(cfg), `set the TLS configuration of ${url}`);
    } finally {
      freeTlsConfig(cfg); // the endpoint holds its own reference
    }
  }

  /**
   * Dials a peer. Non-blocking by default: NNG keeps retrying in the background, so a peer
   * that starts later is still reached; requests wait (up to their timeout) for a connection.
   */
  dial(url: string, options: { block?: boolean; tls?: TlsOptions } = {}): this {
    this.assertOpen();
    const s = nng().symbols;
    const flags = options.block ? 0 : NNG_FLAG_NONBLOCK;
    if (isTlsAddress(url)) {
      const out = new Uint32Array(1);
      check(s.nng_dialer_create(out, this.id, cstr(url)), `dial ${url}`);
      this.withTls(url, "dial", options.tls, (cfg) => s.nng_dialer_set_ptr(out[0]!, cstr("tls-config"), cfg));
      const rv = s.nng_dialer_start(out[0]!, flags);
      if (rv !== 0) {
        s.nng_dialer_close(out[0]!);
        throw nngError(rv, `dial ${url}`);
      }
      return this;
    }
    const rv = s.nng_dial(this.id, cstr(url), null, flags);
    if (rv !== 0) throw nngError(rv, `dial ${url}`);
    return this;
  }

  setMs(name: string, ms: number): void {
    check(nng().symbols.nng_socket_set_ms(this.id, cstr(name), ms), `set ${name}`);
  }

  setSize(name: string, bytes: number): void {
    check(nng().symbols.nng_socket_set_size(this.id, cstr(name), bytes), `set ${name}`);
  }

  setInt(name: string, value: number): void {
    check(nng().symbols.nng_socket_set_int(this.id, cstr(name), value), `set ${name}`);
  }

  protected setBytes(name: string, value: Uint8Array): void {
    const buf = value.length > 0 ? value : new Uint8Array(1);
    check(nng().symbols.nng_socket_set(this.id, cstr(name), buf, value.length), `set ${name}`);
  }

  /**
   * Idempotent and non-blocking to call; the promise settles once NNG has released everything.
   * Every pending operation settles with E_CLOSED.
   */
  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closing = true;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.onClosing();
    this.engine.closing();
    this.engine.closeSocket(this.id);
    this.maybeFinishClose();
    return this.closed;
  }

  /** Routes one finished lane operation; called on the JS thread by the engine. */
  private completed(lane: number, rv: number, body: Uint8Array | undefined, pipe: number): void {
    if (--this.outstanding === 0) {
      this.releaseOpsHold?.();
      this.releaseOpsHold = undefined;
    }
    try {
      this.onCompletion(lane, rv, body, pipe);
    } finally {
      if (this.closing) this.maybeFinishClose();
    }
  }

  private maybeFinishClose(): void {
    if (this.outstanding > 0 || !this.resolveClosed) return;
    const resolve = this.resolveClosed;
    this.resolveClosed = undefined;
    this.engine.destroy();
    this.pipeWatch?.release();
    this.releaseHold?.();
    this.releaseHold = undefined;
    resolve();
  }

  protected assertOpen(): void {
    if (this.closing) throw nngError(NNG_ECLOSED, `${this.protocol} socket`);
  }

  /** Subclasses start operations through these so outstanding work is counted for close(). */
  protected startRequest(lane: number, bytes: Uint8Array, timeoutMs: number): void {
    this.engine.request(lane, bytes, timeoutMs);
    this.started();
  }

  protected startReceive(lane: number, timeoutMs: number): void {
    this.engine.receive(lane, timeoutMs);
    this.started();
  }

  /** Returns false when the socket closed meanwhile (a handler finishing after close): the reply is dropped. */
  protected startReply(lane: number, bytes: Uint8Array, timeoutMs = -1): boolean {
    if (this.closing) return false;
    this.engine.reply(lane, bytes, timeoutMs);
    this.started();
    return true;
  }

  protected startSend(lane: number, bytes: Uint8Array, timeoutMs: number): void {
    this.engine.send(lane, bytes, timeoutMs);
    this.started();
  }

  /** Counts an operation NNG accepted; the first one outstanding holds the process. */
  private started(): void {
    if (this.outstanding++ === 0) this.releaseOpsHold = holdProcess();
  }

  protected abstract onCompletion(lane: number, rv: number, body: Uint8Array | undefined, pipe: number): void;
  /** Settles work that never reached NNG (queued requests, idle waiters). */
  protected abstract onClosing(): void;
}
