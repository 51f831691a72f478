import type { Logger } from "../log.ts";
import { MessageSocket } from "../nng/index.ts";
import { encodeFrame, PROTOCOL_VERSION, type TaskRecord } from "../protocol/index.ts";

/** The control plane only sends on callback sockets: whatever a listener sends back is refused beyond this. */
const NOTHING_TO_RECEIVE_BYTES = 1024;

const MAX_OPEN = 64;

/**
 * Completion callbacks: a submitter listening on a PAIR address is told when its task ends,
 * with the callbackData it gave. Sockets are reused per address and the oldest is closed
 * beyond MAX_OPEN, so many callback addresses cannot exhaust file descriptors.
 */
export class CallbackSender {
  private readonly sockets = new Map<string, MessageSocket>();

  constructor(private readonly log: Logger) {}

  send(address: string, record: TaskRecord, data: unknown): void {
    let socket = this.sockets.get(address);
    if (!socket) {
      socket = MessageSocket.pair({ sendTimeoutMs: 10_000, recvMaxSize: NOTHING_TO_RECEIVE_BYTES }).dial(address);
      this.sockets.set(address, socket);
      if (this.sockets.size > MAX_OPEN) {
        const [oldest, old] = this.sockets.entries().next().value!;
        this.sockets.delete(oldest);
        void old.close();
      }
    }
    const frame = encodeFrame({ v: PROTOCOL_VERSION, type: "task_done", record, ...(data !== undefined ? { callbackData: data } : {}) });
    socket.send(frame).catch((error: unknown) => {
      this.log("warn", "completion callback could not be delivered", { taskId: record.taskId, address, error: String(error) });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.sockets.values()].map((s) => s.close()));
    this.sockets.clear();
  }
}
