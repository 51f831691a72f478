import type { Outcome } from "../protocol/index.ts";
import { toRecord, type TaskEntry } from "./task-entry.ts";

/**
 * Results up to this many bytes encoded are not measured further: with the record's other fields
 * they are far below any sensible frame limit (the arguments came in a frame of the same limit,
 * and an oversize record for their sake is still answered typed, see protocol/results-frame.ts).
 */
const SMALL_RESULT_BYTES = 64 * 1024;
/**
 * What the reply adds around the record as it is while running: the `result` key, the success
 * entry of its history, `finishedAt`, and the `results` frame's own envelope. Generous on purpose.
 */
const COMPLETION_OVERHEAD_BYTES = 512;

/**
 * A successful outcome whose result would make the task's record too large for a reply frame
 * becomes a failure with E_RESULT_TOO_LARGE (never retried: the same handler returns the same
 * size), naming the size and the limit. Checked where outcomes from the local pool and from
 * subworker reports arrive, so no client ever sees the oversize reply as a dropped connection.
 */
export function fitOutcome(outcome: Outcome, entry: TaskEntry | undefined, maxFrameBytes: number): Outcome {
  // Below this a result is not worth measuring the record for (a quarter frame when frames are small).
  const small = Math.min(SMALL_RESULT_BYTES, maxFrameBytes / 4);
  if (!outcome.ok || entry === undefined || !maybeLarge(outcome.result, small)) return outcome;
  const resultBytes = Buffer.byteLength(JSON.stringify(outcome.result) ?? "null", "utf8");
  if (resultBytes <= small) return outcome;
  const recordBytes = Buffer.byteLength(JSON.stringify(toRecord(entry)), "utf8") + resultBytes + COMPLETION_OVERHEAD_BYTES;
  if (recordBytes <= maxFrameBytes) return outcome;
  const room = maxFrameBytes - (recordBytes - resultBytes);
  return {
    id: outcome.id, attempt: outcome.attempt, ok: false, retry: "never",
    error: {
      code: "E_RESULT_TOO_LARGE",
      message: `the result of task ${outcome.id} takes ${resultBytes} bytes encoded; a reply frame holds ${maxFrameBytes} bytes (--max-frame-bytes), which leaves ${Math.max(0, room)} bytes for the result beside the task's record`,
    },
    startedAt: outcome.startedAt, finishedAt: outcome.finishedAt,
  };
}

/** Numbers, booleans, null and short strings cannot be large: no need to encode them to know. */
function maybeLarge(result: unknown, small: number): boolean {
  if (typeof result === "string") return result.length * 6 > small; // JSON escapes a character into at most 6 bytes
  return typeof result === "object" && result !== null;
}
