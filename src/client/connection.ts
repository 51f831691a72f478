import { fromWireError, NngError, ProtocolError, UnavailableError } from "../errors.ts";
import { ReqSocket } from "../nng/index.ts";
import { decodeReply, encodeFrame, type Reply, type ReplyOf, type Request } from "../protocol/index.ts";

/**
 * One REQ socket to the control plane with typed request/reply: timeouts and a vanished peer
 * become E_UNAVAILABLE, error frames become typed errors, and a reply of the wrong kind is a
 * protocol error rather than a silent misread.
 */
export class Connection {
  private readonly socket: ReqSocket;

  constructor(readonly address: string, private readonly connectTimeoutMs: number, private readonly maxFrameBytes: number) {
    this.socket = new ReqSocket({ requestTimeoutMs: connectTimeoutMs, reconnectMinMs: 50, reconnectMaxMs: 1000 }).dial(address);
  }

  encode(frame: Request): Uint8Array {
    return encodeFrame(frame);
  }

  /**
   * Sends a frame and returns the reply of the expected type; `waitMs` extends the timeout for
   * held requests, `timeoutMs` replaces the connect timeout (start() passes what its budget has left).
   */
  async call<T extends Reply["type"]>(frame: Request | Uint8Array, expect: T, waitMs = 0, timeoutMs = this.connectTimeoutMs): Promise<ReplyOf<T>> {
    const bytes = frame instanceof Uint8Array ? frame : encodeFrame(frame);
    if (bytes.byteLength > this.maxFrameBytes) {
      throw new ProtocolError("E_FRAME_TOO_LARGE", `request of ${bytes.byteLength} bytes exceeds the limit of ${this.maxFrameBytes} bytes`);
    }
    let replyBytes: Uint8Array;
    try {
      replyBytes = await this.socket.request(bytes, { timeoutMs: timeoutMs + waitMs });
    } catch (error) {
      if (error instanceof NngError && (error.code === "E_TIMEOUT" || error.code === "E_CONNREFUSED" || error.code === "E_UNAVAILABLE")) {
        throw new UnavailableError(`the control plane at ${this.address} did not answer within ${timeoutMs + waitMs} ms`, { cause: error });
      }
      throw error;
    }
    const reply = decodeReply(replyBytes);
    if (reply.type === "error") throw fromWireError(reply.error);
    if (reply.type !== expect) throw new ProtocolError("E_UNEXPECTED_REPLY", `expected a ${expect} reply, got ${reply.type}`);
    return reply as ReplyOf<T>;
  }

  close(): Promise<void> {
    return this.socket.close();
  }
}
