import { cc, JSCallback, FFIType as T, type Pointer } from "bun:ffi";
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Embedded as text so a `bun build --compile` binary carries it: TinyCC cannot read $bunfs paths.
import shimSource from "../../native/shim.c" with { type: "text" };
import type { Completion, LaneEngine } from "./engine.ts";
import { check } from "./errors.ts";
import { nng } from "./library.ts";

/** How many completions one drain handles before yielding, so HTTP and timers stay responsive. */
const DRAIN_BUDGET = 16;

function compileShim() {
  const dir = join(tmpdir(), "fastworker-shim");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `shim-${Bun.hash(shimSource).toString(16)}.c`);
  if (!existsSync(file)) writeFileSync(file, shimSource);
  return cc({
    source: file,
    symbols: {
      eng_new: { args: [T.ptr, T.ptr, T.i32], returns: T.ptr },
      lane_open: { args: [T.ptr, T.i32, T.u32, T.i32], returns: T.i32 },
      lane_request: { args: [T.ptr, T.i32, T.ptr, T.i32, T.i32], returns: T.i32 },
      lane_recv: { args: [T.ptr, T.i32, T.i32], returns: T.i32 },
      lane_reply: { args: [T.ptr, T.i32, T.ptr, T.i32, T.i32], returns: T.i32 },
      lane_send: { args: [T.ptr, T.i32, T.ptr, T.i32, T.i32], returns: T.i32 },
      eng_drain: { args: [T.ptr, T.ptr, T.i32], returns: T.i32 },
      lane_take: { args: [T.ptr, T.i32, T.ptr], returns: T.i32 },
      eng_free: { args: [T.ptr], returns: T.void },
      eng_closing: { args: [T.ptr], returns: T.void },
      eng_close_socket: { args: [T.ptr, T.u32], returns: T.i32 },
    },
  }).symbols;
}

type Shim = ReturnType<typeof compileShim>;
let shim: Shim | undefined;
let apiTable: BigUint64Array | undefined;

/** The libnng entry points, in the order of `struct api` in native/shim.c. */
function buildApiTable(): BigUint64Array {
  const s = nng().symbols;
  const fns = [
    s.nng_aio_alloc, s.nng_aio_free, s.nng_aio_stop, s.nng_aio_result, s.nng_aio_get_msg, s.nng_aio_set_msg,
    s.nng_aio_set_timeout, s.nng_ctx_send, s.nng_ctx_recv, s.nng_send_aio, s.nng_recv_aio, s.nng_msg_alloc,
    s.nng_msg_free, s.nng_msg_body, s.nng_msg_len, s.nng_mtx_alloc, s.nng_mtx_free, s.nng_mtx_lock, s.nng_mtx_unlock,
    s.nng_thread_create, s.nng_thread_destroy, s.nng_cv_alloc, s.nng_cv_free, s.nng_cv_wait, s.nng_cv_wake1,
    s.nng_close, s.nng_msg_get_pipe,
  ];
  // Bun attaches the native address to each dlopen'd symbol as `.ptr`; its types don't say so.
  return BigUint64Array.from(fns.map((fn) => BigInt((fn as unknown as { ptr: number }).ptr)));
}

const EMPTY = new Uint8Array(1);

/**
 * Compiles the shim (once per process) so `fastworker doctor` can tell whether the fast I/O
 * core is available here. @throws whatever TinyCC reports when it cannot compile.
 */
export function checkShimCompiles(): void {
  nng();
  shim ??= compileShim();
}

export function createShimEngine(maxLanes: number, onCompletion: Completion): LaneEngine {
  nng(); // fail with the library's typed error before trying to compile
  shim ??= compileShim();
  apiTable ??= buildApiTable();
  const C = shim;
  const quads = new Int32Array(DRAIN_BUDGET * 4);
  let destroyed = false;
  let drainScheduled = false;
  let lanes = 0;

  const drain = (): void => {
    drainScheduled = false;
    if (destroyed) return;
    const n = C.eng_drain(engine, quads, DRAIN_BUDGET);
    for (let j = 0; j < n; j++) {
      const lane = quads[j * 4]!;
      const rv = quads[j * 4 + 1]!;
      const len = quads[j * 4 + 2]!;
      // Pipe ids are u32; the ring carries them as i32.
      const pipe = quads[j * 4 + 3]! >>> 0;
      let body: Uint8Array | undefined;
      if (len >= 0) {
        body = new Uint8Array(len);
        C.lane_take(engine, lane, len > 0 ? body : EMPTY);
      }
      onCompletion(lane, rv, body, pipe);
    }
    // A full budget means the ring may hold more, and the shim did not re-arm its wake.
    if (n === DRAIN_BUDGET && !drainScheduled) {
      drainScheduled = true;
      setImmediate(drain);
    }
  };

  // One thread-safe callback per engine: NNG's threads call it once per batch, never per message.
  const wake = new JSCallback(drain, { args: [], returns: T.void, threadsafe: true });
  const engine = C.eng_new(apiTable, wake.ptr, maxLanes) as Pointer | null;
  if (!engine) {
    wake.close();
    throw new Error("the NNG shim could not allocate its engine");
  }

  return {
    kind: "shim",
    openLane(target, useCtx) {
      if (lanes >= maxLanes) throw new Error(`lane limit ${maxLanes} reached`);
      const lane = lanes++;
      check(C.lane_open(engine, lane, target, useCtx ? 1 : 0), "nng_aio_alloc");
      return lane;
    },
    request(lane, bytes, timeoutMs) {
      check(C.lane_request(engine, lane, bytes.length ? bytes : EMPTY, bytes.length, timeoutMs), "nng_msg_alloc");
    },
    receive(lane, timeoutMs) {
      C.lane_recv(engine, lane, timeoutMs);
    },
    reply(lane, bytes, timeoutMs) {
      check(C.lane_reply(engine, lane, bytes.length ? bytes : EMPTY, bytes.length, timeoutMs), "nng_msg_alloc");
    },
    send(lane, bytes, timeoutMs) {
      check(C.lane_send(engine, lane, bytes.length ? bytes : EMPTY, bytes.length, timeoutMs), "nng_msg_alloc");
    },
    closing() {
      if (!destroyed) C.eng_closing(engine);
    },
    closeSocket(socketId) {
      // Off the JS thread: see eng_close_socket in native/shim.c. Fall back to a direct call.
      if (C.eng_close_socket(engine, socketId) !== 0) nng().symbols.nng_close(socketId);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      C.eng_free(engine);
      // A wake already queued to the JS thread may still arrive: keep the callback alive a while.
      setTimeout(() => wake.close(), 2000).unref();
    },
  };
}
