import { authenticate } from "../auth/handshake.ts";
import type { PeerSecurity } from "../auth/peer-security.ts";
import { FastWorkerError, fromWireError, NngError, ProtocolError, UnavailableError } from "../errors.ts";
import { ReqSocket } from "../nng/index.ts";
import { decodeReply, encodeFrame, type Reply, type ReplyOf, type Request } from "../protocol/index.ts";

/**
 * One REQ socket to the control plane with typed request/reply: timeouts and a vanished peer
 * become E_UNAVAILABLE, error frames become typed errors, and a reply of the wrong kind is a
 * protocol error rather than a silent misread. With a token, the first request (and the first
 * after a reconnect, which the server answers with E_UNAUTHORIZED) runs the handshake first.
 */
export class Connection {
  private readonly socket: ReqSocket;
  private handshake: Promise<void> | undefined;
  /** Bumped by each completed handshake, so requests refused before it retry without another. */
  private authEpoch = 0;
  /** Connections (NNG pipes) up now: 0 while the dial is refused or not through yet. */
  private pipes = 0;

  /**
   * `noPipeFailMs`: a request sent while no connection is up fails with E_UNAVAILABLE after this
   * long if none has come up, instead of waiting its whole time (a long-poll's included) for a
   * control plane that refuses every dial. Set by a failover connection, which has elsewhere to go.
   */
  constructor(
    readonly address: string,
    private readonly connectTimeoutMs: number,
    private readonly maxFrameBytes: number,
    private readonly security: PeerSecurity = {},
    private readonly noPipeFailMs?: number,
  ) {
    // NNG's receive limit is the frame limit: a reply beyond it closes the connection instead of being buffered.
    this.socket = new ReqSocket({ requestTimeoutMs: connectTimeoutMs, reconnectMinMs: 50, reconnectMaxMs: 1000, recvMaxSize: maxFrameBytes })
      .dial(address, security.tls ? { tls: security.tls } : {});
    if (noPipeFailMs !== undefined) {
      this.socket.onPipeEvent("added", () => void this.pipes++).onPipeEvent("removed", () => void (this.pipes = Math.max(0, this.pipes - 1)));
    }
  }

  encode(frame: Request): Uint8Array {
    return encodeFrame(frame);
  }

  /**
   * Sends a frame and returns the reply of the expected type; `waitMs` extends the timeout for
   * held requests, `timeoutMs` replaces the connect timeout (start() passes what its budget has left).
   */
  async call<T extends Reply["type"]>(frame: Request | Uint8Array, expect: T, waitMs = 0, timeoutMs = this.connectTimeoutMs): Promise<ReplyOf<T>> {
    const token = this.security.token;
    if (token === undefined) return this.exchange(frame, expect, waitMs, timeoutMs);
    if (this.authEpoch === 0) await this.authenticate(0, timeoutMs);
    const epoch = this.authEpoch;
    try {
      return await this.exchange(frame, expect, waitMs, timeoutMs);
    } catch (error) {
      // A reconnect is a new connection the server has not authenticated: prove ourselves again, once.
      if (!(error instanceof FastWorkerError) || error.code !== "E_UNAUTHORIZED") throw error;
      await this.authenticate(epoch, timeoutMs);
      return this.exchange(frame, expect, waitMs, timeoutMs);
    }
  }

  close(): Promise<void> {
    return this.socket.close();
  }

  /**
   * Calls `onLost` whenever the connection to the control plane drops (NNG pipe removal: the
   * peer died or closed it). A failover connection uses it to stop sending there at once, where
   * a request to a dead peer would otherwise wait its whole timeout. At most once per Connection.
   */
  watchPeer(onLost: () => void): void {
    this.socket.onPipeRemoved(() => onLost());
  }

  /** One handshake at a time; callers that saw a refusal before the latest handshake just retry. */
  private async authenticate(seenEpoch: number, timeoutMs: number): Promise<void> {
    if (this.authEpoch !== seenEpoch) return;
    this.handshake ??= authenticate((f, expect) => this.exchange(f, expect, 0, timeoutMs), this.security.token!, this.security.role ?? "client", this.address)
      .then(() => void this.authEpoch++)
      .finally(() => (this.handshake = undefined));
    await this.handshake;
  }

  /** `request`, unless still no connection is up after `failMs`: then E_UNAVAILABLE (the request itself runs out by its own timeout). */
  private unlessNoPipe(request: Promise<Uint8Array>, failMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pipes === 0) reject(new UnavailableError(`no connection to the control plane at ${this.address} came up within ${failMs} ms (is it running?)`));
      }, failMs);
      request.then((reply) => (clearTimeout(timer), resolve(reply)), (error: unknown) => (clearTimeout(timer), reject(error)));
    });
  }

  private async exchange<T extends Reply["type"]>(frame: Request | Uint8Array, expect: T, waitMs: number, timeoutMs: number): Promise<ReplyOf<T>> {
    const bytes = frame instanceof Uint8Array ? frame : encodeFrame(frame);
    if (bytes.byteLength > this.maxFrameBytes) {
      throw new ProtocolError("E_FRAME_TOO_LARGE", `request of ${bytes.byteLength} bytes exceeds the limit of ${this.maxFrameBytes} bytes`);
    }
    let replyBytes: Uint8Array;
    try {
      const request = this.socket.request(bytes, { timeoutMs: timeoutMs + waitMs });
      replyBytes = await (this.noPipeFailMs !== undefined && this.pipes === 0 ? this.unlessNoPipe(request, this.noPipeFailMs) : request);
    } catch (error) {
      if (error instanceof NngError && (error.code === "E_TIMEOUT" || error.code === "E_CONNREFUSED" || error.code === "E_UNAVAILABLE")) {
        const tls = this.security.tls
          ? " (over TLS: check --tls-ca signed the control plane's certificate and the address's host is in it)"
          : " (is it running? a TLS control plane answers only on its tls+tcp:// address, with --tls-ca)";
        throw new UnavailableError(`the control plane at ${this.address} did not answer within ${timeoutMs + waitMs} ms${tls}`, { cause: error });
      }
      throw error;
    }
    const reply = decodeReply(replyBytes);
    if (reply.type === "error") throw fromWireError(reply.error);
    if (reply.type !== expect) throw new ProtocolError("E_UNEXPECTED_REPLY", `expected a ${expect} reply, got ${reply.type}`);
    return reply as ReplyOf<T>;
  }
}
