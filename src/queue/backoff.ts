import { ConfigError, FastWorkerError } from "../errors.ts";

import type { BackoffPolicy } from "../model/backoff-policy.ts";

export type { BackoffPolicy };

export function validateBackoffPolicy(policy: BackoffPolicy): void {
  const { baseMs, factor, maxMs, jitter } = policy;
  if (!(baseMs >= 0) || !Number.isFinite(baseMs)) throw new ConfigError(`backoff baseMs must be a finite number ≥ 0, got ${baseMs}`);
  if (!(factor >= 1) || !Number.isFinite(factor)) throw new ConfigError(`backoff factor must be a finite number ≥ 1, got ${factor}`);
  if (!(maxMs >= 0) || !Number.isFinite(maxMs)) throw new ConfigError(`backoff maxMs must be a finite number ≥ 0, got ${maxMs}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new ConfigError(`backoff jitter must be within 0..1, got ${jitter}`);
}

/**
 * Delay in whole milliseconds before retry number `attempt` (1 = first retry):
 * baseMs·factor^(attempt−1), capped at maxMs, then uniformly jittered by
 * ±jitter of that value and clamped to [0, maxMs]. Jitter spreads retries of
 * tasks that failed together (e.g. a downstream outage) so they do not
 * stampede back in lockstep.
 */
export function computeBackoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new FastWorkerError("E_INTERNAL", `backoff attempt must be an integer ≥ 1, got ${attempt}`);
  }
  validateBackoffPolicy(policy);
  const { baseMs, factor, maxMs, jitter } = policy;
  // Math.pow overflows to Infinity for huge attempts, which the cap absorbs.
  const nominal = Math.min(baseMs * Math.pow(factor, attempt - 1), maxMs);
  const spread = jitter === 0 ? 0 : nominal * jitter * (2 * random() - 1);
  const delay = Math.round(nominal + spread);
  return delay < 0 ? 0 : delay > maxMs ? maxMs : delay;
}
