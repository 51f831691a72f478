import type { WireError } from "../errors.ts";
import { encodeFrame } from "./codec.ts";
import type { TaskRecord } from "./frames.ts";
import { PROTOCOL_VERSION } from "./version.ts";

export type MissingResult = { id: string; error: WireError };

export interface PackedResults {
  /** The `results` frame, never over the byte limit it was packed for. */
  bytes: Uint8Array;
  /** Records left out because the frame was full: the caller keeps them for the next reply. */
  left: TaskRecord[];
}

const encoder = new TextEncoder();

/**
 * Encodes a `results` reply within `maxBytes`. Nearly every reply fits at the first try (one
 * encode, as before); only an oversize one is built record by record, taking records in order
 * while they fit and leaving the rest for the caller's next reply (the client asks again). A
 * record that could never fit a frame alone (its arguments and result together) is answered in
 * `missing` with E_RESULT_TOO_LARGE, so no reply is ever a frame the peer would refuse (and drop
 * the connection for) — the completion check (control-plane/result-size.ts) makes that rare.
 */
export function encodeResults(records: readonly TaskRecord[], missing: readonly MissingResult[], maxBytes: number): PackedResults {
  const whole = encodeFrame({ v: PROTOCOL_VERSION, type: "results", results: [...records], missing: [...missing] });
  if (whole.byteLength <= maxBytes) return { bytes: whole, left: [] };
  const parts: string[] = [];
  const tooLarge: MissingResult[] = [];
  const left: TaskRecord[] = [];
  const fixed = byteLength(frameText([], missing));
  // Each record past the first also costs a comma; each one turned into `missing` costs its entry.
  let used = fixed;
  for (const record of records) {
    if (left.length > 0) {
      left.push(record); // keep delivery in order: once one waits for the next reply, the later ones do too
      continue;
    }
    const text = JSON.stringify(record);
    const size = byteLength(text) + (parts.length > 0 ? 1 : 0);
    if (used + size <= maxBytes) {
      parts.push(text);
      used += size;
      continue;
    }
    if (fixed + byteLength(text) > maxBytes) {
      const entry: MissingResult = { id: record.taskId, error: tooLargeError(record, byteLength(text), maxBytes - fixed) };
      const entrySize = byteLength(JSON.stringify(entry)) + 1;
      if (used + entrySize <= maxBytes) {
        tooLarge.push(entry);
        used += entrySize;
        continue;
      }
    }
    left.push(record);
  }
  const text = frameText(parts, [...missing, ...tooLarge]);
  return { bytes: encoder.encode(text), left };
}

/** The same text encodeFrame writes for a `results` frame, with the records already stringified. */
function frameText(records: readonly string[], missing: readonly MissingResult[]): string {
  return `{"v":${PROTOCOL_VERSION},"type":"results","results":[${records.join(",")}],"missing":${JSON.stringify(missing)}}`;
}

function tooLargeError(record: TaskRecord, bytes: number, room: number): WireError {
  return {
    code: "E_RESULT_TOO_LARGE",
    message: `the record of task ${record.taskId} takes ${bytes} bytes encoded (its arguments and result), more than the ${room} bytes a reply frame has room for (--max-frame-bytes)`,
  };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
