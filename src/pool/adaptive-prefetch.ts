/**
 * How deep one Worker's prefetch is right now. The configured prefetch is the floor; when the
 * Worker's jobs are seen to be short it deepens up to `max`, so trivial tasks travel many to a
 * postMessage (one wake-up of the Worker per batch, not per job) while a long task never has
 * more than the configured number waiting behind it. Priorities stay strict at any depth: a job
 * that outranks one waiting in a Worker overtakes it (WorkerPool.canOvertake, the Worker's queue).
 */

/** About this much work (ms) may wait in a Worker once its tasks are known to be short. */
const QUEUED_WORK_MS = 1;
/** Weight of the newest run time in the moving average. */
const ALPHA = 0.1;

export class AdaptivePrefetch {
  /** Moving average of run times in ms; undefined until a job has been seen, so start-up uses the floor. */
  #averageMs: number | undefined;

  constructor(readonly floor: number, readonly max: number) {}

  /** A job ran for `ms` (Worker clock, whole ms: a trivial job reads 0, so the average is what matters). */
  observe(ms: number): void {
    const sample = Math.max(0, ms);
    this.#averageMs = this.#averageMs === undefined ? sample : this.#averageMs + (sample - this.#averageMs) * ALPHA;
  }

  get depth(): number {
    if (this.#averageMs === undefined || this.max <= this.floor) return this.floor;
    const deep = Math.floor(QUEUED_WORK_MS / Math.max(this.#averageMs, QUEUED_WORK_MS / this.max));
    return Math.min(this.max, Math.max(this.floor, deep));
  }
}
