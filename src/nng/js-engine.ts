import { JSCallback, FFIType as T, toArrayBuffer, type Pointer } from "bun:ffi";
import type { Completion, LaneEngine } from "./engine.ts";
import { check, NNG_ECLOSED, NNG_ETIMEDOUT } from "./errors.ts";
import { nng } from "./library.ts";

/**
 * The pure-JS I/O core: one thread-safe JSCallback per aio, and the lane state machine runs on
 * the JS thread. About half the shim's throughput (two JS hops per request), but it needs no
 * C compiler at all, so it is the fallback where bun:ffi `cc` is unavailable.
 */

const enum State { Idle, ReqSend, ReqRecv, Recv, ReplySend, Send }

interface Lane {
  aio: Pointer;
  target: number;
  useCtx: boolean;
  state: State;
  callback: JSCallback;
  /** The pipe of the last request received (REP): where a reply that misses its deadline was going. */
  pipe: number;
}

export function createJsEngine(maxLanes: number, onCompletion: Completion): LaneEngine {
  const s = nng().symbols;
  const lanes: Lane[] = [];
  const out = new BigUint64Array(1);
  let destroyed = false;
  let closing = false;

  const startSend = (l: Lane) => (l.useCtx ? s.nng_ctx_send(l.target, l.aio) : s.nng_send_aio(l.target, l.aio));
  const startRecv = (l: Lane) => (l.useCtx ? s.nng_ctx_recv(l.target, l.aio) : s.nng_recv_aio(l.target, l.aio));

  const freeUnsent = (l: Lane) => {
    const msg = s.nng_aio_get_msg(l.aio);
    if (msg) s.nng_msg_free(msg);
  };

  const receive = (index: number, l: Lane): void => {
    const msg = s.nng_aio_get_msg(l.aio);
    if (!msg) return finish(index, l, 0);
    const len = Number(s.nng_msg_len(msg));
    const body = len > 0 ? new Uint8Array(toArrayBuffer(s.nng_msg_body(msg)!, 0, len)).slice() : new Uint8Array(0);
    const pipe = s.nng_msg_get_pipe(msg);
    l.pipe = pipe;
    s.nng_msg_free(msg);
    finish(index, l, 0, body, pipe);
  };

  const finish = (index: number, l: Lane, rv: number, body?: Uint8Array, pipe = 0) => {
    l.state = State.Idle;
    onCompletion(index, rv, body, pipe);
  };

  const onAio = (index: number) => {
    const l = lanes[index];
    if (!l || destroyed) return;
    const rv = s.nng_aio_result(l.aio);
    switch (l.state) {
      case State.ReqSend:
        if (rv === 0 && closing) return finish(index, l, NNG_ECLOSED);
        if (rv === 0) {
          l.state = State.ReqRecv;
          startRecv(l);
          return;
        }
        freeUnsent(l);
        return finish(index, l, rv);
      case State.ReqRecv:
      case State.Recv:
        return rv === 0 ? receive(index, l) : finish(index, l, rv);
      case State.ReplySend:
        if (rv !== 0) freeUnsent(l);
        if (rv === NNG_ECLOSED || closing) return finish(index, l, NNG_ECLOSED);
        if (rv === NNG_ETIMEDOUT) return finish(index, l, rv, undefined, l.pipe); // the peer does not read (see the shim)
        l.state = State.Recv;
        s.nng_aio_set_timeout(l.aio, -1);
        startRecv(l);
        return;
      case State.Send:
        if (rv !== 0) freeUnsent(l);
        return finish(index, l, rv);
      default:
        return finish(index, l, rv);
    }
  };

  const loadMessage = (l: Lane, bytes: Uint8Array) => {
    check(s.nng_msg_alloc(out, bytes.length), "nng_msg_alloc");
    const msg = Number(out[0]) as Pointer;
    if (bytes.length > 0) new Uint8Array(toArrayBuffer(s.nng_msg_body(msg)!, 0, bytes.length)).set(bytes);
    s.nng_aio_set_msg(l.aio, msg);
  };

  return {
    kind: "js",
    openLane(target, useCtx) {
      if (lanes.length >= maxLanes) throw new Error(`lane limit ${maxLanes} reached`);
      const index = lanes.length;
      const callback = new JSCallback(() => onAio(index), { args: [T.ptr], returns: T.void, threadsafe: true });
      check(s.nng_aio_alloc(out, callback.ptr, null), "nng_aio_alloc");
      lanes.push({ aio: Number(out[0]) as Pointer, target, useCtx, state: State.Idle, callback, pipe: 0 });
      return index;
    },
    request(lane, bytes, timeoutMs) {
      const l = lanes[lane]!;
      loadMessage(l, bytes);
      l.state = State.ReqSend;
      s.nng_aio_set_timeout(l.aio, timeoutMs);
      startSend(l);
    },
    receive(lane, timeoutMs) {
      const l = lanes[lane]!;
      l.state = State.Recv;
      s.nng_aio_set_timeout(l.aio, timeoutMs);
      startRecv(l);
    },
    reply(lane, bytes, timeoutMs) {
      const l = lanes[lane]!;
      loadMessage(l, bytes);
      l.state = State.ReplySend;
      s.nng_aio_set_timeout(l.aio, timeoutMs);
      startSend(l);
    },
    send(lane, bytes, timeoutMs) {
      const l = lanes[lane]!;
      loadMessage(l, bytes);
      l.state = State.Send;
      s.nng_aio_set_timeout(l.aio, timeoutMs);
      startSend(l);
    },
    closing() {
      closing = true;
    },
    closeSocket(socketId) {
      s.nng_close(socketId);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const l of lanes) {
        // Every operation has reported by now (the socket waits for that), so no message is left in an aio.
        s.nng_aio_stop(l.aio);
        s.nng_aio_free(l.aio);
      }
      const callbacks = lanes.map((l) => l.callback);
      setTimeout(() => callbacks.forEach((c) => c.close()), 2000).unref();
    },
  };
}
