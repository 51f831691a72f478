/**
 * A few Int32 cells shared (SharedArrayBuffer) between the pool and one Worker.
 *
 * Why shared memory instead of a `started` message per job: the pool needs to
 * know which jobs a Worker is running, and since when, only rarely (a timeout
 * check, a cancel, a crash), but trivial jobs start hundreds of thousands of
 * times a second. Writing two integers costs nanoseconds; a message costs
 * microseconds on both threads. Reads are exact at any moment, so hard
 * timeouts are accurate to timer resolution.
 *
 * A Worker may run up to MAX_IN_FLIGHT jobs at once (async handlers): each
 * running job owns one (seq, start) pair of cells until it ends. The Worker
 * reuses the lowest free pairs first, so the pool scans only up to the
 * high-water mark.
 */

const POSTED = 0; // messages the pool has posted to the Worker since init, wrapped
const CANCEL = 1; // seq of the most recent cancel request for a queued job
const COUNT = 2; // jobs running right now
const HIGH = 3; // pairs in use at some point: the pool scans [0, HIGH)
const HEADER = 4;

import { MAX_TASKS_PER_WORKER } from "../tasks/context.ts";

/** Jobs one Worker runs at once, at most. */
export const MAX_IN_FLIGHT = MAX_TASKS_PER_WORKER;
export const SHARED_STATE_BYTES = (HEADER + 2 * MAX_IN_FLIGHT) * Int32Array.BYTES_PER_ELEMENT;

/** Milliseconds since `epoch` as a wrapping int32; differences stay right for ~24 days. */
function relativeMs(epoch: number, now: number): number {
  return (now - epoch) | 0;
}

export class SharedJobState {
  readonly buffer: SharedArrayBuffer;
  readonly epoch: number;
  readonly #cells: Int32Array;
  /** Worker side: free pair indices (a stack, lowest on top) and the next never-used one. */
  readonly #free: number[] = [];
  #high = 0;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(SHARED_STATE_BYTES), epoch: number = Date.now()) {
    this.buffer = buffer;
    this.epoch = epoch;
    this.#cells = new Int32Array(buffer);
  }

  // ---- Worker side -------------------------------------------------------

  /**
   * Publishes that `seq` starts now and returns its pair index, or -1 if the
   * pool asked to cancel it first; the caller must then skip the job. Storing
   * the seq before loading CANCEL (and the pool doing the reverse) means at
   * least one side always sees the other, so a cancelled job never silently runs.
   */
  markStarted(seq: number, now: number): number {
    const pair = this.#free.pop() ?? this.#high++;
    const at = HEADER + 2 * pair;
    Atomics.store(this.#cells, at + 1, relativeMs(this.epoch, now));
    Atomics.store(this.#cells, at, seq);
    if (Atomics.load(this.#cells, HIGH) < this.#high) Atomics.store(this.#cells, HIGH, this.#high);
    Atomics.add(this.#cells, COUNT, 1);
    if (Atomics.load(this.#cells, CANCEL) === seq) {
      this.markFinished(pair);
      return -1;
    }
    return pair;
  }

  /** The job holding `pair` ended. */
  markFinished(pair: number): void {
    Atomics.store(this.#cells, HEADER + 2 * pair, 0);
    Atomics.sub(this.#cells, COUNT, 1);
    // Reuse the lowest pairs first so the pool's scans stay short.
    this.#free.push(pair);
    if (this.#free.length > 1 && pair > (this.#free[this.#free.length - 2] as number)) this.#free.sort((a, b) => b - a);
  }

  /** Messages the pool has posted but this Worker has not yet received (0 when caught up). */
  messagesInFlight(received: number): number {
    return (Atomics.load(this.#cells, POSTED) - received) | 0;
  }

  // ---- Pool side ---------------------------------------------------------

  /** Called after each successful postMessage to the Worker (never before, see messagesInFlight). */
  notePosted(): void {
    Atomics.add(this.#cells, POSTED, 1);
  }

  runningCount(): number {
    return Atomics.load(this.#cells, COUNT);
  }

  /** The seqs of the running jobs, without their start times (what overtaking needs, on every hand-over). */
  runningSeqs(): number[] {
    const seqs: number[] = [];
    if (Atomics.load(this.#cells, COUNT) === 0) return seqs;
    const high = Atomics.load(this.#cells, HIGH);
    for (let pair = 0; pair < high; pair++) {
      const seq = Atomics.load(this.#cells, HEADER + 2 * pair);
      if (seq !== 0) seqs.push(seq);
    }
    return seqs;
  }

  /**
   * The running jobs: seq -> absolute start time. Each start is read after its
   * seq: if the Worker moved that pair on to a later job in between, this is
   * the later job's start, which only ever delays (never hastens) a timeout.
   */
  running(now: number): Map<number, number> {
    const jobs = new Map<number, number>();
    if (Atomics.load(this.#cells, COUNT) === 0) return jobs;
    const high = Atomics.load(this.#cells, HIGH);
    const nowRel = relativeMs(this.epoch, now);
    for (let pair = 0; pair < high; pair++) {
      const at = HEADER + 2 * pair;
      const seq = Atomics.load(this.#cells, at);
      if (seq === 0) continue;
      const elapsed = (nowRel - Atomics.load(this.#cells, at + 1)) | 0;
      jobs.set(seq, now - elapsed);
    }
    return jobs;
  }

  isRunning(seq: number): boolean {
    const high = Atomics.load(this.#cells, HIGH);
    for (let pair = 0; pair < high; pair++) if (Atomics.load(this.#cells, HEADER + 2 * pair) === seq) return true;
    return false;
  }

  /** Asks the Worker not to start `seq`; returns true if it is already running. */
  requestCancel(seq: number): boolean {
    Atomics.store(this.#cells, CANCEL, seq);
    return this.isRunning(seq);
  }
}
