import { encodeFrame, PROTOCOL_VERSION, type Outcome, type Priority } from "../protocol/index.ts";
import type { ActivityReport } from "./activity.ts";

export interface LeaseRequest extends Partial<ActivityReport> {
  workerId: string;
  outcomes: Outcome[];
  running: string[];
  credits: number;
  /** Of the credits, Workers with nothing to do (left out: all of them). */
  idle?: number;
  /** With no credits: one more task this urgent or more would overtake work prefetched here. */
  overtake?: Priority | undefined;
  waitMs: number;
}

export interface EncodedLease {
  bytes: Uint8Array;
  /** Outcomes inside this frame. */
  sent: Outcome[];
  /** Outcomes left for the next frame because this one would have been too large. */
  rest: Outcome[];
}

/** A lease when there is nothing to report (nothing finished, nothing running), a report otherwise. */
function encode(request: LeaseRequest, outcomes: Outcome[]): Uint8Array {
  const { workerId, running, credits, idle, overtake, waitMs, progress, logs } = request;
  const offer = { credits, ...(idle !== undefined ? { idle } : {}), ...(overtake !== undefined ? { overtake } : {}), waitMs };
  const activity = {
    ...(progress !== undefined && progress.length > 0 ? { progress } : {}),
    ...(logs !== undefined && logs.length > 0 ? { logs } : {}),
  };
  if (outcomes.length === 0 && running.length === 0 && activity.progress === undefined && activity.logs === undefined) {
    return encodeFrame({ v: PROTOCOL_VERSION, type: "lease", workerId, ...offer });
  }
  return encodeFrame({ v: PROTOCOL_VERSION, type: "report", workerId, outcomes, running, ...offer, ...activity });
}

/** The outcome a result too large for any frame turns into: the task fails instead of wedging every report after it. */
function oversize(outcome: Outcome, bytes: number, maxBytes: number): Outcome {
  return {
    id: outcome.id, attempt: outcome.attempt, ok: false, retry: "never",
    // A result is the handler's doing, typed as such (as the control plane does for one too large for a reply).
    error: { code: outcome.ok ? "E_RESULT_TOO_LARGE" : "E_FRAME_TOO_LARGE", message: `the outcome of task ${outcome.id} takes ${bytes} bytes, more than the ${maxBytes}-byte frame limit` },
    ...(outcome.startedAt !== undefined ? { startedAt: outcome.startedAt } : {}),
    finishedAt: outcome.finishedAt,
  };
}

/**
 * Encodes the next lease/report within the frame limit. The usual frame fits at the first try
 * (one JSON.stringify); only an oversize batch is halved until it fits, and a single result
 * that can never fit is reported as a failure.
 */
export function encodeLease(request: LeaseRequest, maxBytes: number): EncodedLease {
  let sent = request.outcomes;
  let bytes = encode(request, sent);
  while (bytes.byteLength > maxBytes && sent.length > 1) {
    sent = sent.slice(0, Math.ceil(sent.length / 2));
    bytes = encode(request, sent);
  }
  if (bytes.byteLength > maxBytes && sent.length === 1) {
    sent = [oversize(sent[0]!, bytes.byteLength, maxBytes)];
    bytes = encode(request, sent);
  }
  return { bytes, sent, rest: request.outcomes.slice(sent.length) };
}
