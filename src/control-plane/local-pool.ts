import type { Logger } from "../log.ts";
import { WorkerPool } from "../pool/index.ts";
import type { Outcome } from "../protocol/index.ts";
import type { TaskCatalog } from "../tasks/index.ts";
import { LocalSource } from "./local-source.ts";
import type { TaskActivity } from "./task-activity.ts";
import type { TaskTable } from "./task-table.ts";

export interface LocalPoolSettings {
  /** `<cp id>/local`: the worker id the local pool's tasks report. */
  id: string;
  concurrency: number;
  prefetch: number;
  tasksPerWorker?: number;
  catalog: TaskCatalog;
  table: TaskTable;
  activity: TaskActivity;
  log: Logger;
  /** Capacity came free: dispatch again. */
  onCapacity: () => void;
  onOutcome: (outcome: Outcome) => void;
}

/**
 * The control plane's own Bun Worker pool (not started: the caller keeps it before awaiting
 * start(), so a failed or interrupted start still closes it).
 */
export function createLocalPool(s: LocalPoolSettings): WorkerPool {
  return new WorkerPool({
    size: s.concurrency, taskModules: s.catalog.modulePaths, prefetch: s.prefetch, log: s.log,
    ...(s.tasksPerWorker !== undefined ? { tasksPerWorker: s.tasksPerWorker } : {}),
    onProgress: (job, progress) => s.activity.progress(job.id, job.attempt, progress, s.id),
    onLog: (job, line) => s.activity.log(job.id, job.attempt, line, s.id),
    onCapacity: s.onCapacity,
  });
}

/** The capacity source the dispatcher hands tasks to, on a started pool. */
export function localSource(s: LocalPoolSettings, pool: WorkerPool): LocalSource {
  return new LocalSource(s.id, pool, s.catalog.names(), s.onOutcome, s.table.ready, s.concurrency * (s.tasksPerWorker ?? 1));
}
