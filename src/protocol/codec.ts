import * as v from "valibot";
import { ProtocolError, toWireError } from "../errors.ts";
import { DEPTH_MESSAGE, ReplySchema, RequestSchema, type Reply, type Request } from "./frames.ts";
import { AnnounceSchema, TaskDoneSchema, type Announce, type TaskDone } from "./peer-frames.ts";
import { compileGuard, compileVariantGuards, type Guard } from "./schema-guard.ts";
import { PROTOCOL_VERSION } from "./version.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The range --max-frame-bytes accepts: below 64 KiB a full hello or status would not fit; NNG sizes are size_t but 1 GiB is already absurd for one frame. */
export const MIN_FRAME_BYTES = 64 * 1024;
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

type Frame = Request | Reply | Announce | TaskDone;

export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode(JSON.stringify(frame));
}

const REQUEST_TYPES = new Set<string>(["submit", "result", "collect", "cancel", "status", "hello", "lease", "report", "bye", "watch", "auth_begin", "auth_prove"]);
const REPLY_TYPES = new Set<string>(["submitted", "results", "cancelled", "status_reply", "welcome", "leased", "ack", "error", "events", "auth_challenge", "authenticated"]);
const ANNOUNCE_TYPES = new Set<string>(["announce"]);
const TASK_DONE_TYPES = new Set<string>(["task_done"]);

/**
 * Per frame type, a non-allocating guard compiled from the same schema (schema-guard.ts): a frame it
 * accepts is exactly what valibot would output, so it is returned as parsed, without valibot's copy.
 */
const REQUEST_GUARDS = compileVariantGuards(RequestSchema, "type");
const REPLY_GUARDS = compileVariantGuards(ReplySchema, "type");
const ANNOUNCE_GUARDS: ReadonlyMap<unknown, Guard> = new Map([["announce", compileGuard(AnnounceSchema)]]);
const TASK_DONE_GUARDS: ReadonlyMap<unknown, Guard> = new Map([["task_done", compileGuard(TaskDoneSchema)]]);

/** Arguments nesting too deep are the caller's arguments being wrong, not a broken peer: the task-level code says so. */
function argsTooDeep(issues: readonly v.BaseIssue<unknown>[]): boolean {
  return issues.every((issue) => {
    const last = issue.path?.at(-1)?.key;
    return issue.message === DEPTH_MESSAGE && (last === "args" || last === "kwargs");
  });
}

/**
 * Bytes -> validated frame, or a ProtocolError whose code says what was wrong:
 * E_FRAME_TOO_LARGE, E_DECODE (not UTF-8 JSON), E_UNSUPPORTED_VERSION, E_UNKNOWN_FRAME, E_INVALID_FRAME
 * (E_INVALID_ARGS when the only fault is arguments nesting deeper than MAX_JSON_DEPTH).
 */
function decodeWith<S extends v.GenericSchema>(
  bytes: Uint8Array, schema: S, types: ReadonlySet<string>, guards: ReadonlyMap<unknown, Guard>, maxBytes: number,
): v.InferOutput<S> {
  if (bytes.byteLength > maxBytes) {
    throw new ProtocolError("E_FRAME_TOO_LARGE", `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new ProtocolError("E_DECODE", `frame is not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ProtocolError("E_DECODE", "frame must be a JSON object");
  }
  const head = parsed as { v?: unknown; type?: unknown };
  if (head.v !== PROTOCOL_VERSION) {
    throw new ProtocolError("E_UNSUPPORTED_VERSION", `frame version ${JSON.stringify(head.v)} is not supported (this peer speaks v${PROTOCOL_VERSION})`);
  }
  if (typeof head.type !== "string" || !types.has(head.type)) {
    throw new ProtocolError("E_UNKNOWN_FRAME", `unknown frame type ${JSON.stringify(head.type)}`);
  }
  // The guard is sound (true only when valibot accepts and outputs this very value), so the cast holds;
  // on false valibot decides, and its issues make the error message.
  if (guards.get(head.type)?.(parsed) === true) return parsed as v.InferOutput<S>;
  const result = v.safeParse(schema, parsed);
  if (!result.success) {
    const issues = result.issues.slice(0, 3).map((i) => `${v.getDotPath(i) ?? "frame"}: ${i.message}`).join("; ");
    throw new ProtocolError(argsTooDeep(result.issues) ? "E_INVALID_ARGS" : "E_INVALID_FRAME", `invalid ${head.type} frame: ${issues}`);
  }
  return result.output;
}

export function decodeRequest(bytes: Uint8Array, maxBytes = DEFAULT_MAX_FRAME_BYTES): Request {
  return decodeWith(bytes, RequestSchema, REQUEST_TYPES, REQUEST_GUARDS, maxBytes);
}

export function decodeReply(bytes: Uint8Array, maxBytes = DEFAULT_MAX_FRAME_BYTES): Reply {
  return decodeWith(bytes, ReplySchema, REPLY_TYPES, REPLY_GUARDS, maxBytes);
}

export function decodeAnnounce(bytes: Uint8Array): Announce {
  return decodeWith(bytes, AnnounceSchema, ANNOUNCE_TYPES, ANNOUNCE_GUARDS, 64 * 1024);
}

export function decodeTaskDone(bytes: Uint8Array, maxBytes = DEFAULT_MAX_FRAME_BYTES): TaskDone {
  return decodeWith(bytes, TaskDoneSchema, TASK_DONE_TYPES, TASK_DONE_GUARDS, maxBytes);
}

/** The reply for a request that could not be served; never silence. */
export function errorFrame(error: unknown, ids?: string[]): Uint8Array {
  // Code and message only (and a standby's leader address): a peer sending bad input has no business seeing our stack and paths.
  const { code, message, leaderAddress } = toWireError(error);
  return encodeFrame({ v: PROTOCOL_VERSION, type: "error", error: { code, message, ...(leaderAddress !== undefined ? { leaderAddress } : {}) }, ...(ids ? { ids } : {}) });
}
