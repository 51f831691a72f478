import { DEFAULT_STATUS_WORKERS_LIMIT, MAX_STATUS_WORKERS_LIMIT, type WorkerInfo } from "../protocol/index.ts";

/** Which workers a `status` answer lists: the NNG frame's and /api/status's workersOffset / workersLimit. */
export interface WorkersPage {
  workersOffset?: number;
  workersLimit?: number;
}

/**
 * One page of the workers, and how many there are in all. Every status answer is paged (default
 * the first 500), so its size no longer grows with the number of registered subworkers: 50 000
 * fake `hello`s made one unpaged reply 18.8 MB, more than the CLI could read.
 */
export function pageWorkers(all: readonly WorkerInfo[], page: WorkersPage = {}): { workers: WorkerInfo[]; workersTotal: number } {
  const offset = Math.max(0, Math.floor(page.workersOffset ?? 0));
  // In-process callers are not validated by valibot: the same bounds apply to them.
  const limit = Math.min(MAX_STATUS_WORKERS_LIMIT, Math.max(1, Math.floor(page.workersLimit ?? DEFAULT_STATUS_WORKERS_LIMIT)));
  return { workers: all.slice(offset, offset + limit), workersTotal: all.length };
}
