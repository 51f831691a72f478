import type { TaskRecord } from "../protocol/index.ts";
import { LongPoll } from "../queue/index.ts";

/**
 * Finished results waiting for the client that submitted them: one long-poll mailbox per
 * clientId (queue/long-poll.ts), keyed by task id. A client collects its whole outbox in one
 * long-poll, so delivering N results costs O(N), however many tasks are still pending, and a
 * burst larger than the result cache cannot evict a result before its submitter has it.
 * Outboxes of clients that stop collecting expire after the result TTL; one that holds more
 * than `maxItems` (the control plane passes the larger of --max-in-flight-per-client and the
 * result cache size: a client that keeps collecting never gets near it) drops its oldest,
 * which stay readable by id from the result cache within their TTL.
 */
export type Outboxes = LongPoll<TaskRecord>;

export interface OutboxLimits {
  resultTtlMs: number;
  maxItems: number;
  maxWaitMs: number;
}

export function createOutboxes({ resultTtlMs, maxItems, maxWaitMs }: OutboxLimits): Outboxes {
  return new LongPoll<TaskRecord>({ maxItems, maxWaitMs, idleTtlMs: resultTtlMs, keyOf: (record) => record.taskId });
}
