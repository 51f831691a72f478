import { FastWorkerError } from "../errors.ts";
import { MAX_HELD_PER_CONNECTION } from "../model/defaults.ts";
import { PipeRegistry, type PipeState } from "./pipe-registry.ts";

/**
 * Every long-poll the control plane holds (`collect`, `result` and `submit` with a wait, `watch`),
 * by the NNG pipe it came from. Three bounds, so one peer can never keep the REP contexts others
 * need: no wait lasts longer than `maxWaitMs` (a longer one is clamped, not refused: the caller
 * just asks again), a pipe holds at most `maxPerPipe` waits at once (one more is answered at once
 * with E_TOO_MANY_WAITS), and a pipe's waits end the moment it closes (nobody would read them).
 */
export class HeldWaits {
  /** The waits of each pipe live in the pipe's state (one table of connections, see pipe-registry.ts). */
  constructor(readonly maxWaitMs: number, readonly maxPerPipe: number, private readonly pipes = new PipeRegistry()) {}

  /** The wait actually granted for a requested one: never negative, never above maxWaitMs. */
  clamp(waitMs: number): number {
    return Math.min(Math.max(0, waitMs), this.maxWaitMs);
  }

  /** Waits held now on `pipe` (status and tests). */
  heldOn(pipe: number): number {
    return this.pipes.peek(pipe)?.held.size ?? 0;
  }

  /**
   * Runs one held request for `pipe`; `run` must end its wait when the signal aborts. Throws
   * E_TOO_MANY_WAITS, before running anything, once the pipe already holds `maxPerPipe` waits.
   */
  async hold<T>(pipe: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const set = this.pipes.get(pipe).held;
    if (set.size >= this.maxPerPipe) {
      throw new FastWorkerError("E_TOO_MANY_WAITS", `this connection already holds ${set.size} waiting requests (the limit is ${this.maxPerPipe}); wait for replies before asking again, or use another connection`);
    }
    const controller = new AbortController();
    set.add(controller);
    try {
      return await run(controller.signal);
    } finally {
      set.delete(controller);
    }
  }

  /** The pipe closed: each of its held requests answers now (to nobody), freeing its context. */
  release(pipe: number, state: PipeState | undefined = this.pipes.peek(pipe)): void {
    if (state === undefined) return;
    const waits = [...state.held];
    state.held.clear();
    for (const controller of waits) controller.abort();
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
