import { encodeResults, type MissingResult, type TaskRecord } from "../protocol/index.ts";
import type { Outboxes } from "./outboxes.ts";

/**
 * A `results` reply that fits the frame limit. The records it has no room for go back to the
 * client's outbox (`clientId` given: its collector asks again at once, as it does while it owes
 * results) or, for a caller without an outbox, are left out: every such caller asks again for
 * the ids it got neither a record nor a `missing` entry for (docs/protocol.md, "Limits").
 */
export function resultsReply(
  records: readonly TaskRecord[], missing: readonly MissingResult[], maxFrameBytes: number,
  outbox?: { outboxes: Outboxes; clientId: string },
): Uint8Array {
  const { bytes, left } = encodeResults(records, missing, maxFrameBytes);
  if (outbox) outbox.outboxes.putBack(outbox.clientId, left);
  return bytes;
}
