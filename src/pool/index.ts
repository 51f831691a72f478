export { WorkerPool } from "./pool.ts";
export type { CloseOptions, LogFn, LogLevel, PoolJob, PoolOutcome, PoolStats, RetryDirective, WorkerPoolOptions } from "./types.ts";
