/**
 * A few Int32 cells shared (SharedArrayBuffer) between the pool and one Worker.
 *
 * Why shared memory instead of a `started` message per job: the pool needs to
 * know which job a Worker is running, and since when, only rarely (a timeout
 * check, a cancel, a crash), but trivial jobs start hundreds of thousands of
 * times a second. Writing two integers costs nanoseconds; a message costs
 * microseconds on both threads. Reads are exact at any moment, so hard
 * timeouts are accurate to timer resolution.
 */

const RUNNING = 0; // seq of the job whose handler is executing, 0 when none
const STARTED = 1; // when it started: ms since `epoch`, wrapped to int32
const POSTED = 2; // messages the pool has posted to the Worker since init, wrapped
const CANCEL = 3; // seq of the most recent cancel request for a queued job

export const SHARED_STATE_BYTES = 4 * Int32Array.BYTES_PER_ELEMENT;

/** Milliseconds since `epoch` as a wrapping int32; differences stay right for ~24 days. */
function relativeMs(epoch: number, now: number): number {
  return (now - epoch) | 0;
}

export class SharedJobState {
  readonly buffer: SharedArrayBuffer;
  readonly epoch: number;
  readonly #cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(SHARED_STATE_BYTES), epoch: number = Date.now()) {
    this.buffer = buffer;
    this.epoch = epoch;
    this.#cells = new Int32Array(buffer);
  }

  // ---- Worker side -------------------------------------------------------

  /**
   * Publishes that `seq` starts now. Returns false if the pool asked to cancel
   * it first; the caller must then skip the job. Storing RUNNING before
   * loading CANCEL (and the pool doing the reverse) means at least one side
   * always sees the other, so a cancelled job never silently runs.
   */
  markStarted(seq: number, now: number): boolean {
    Atomics.store(this.#cells, STARTED, relativeMs(this.epoch, now));
    Atomics.store(this.#cells, RUNNING, seq);
    if (Atomics.load(this.#cells, CANCEL) === seq) {
      Atomics.store(this.#cells, RUNNING, 0);
      return false;
    }
    return true;
  }

  markIdle(): void {
    Atomics.store(this.#cells, RUNNING, 0);
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

  runningSeq(): number {
    return Atomics.load(this.#cells, RUNNING);
  }

  /**
   * Absolute start time of the running job. Read after runningSeq(): if the
   * Worker moved on in between, this is a later job's start, which only ever
   * delays (never hastens) a timeout decision about the job already finished.
   */
  startedAt(now: number): number {
    const elapsed = (relativeMs(this.epoch, now) - Atomics.load(this.#cells, STARTED)) | 0;
    return now - elapsed;
  }

  /** Asks the Worker not to start `seq`; returns true if it is already running. */
  requestCancel(seq: number): boolean {
    Atomics.store(this.#cells, CANCEL, seq);
    return Atomics.load(this.#cells, RUNNING) === seq;
  }
}
