import { JSCallback, FFIType as T } from "bun:ffi";
import { check } from "./errors.ts";
import { nng } from "./library.ts";

/** nng_pipe_ev values: raised after a pipe (one peer connection) was added to, or removed from, its socket. */
const NNG_PIPE_EV_ADD_POST = 1;
const NNG_PIPE_EV_REM_POST = 2;

export type PipeEvent = "added" | "removed";

export interface PipeWatch {
  /** Frees the callback; call once the socket is closed (a late event may still be queued, hence the delay). */
  release(): void;
}

/**
 * Pipe notifications (nng_pipe_notify) for both events through one callback. NNG raises them
 * on its own threads; the thread-safe callback queues each one to the JS thread, in order, so a
 * pipe's "added" is always seen before its "removed". Pipes come and go rarely (connects,
 * disconnects), so one JS hop per event costs nothing that matters.
 */
export function watchPipes(socketId: number, onEvent: (event: PipeEvent, pipe: number) => void): PipeWatch {
  const callback = new JSCallback((pipe: number, event: number) => onEvent(event === NNG_PIPE_EV_ADD_POST ? "added" : "removed", pipe >>> 0), {
    args: [T.u32, T.i32, T.ptr],
    returns: T.void,
    threadsafe: true,
  });
  const s = nng().symbols;
  check(s.nng_pipe_notify(socketId, NNG_PIPE_EV_ADD_POST, callback.ptr, null), "nng_pipe_notify");
  check(s.nng_pipe_notify(socketId, NNG_PIPE_EV_REM_POST, callback.ptr, null), "nng_pipe_notify");
  return {
    release() {
      setTimeout(() => callback.close(), 2000).unref();
    },
  };
}

/**
 * Closes one peer connection of a socket (its "removed" event follows). False when the pipe is
 * already gone (NNG_ENOENT): the peer left on its own meanwhile, which is what the caller wanted.
 */
export function closePipe(pipe: number): boolean {
  return nng().symbols.nng_pipe_close(pipe) === 0;
}
