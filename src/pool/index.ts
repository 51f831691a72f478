export { WorkerPool } from "./pool.ts";
export type { CloseOptions, JobRef, LogFn, LogLevel, PoolJob, PoolOutcome, PoolStats, RetryDirective, WorkerPoolOptions } from "./types.ts";
