import { encodeFrame } from "./codec.ts";
import type { WatchEvent } from "./frames.ts";
import { PROTOCOL_VERSION } from "./version.ts";

export interface EventsBatch {
  events: WatchEvent[];
  missed: number;
  unknown?: string[];
}

/**
 * Encodes an `events` reply (watch) within `maxBytes`, as encodeResults does for `results`:
 * the events that fit, in order, and the rest left for the watch's next reply. An event that
 * could never fit alone (a final event whose record is too large) keeps its name and task id
 * and carries `{ error: E_RESULT_TOO_LARGE }` as its payload instead of the record.
 */
export function encodeEvents(batch: EventsBatch, maxBytes: number): { bytes: Uint8Array; left: WatchEvent[] } {
  const whole = encodeFrame({ v: PROTOCOL_VERSION, type: "events", ...batch });
  if (whole.byteLength <= maxBytes) return { bytes: whole, left: [] };
  const fixed = byteLength(JSON.stringify({ v: PROTOCOL_VERSION, type: "events", ...batch, events: [] }));
  const sent: WatchEvent[] = [];
  let used = fixed;
  let index = 0;
  for (; index < batch.events.length; index++) {
    const event = batch.events[index]!;
    let size = byteLength(JSON.stringify(event)) + 1;
    let fitted = event;
    if (fixed + size > maxBytes) {
      fitted = { name: event.name, taskId: event.taskId, at: event.at, payload: { error: {
        code: "E_RESULT_TOO_LARGE", message: `the ${event.name} event of task ${event.taskId} takes ${size - 1} bytes encoded, more than a reply frame has room for (--max-frame-bytes)`,
      } } };
      size = byteLength(JSON.stringify(fitted)) + 1;
    }
    if (used + size > maxBytes) break;
    sent.push(fitted);
    used += size;
  }
  return { bytes: encodeFrame({ v: PROTOCOL_VERSION, type: "events", ...batch, events: sent }), left: batch.events.slice(index) };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
