/** Checking jobs handed to WorkerPool.run() and turning Worker results back into PoolOutcomes. */
import type { WireError } from "../errors.ts";
import { isPriority } from "../model/priority.ts";
import type { ResultMessage } from "./messages.ts";
import type { PoolJob, PoolOutcome, RetryDirective } from "./types.ts";

/** What is wrong with a job, or undefined when it can run. */
export function invalidJob(job: PoolJob): string | undefined {
  if (typeof job.id !== "string" || job.id === "") return "job.id must be a non-empty string";
  if (typeof job.name !== "string" || job.name === "") return "job.name must be a non-empty string";
  if (!Array.isArray(job.args)) return "job.args must be an array";
  if (!isPriority(job.priority)) return `job.priority must be critical, high, normal or low, got ${String(job.priority)}`;
  if (job.timeoutMs !== undefined && !(Number.isFinite(job.timeoutMs) && job.timeoutMs > 0)) return "job.timeoutMs must be a number > 0";
  return undefined;
}

export function decodeResult(message: ResultMessage): PoolOutcome {
  switch (message.t) {
    case "ok":
      return { ok: true, result: message.result, startedAt: message.startedAt, finishedAt: message.finishedAt };
    case "okj": {
      const result: unknown = JSON.parse(message.json);
      return { ok: true, result, startedAt: message.startedAt, finishedAt: message.finishedAt };
    }
    case "err": {
      const { startedAt, finishedAt } = message;
      const error: WireError = message.stack === undefined ? { code: message.code, message: message.message } : { code: message.code, message: message.message, stack: message.stack };
      const retry: RetryDirective = typeof message.retry === "number" ? { delayMs: message.retry } : message.retry;
      return startedAt === undefined ? { ok: false, error, retry, finishedAt } : { ok: false, error, retry, startedAt, finishedAt };
    }
  }
}
