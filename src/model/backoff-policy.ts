/**
 * Exponential backoff between attempts: min(maxMs, baseMs * factor^(attempt-1)), +/- jitter.
 * The one shape for a task's retry backoff (TaskOptions.backoff) and for reconnect delays;
 * queue/backoff.ts computes and validates it.
 */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseMs: number;
  /** Growth per further retry; 1 gives a constant delay. */
  factor: number;
  /** Hard ceiling, applied after jitter too. */
  maxMs: number;
  /** Fraction 0..1: the delay is spread uniformly over ±jitter of its nominal value. */
  jitter: number;
}
