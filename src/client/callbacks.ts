/**
 * The receiving end of completion callbacks: `client.delayWithCallback(task, address, args)`
 * asks the control plane to tell `address` when the task ends; this listens there.
 *
 *   const callbacks = listenForCallbacks("tcp://127.0.0.1:5600", (record, data) => console.log(record.status, data));
 *   await client.delayWithCallback("report", callbacks.address, ["q3"], { callbackData: { orderId: 7 } });
 *   ...
 *   await callbacks.close();
 *
 * The socket is NNG PAIR, which takes one peer at a time: give each control plane its own address.
 */
import { MessageSocket } from "../nng/index.ts";
import { decodeTaskDone, DEFAULT_MAX_FRAME_BYTES } from "../protocol/index.ts";
import type { TaskResultRecord } from "./types.ts";

export interface CallbackListener {
  /** The address the listener is bound to (pass it to delayWithCallback). */
  readonly address: string;
  /** Stops listening; idempotent. */
  close(): Promise<void>;
}

export interface CallbackListenerOptions {
  /**
   * A frame that is not a valid completion notice (E_DECODE, E_INVALID_FRAME, ...), or an
   * `onDone` that threw. Default: written to stderr; the listener keeps listening either way.
   */
  onError?: (error: unknown) => void;
  /** Largest notice accepted, in bytes (also NNG's receive limit on the listener). Default 16 MiB, as the control plane's frames. */
  maxFrameBytes?: number;
}

/**
 * Listens on `address` (tcp://host:port or ipc:///path) and calls `onDone` with the finished
 * task's record and the callbackData it was submitted with, once per notice.
 * @throws NngError when the address cannot be listened on (e.g. E_ADDRINUSE).
 */
export function listenForCallbacks(
  address: string,
  onDone: (record: TaskResultRecord, callbackData: unknown) => void,
  options: CallbackListenerOptions = {},
): CallbackListener {
  const onError = options.onError ?? ((error: unknown) => console.error("fastworker: a completion callback could not be handled:", error));
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const socket = MessageSocket.pair({ recvMaxSize: maxFrameBytes }).listen(address);
  socket.onMessage((bytes) => {
    try {
      const notice = decodeTaskDone(bytes, maxFrameBytes);
      onDone(notice.record, notice.callbackData);
    } catch (error) {
      onError(error);
    }
  });
  return { address, close: () => socket.close() };
}
