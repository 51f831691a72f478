import { FastWorkerError } from "../errors.ts";
import { MAX_HELD_PER_CONNECTION } from "../model/defaults.ts";

/**
 * Every long-poll the control plane holds (`collect`, `result` and `submit` with a wait, `watch`),
 * by the NNG pipe it came from. Three bounds, so one peer can never keep the REP contexts others
 * need: no wait lasts longer than `maxWaitMs` (a longer one is clamped, not refused: the caller
 * just asks again), a pipe holds at most `maxPerPipe` waits at once (one more is answered at once
 * with E_TOO_MANY_WAITS), and a pipe's waits end the moment it closes (nobody would read them).
 */
export class HeldWaits {
  private readonly byPipe = new Map<number, Set<AbortController>>();

  constructor(readonly maxWaitMs: number, readonly maxPerPipe: number) {}

  /** The wait actually granted for a requested one: never negative, never above maxWaitMs. */
  clamp(waitMs: number): number {
    return Math.min(Math.max(0, waitMs), this.maxWaitMs);
  }

  /** Waits held now on `pipe` (status and tests). */
  heldOn(pipe: number): number {
    return this.byPipe.get(pipe)?.size ?? 0;
  }

  /**
   * Runs one held request for `pipe`; `run` must end its wait when the signal aborts. Throws
   * E_TOO_MANY_WAITS, before running anything, once the pipe already holds `maxPerPipe` waits.
   */
  async hold<T>(pipe: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let set = this.byPipe.get(pipe);
    if (set !== undefined && set.size >= this.maxPerPipe) {
      throw new FastWorkerError("E_TOO_MANY_WAITS", `this connection already holds ${set.size} waiting requests (the limit is ${this.maxPerPipe}); wait for replies before asking again, or use another connection`);
    }
    if (set === undefined) this.byPipe.set(pipe, (set = new Set()));
    const controller = new AbortController();
    set.add(controller);
    try {
      return await run(controller.signal);
    } finally {
      set.delete(controller);
      if (set.size === 0 && this.byPipe.get(pipe) === set) this.byPipe.delete(pipe);
    }
  }

  /** The pipe closed: each of its held requests answers now (to nobody), freeing its context. */
  release(pipe: number): void {
    const set = this.byPipe.get(pipe);
    if (set === undefined) return;
    this.byPipe.delete(pipe);
    for (const controller of set) controller.abort();
  }
}

/**
 * The long-poll bounds, checked: a timer longer than 2^31-1 ms fires at once in Bun, and a cap above
 * the REP context count would let a closed pipe's waits outlive it (see MAX_HELD_PER_CONNECTION).
 */
export function checkWaitLimits(maxWaitMs: number, maxHeldPerConnection: number): { maxWaitMs: number; maxHeldPerConnection: number } {
  if (!Number.isInteger(maxWaitMs) || maxWaitMs < 1 || maxWaitMs > 2_147_483_647) {
    throw new FastWorkerError("E_CONFIG", `maxWaitMs must be an integer from 1 to 2147483647 ms, got ${maxWaitMs}`);
  }
  if (!Number.isInteger(maxHeldPerConnection) || maxHeldPerConnection < 1 || maxHeldPerConnection > MAX_HELD_PER_CONNECTION) {
    throw new FastWorkerError("E_CONFIG", `maxHeldPerConnection must be an integer from 1 to ${MAX_HELD_PER_CONNECTION}, got ${maxHeldPerConnection}`);
  }
  return { maxWaitMs, maxHeldPerConnection };
}
