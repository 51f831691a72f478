import { nngError, NNG_ECLOSED } from "./errors.ts";
import { NngSocket, type Protocol, type SocketOptions } from "./socket.ts";

type Op =
  | { kind: "send"; resolve: () => void; reject: (e: Error) => void }
  | { kind: "recv"; resolve: (m: Uint8Array) => void; reject: (e: Error) => void }
  | { kind: "loop" };

/**
 * Sockets without contexts (BUS for discovery, PAIR for completion callbacks, PUB/SUB for
 * events): plain messages in both directions, each operation on its own socket-level aio.
 */
export class MessageSocket extends NngSocket {
  private readonly ops: Array<Op | undefined> = [];
  private readonly freeLanes: number[] = [];
  private handler: ((message: Uint8Array) => void) | undefined;
  private readonly defaultTimeoutMs: number;

  constructor(protocol: Exclude<Protocol, "req" | "rep">, options: SocketOptions = {}) {
    super(protocol, options);
    this.defaultTimeoutMs = options.sendTimeoutMs ?? 5_000;
  }

  static bus(options?: SocketOptions) { return new MessageSocket("bus", options); }
  static pair(options?: SocketOptions) { return new MessageSocket("pair", options); }
  static pub(options?: SocketOptions) { return new MessageSocket("pub", options); }
  static sub(options?: SocketOptions) { return new MessageSocket("sub", options); }

  /** SUB only: receive messages whose body starts with `prefix` ("" = everything). */
  subscribe(prefix: string | Uint8Array = ""): this {
    this.setBytes("sub:subscribe", typeof prefix === "string" ? new TextEncoder().encode(prefix) : prefix);
    return this;
  }

  send(bytes: Uint8Array, options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return Promise.reject(nngError(NNG_ECLOSED, "send"));
    return new Promise((resolve, reject) => {
      const lane = this.lane({ kind: "send", resolve, reject });
      this.run(lane, () => this.startSend(lane, bytes, options.timeoutMs ?? this.defaultTimeoutMs));
    });
  }

  /** Receives one message; rejects with E_TIMEOUT after `timeoutMs` (default: wait forever). */
  recv(options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
    if (this.closing) return Promise.reject(nngError(NNG_ECLOSED, "recv"));
    if (this.handler) return Promise.reject(new Error("recv() cannot be used after onMessage()"));
    return new Promise((resolve, reject) => {
      const lane = this.lane({ kind: "recv", resolve, reject });
      this.run(lane, () => this.startReceive(lane, options.timeoutMs ?? -1));
    });
  }

  /** Delivers every incoming message to `handler` until the socket closes. */
  onMessage(handler: (message: Uint8Array) => void): this {
    this.assertOpen();
    if (this.handler) throw new Error("onMessage() was already called on this socket");
    this.handler = handler;
    const lane = this.lane({ kind: "loop" });
    this.startReceive(lane, -1);
    return this;
  }

  private lane(op: Op): number {
    const lane = this.freeLanes.pop() ?? this.engine.openLane(this.id, false);
    this.ops[lane] = op;
    return lane;
  }

  private run(lane: number, start: () => void): void {
    try {
      start();
    } catch (error) {
      const op = this.ops[lane];
      this.release(lane);
      if (op && op.kind !== "loop") op.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private release(lane: number): void {
    this.ops[lane] = undefined;
    this.freeLanes.push(lane);
  }

  protected onCompletion(lane: number, rv: number, body: Uint8Array | undefined): void {
    const op = this.ops[lane];
    if (!op) return;
    if (op.kind === "loop") {
      if (rv === 0 && body) this.deliver(body);
      if (rv !== NNG_ECLOSED && !this.closing) this.startReceive(lane, -1);
      return;
    }
    this.release(lane);
    if (rv !== 0) return op.reject(nngError(rv, op.kind));
    if (op.kind === "send") op.resolve();
    else op.resolve(body ?? new Uint8Array(0));
  }

  private deliver(body: Uint8Array): void {
    try {
      this.handler!(body);
    } catch (error) {
      console.error(`fastworker: ${this.protocol} message handler failed:`, error);
    }
  }

  protected onClosing(): void {
    // Every started operation reports ECLOSED through onCompletion; nothing waits on the JS side.
  }
}
