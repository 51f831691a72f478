import { FASTWORKER_VERSION, PROTOCOL_VERSION, type ReplyOf, type WorkerInfo } from "../protocol/index.ts";
import { liveCounts } from "../model/live-counts.ts";
import type { JournalBackend } from "../store/index.ts";
import type { TaskTable } from "./task-table.ts";
import { pageWorkers, type WorkersPage } from "./worker-pages.ts";

export type StatusSnapshot = Omit<ReplyOf<"status_reply">, "v" | "type">;

/** Where a control plane stands in its cluster (docs/operations.md, "Active and standby control planes"). */
export interface ClusterRole {
  readonly role: "single" | "leader";
  readonly epoch?: number;
  readonly journal: JournalBackend;
}

export interface SnapshotSource {
  readonly cluster: ClusterRole;
  readonly id: string;
  readonly startedAt: number;
  readonly table: TaskTable;
  readonly catalog: { names(): string[] };
  workers(): WorkerInfo[];
}

/** Queues, workers (one page of them, worker-pages.ts), cache and tasks: what `status` answers (over NNG and in-process). */
export function statusSnapshot(cp: SnapshotSource, page?: WorkersPage): StatusSnapshot {
  const workers = cp.workers();
  const counts = liveCounts(cp.table, workers);
  return {
    cpId: cp.id, version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION, startedAt: cp.startedAt,
    queues: counts.queued,
    scheduled: counts.scheduled,
    running: counts.running,
    ...pageWorkers(workers, page),
    cache: { size: counts.cached, maxSize: cp.table.results.maxSize, ttlMs: cp.table.results.ttlMs },
    tasks: cp.catalog.names(),
    ...cp.cluster,
  };
}
