import { FASTWORKER_VERSION, PROTOCOL_VERSION, type ReplyOf, type WorkerInfo } from "../protocol/index.ts";
import type { TaskTable } from "./task-table.ts";

export type StatusSnapshot = Omit<ReplyOf<"status_reply">, "v" | "type">;

export interface SnapshotSource {
  readonly id: string;
  readonly startedAt: number;
  readonly table: TaskTable;
  readonly catalog: { names(): string[] };
  workers(): WorkerInfo[];
}

/** Queues, workers, cache and tasks: what `status` answers (over NNG and in-process). */
export function statusSnapshot(cp: SnapshotSource): StatusSnapshot {
  const sizes = cp.table.ready.sizeByPriority();
  const workers = cp.workers();
  return {
    cpId: cp.id, version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION, startedAt: cp.startedAt,
    queues: { critical: sizes.critical, high: sizes.high, normal: sizes.normal, low: sizes.low },
    scheduled: cp.table.delayed.size,
    running: workers.reduce((n, w) => n + w.running, 0),
    workers,
    cache: { size: cp.table.results.size, maxSize: cp.table.results.maxSize, ttlMs: cp.table.results.ttlMs },
    tasks: cp.catalog.names(),
  };
}
