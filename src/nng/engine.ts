import { FastWorkerError } from "../errors.ts";
import { createJsEngine } from "./js-engine.ts";
import { createShimEngine } from "./shim-engine.ts";

/**
 * Called once per finished lane operation, on the JS thread. `rv` is NNG's errno (0 = ok);
 * `body` is the received message for receive-type operations that succeeded, and `pipe` the id
 * of the NNG pipe (connection) it arrived on (0 when there is no message), or for a reply that
 * missed its deadline (NNG_ETIMEDOUT), the pipe it was for.
 */
export type Completion = (lane: number, rv: number, body: Uint8Array | undefined, pipe: number) => void;

/**
 * The I/O core under every socket: "lanes" are aios, each bound to one nng_ctx (REQ/REP) or
 * to the socket itself (BUS/PAIR/PUB/SUB). A lane has at most one operation outstanding, and
 * each operation reports exactly one completion:
 * - request: send, then receive the reply (reports the reply or the error);
 * - receive: reports the message or the error;
 * - reply: send, then re-arm receive (reports the next request, not the send; except a send
 *   past its deadline, reported as NNG_ETIMEDOUT with the pipe of the peer that did not read,
 *   after which the lane is idle until the next receive);
 * - send: reports when sent or failed.
 * Methods throw NngError only when an operation cannot even start (e.g. out of memory).
 */
export interface LaneEngine {
  readonly kind: "shim" | "js";
  openLane(target: number, useCtx: boolean): number;
  request(lane: number, bytes: Uint8Array, timeoutMs: number): void;
  receive(lane: number, timeoutMs: number): void;
  /** `timeoutMs` bounds the send; -1 for none. */
  reply(lane: number, bytes: Uint8Array, timeoutMs: number): void;
  send(lane: number, bytes: Uint8Array, timeoutMs: number): void;
  /**
   * Called just before nng_close: from now on lanes finish instead of starting new operations,
   * and on return no other thread is inside an NNG call for this socket (libnng crashes when
   * nng_close runs while another thread is in nng_ctx_send/recv on one of its contexts).
   */
  closing(): void;
  /** Closes the socket (the shim does it on an NNG thread, so a stuck nng_close cannot freeze JS). */
  closeSocket(socketId: number): void;
  /**
   * Stops and frees every lane. Only after the socket is closed and every outstanding
   * operation has reported: freeing earlier crashed NNG (see design §3).
   */
  destroy(): void;
}

export type EngineKind = "shim" | "js";

/** FASTWORKER_NNG_ENGINE=js selects the pure-JS core; otherwise the shim, falling back to JS when `cc` fails. */
export function createEngine(maxLanes: number, onCompletion: Completion, kind = preferredEngine()): LaneEngine {
  if (kind === "js") return createJsEngine(maxLanes, onCompletion);
  try {
    return createShimEngine(maxLanes, onCompletion);
  } catch (error) {
    if (error instanceof FastWorkerError) throw error;
    shimUnavailable ??= error;
    console.warn(`fastworker: the NNG shim could not be compiled (${String(error)}); using the pure-JS I/O core`);
    return createJsEngine(maxLanes, onCompletion);
  }
}

let shimUnavailable: unknown;

export function preferredEngine(env: Record<string, string | undefined> = process.env): EngineKind {
  const value = env.FASTWORKER_NNG_ENGINE;
  if (value === undefined || value === "" || value === "shim") return shimUnavailable === undefined ? "shim" : "js";
  if (value === "js") return "js";
  throw new FastWorkerError("E_CONFIG", `FASTWORKER_NNG_ENGINE must be "shim" or "js", not "${value}"`);
}
