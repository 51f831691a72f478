import { QueueFullError } from "../errors.ts";

/** How a Client waits when the control plane answers E_QUEUE_FULL (ClientOptions.backpressure). */
export interface BackpressureOptions {
  /** How long one task may keep being refused before its submit rejects with E_QUEUE_FULL; 0 = reject at the first refusal. Default 300 000 ms. */
  maxWaitMs?: number;
  /** The first wait when the control plane suggests none. Default 50 ms. */
  initialDelayMs?: number;
  /** Waits double up to this. Default 2 000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_BACKPRESSURE = { maxWaitMs: 300_000, initialDelayMs: 50, maxDelayMs: 2_000 } as const;

/**
 * The waiting policy for refused tasks: the control plane's retryAfterMs first, then exponential
 * backoff with full jitter (so thousands of refused tasks do not come back in one burst), until
 * maxWaitMs since the first refusal. Tracks which tasks are waiting, for progress displays.
 */
export class Backpressure {
  private readonly maxWaitMs: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  /** Task id -> when it was first refused and how many times since. */
  private readonly refused = new Map<string, { since: number; attempts: number }>();

  constructor(options: BackpressureOptions = {}) {
    this.maxWaitMs = options.maxWaitMs ?? DEFAULT_BACKPRESSURE.maxWaitMs;
    this.initialDelayMs = options.initialDelayMs ?? DEFAULT_BACKPRESSURE.initialDelayMs;
    this.maxDelayMs = Math.max(options.maxDelayMs ?? DEFAULT_BACKPRESSURE.maxDelayMs, this.initialDelayMs);
  }

  /** Tasks currently waiting for room in the control plane's queue. */
  get waiting(): number {
    return this.refused.size;
  }

  /** The wait before resubmitting `id` after `error`, or undefined when its time is up (the caller rejects with the error). */
  delayFor(id: string, error: QueueFullError, now = Date.now()): number | undefined {
    const state = this.refused.get(id) ?? { since: now, attempts: 0 };
    if (now - state.since >= this.maxWaitMs) {
      this.refused.delete(id);
      return undefined;
    }
    state.attempts++;
    this.refused.set(id, state);
    const backoff = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(state.attempts - 1, 30));
    const delay = state.attempts === 1 && error.retryAfterMs > 0 ? error.retryAfterMs : Math.max(error.retryAfterMs, Math.random() * backoff);
    // Never past the deadline: the last attempt happens at it, so maxWaitMs is what a caller waits at most.
    return Math.min(delay, this.maxWaitMs - (now - state.since));
  }

  /** The task was accepted, or failed for another reason: it no longer waits. */
  settled(id: string): void {
    this.refused.delete(id);
  }

  clear(): void {
    this.refused.clear();
  }
}
