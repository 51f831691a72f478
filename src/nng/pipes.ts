import { JSCallback, FFIType as T } from "bun:ffi";
import { check } from "./errors.ts";
import { nng } from "./library.ts";

/** nng_pipe_ev: NNG_PIPE_EV_REM_POST, raised after a pipe (one peer connection) was removed. */
const NNG_PIPE_EV_REM_POST = 2;

export interface PipeWatch {
  /** Frees the callback; call once the socket is closed (a late event may still be queued, hence the delay). */
  release(): void;
}

/**
 * Pipe-removal notifications (nng_pipe_notify). NNG raises them on its own threads; the
 * thread-safe callback queues each one to the JS thread. Pipes come and go rarely (connects,
 * disconnects), so one JS hop per event costs nothing that matters.
 */
export function watchPipeRemovals(socketId: number, onRemoved: (pipe: number) => void): PipeWatch {
  const callback = new JSCallback((pipe: number) => onRemoved(pipe >>> 0), {
    args: [T.u32, T.i32, T.ptr],
    returns: T.void,
    threadsafe: true,
  });
  check(nng().symbols.nng_pipe_notify(socketId, NNG_PIPE_EV_REM_POST, callback.ptr, null), "nng_pipe_notify");
  return {
    release() {
      setTimeout(() => callback.close(), 2000).unref();
    },
  };
}
