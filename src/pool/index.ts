export { WorkerPool } from "./pool.ts";
export type { Clock, ClockTimer } from "../model/clock.ts";
export type { CloseOptions, JobRef, LogFn, LogLevel, PoolJob, PoolOutcome, PoolStats, RetryDirective, WorkerPoolOptions } from "./types.ts";
