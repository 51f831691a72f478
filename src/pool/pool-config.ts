/**
 * WorkerPoolOptions checked and turned into what every slot shares: defaults, limits, and the
 * logger and clock the pool runs on.
 */
import { ConfigError } from "../errors.ts";
import { systemClock } from "../model/clock.ts";
import { MAX_IN_FLIGHT } from "./shared-state.ts";
import { TaskBudgets } from "./slot-load.ts";
import type { SlotConfig } from "./slot.ts";
import type { LogFn, WorkerPoolOptions } from "./types.ts";

const DEFAULT_PREFETCH = 2;
const DEFAULT_MAX_PREFETCH = 32;
const DEFAULT_ABORT_GRACE_MS = 1000;
const DEFAULT_START_TIMEOUT_MS = 60_000;

// Without an injected logger, problems still surface (on stderr) rather than vanish.
const defaultLog: LogFn = (level, msg, fields) => {
  if (level === "warn" || level === "error") console.error(`[fastworker pool] ${level}: ${msg}`, fields ?? "");
};

export function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`WorkerPool: "${name}" must be an integer >= 1, got ${String(value)}.`);
  return value;
}

/** @throws ConfigError naming the option when one is out of range. */
export function slotConfig(options: WorkerPoolOptions): SlotConfig {
  const prefetch = positiveInteger("prefetch", options.prefetch ?? DEFAULT_PREFETCH);
  const tasksPerWorker = positiveInteger("tasksPerWorker", options.tasksPerWorker ?? 1);
  if (tasksPerWorker > MAX_IN_FLIGHT) throw new ConfigError(`WorkerPool: "tasksPerWorker" must be at most ${MAX_IN_FLIGHT}, got ${tasksPerWorker}.`);
  const abortGraceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
  if (!Number.isFinite(abortGraceMs) || abortGraceMs < 0) throw new ConfigError(`WorkerPool: "abortGraceMs" must be a number >= 0, got ${String(abortGraceMs)}.`);
  return {
    modules: [...options.taskModules],
    prefetch,
    maxPrefetch: Math.max(prefetch, positiveInteger("maxPrefetch", options.maxPrefetch ?? DEFAULT_MAX_PREFETCH)),
    budgets: new TaskBudgets(tasksPerWorker),
    abortGraceMs,
    startTimeoutMs: positiveInteger("startTimeoutMs", options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS),
    log: options.log ?? defaultLog,
    clock: options.clock ?? systemClock,
  };
}
