import { fromWireError, QueueFullError, toWireError } from "../errors.ts";
import { isFinished, MAX_IDS_PER_POLL, MAX_TASKS_PER_SUBMIT, PROTOCOL_VERSION, type TaskRecord, type TaskSpec } from "../protocol/index.ts";
import type { FailoverConnection } from "../connection/failover.ts";
import type { Backpressure } from "./backpressure.ts";

const POLL_WAIT_MS = 20_000;
/** Refused tasks due for resubmission within this many ms share one frame (see scheduleResubmits). */
const RESUBMIT_BATCH_MS = 4;

interface Waiting {
  resolve: (record: TaskRecord) => void;
  reject: (error: Error) => void;
}

type FireAndForget = { spec: TaskSpec; resolve: (id: string) => void; reject: (e: Error) => void };

/**
 * Coalesces everything submitted in one tick into one frame, and awaits results with
 * long-polls that return as soon as any task is done. A lone submit-and-wait costs one round
 * trip; a burst of thousands costs a handful of frames.
 */
export class Submitter {
  private fireAndForget: FireAndForget[] = [];
  private awaited: Array<{ spec: TaskSpec } & Waiting> = [];
  private readonly waiting = new Map<string, Waiting>();
  private polling = new Set<string>();
  /** Ids whose results will arrive through this client's outbox (collect). */
  private readonly collecting = new Set<string>();
  private collectorRunning = false;
  private flushScheduled = false;
  private readonly clientId = crypto.randomUUID();
  /** Tasks refused with E_QUEUE_FULL waiting to be submitted again: their timer and how to reject them if the client stops. */
  private readonly resubmits = new Map<ReturnType<typeof setTimeout>, (error: Error) => void>();
  private resubmitFlush: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly connection: () => FailoverConnection, private readonly backpressure: Backpressure) {}

  /** Accepted -> the task id. */
  enqueue(spec: TaskSpec): Promise<string> {
    return new Promise((resolve, reject) => {
      this.fireAndForget.push({ spec, resolve, reject });
      this.schedule();
    });
  }

  /** Accepted and finished -> the final record (success or not). */
  run(spec: TaskSpec): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      this.awaited.push({ spec, resolve, reject });
      this.schedule();
    });
  }

  /** Waits for a task submitted earlier (or by someone else) to finish. */
  await(id: string): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      this.track(id, { resolve, reject }, true);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    // One frame per protocol bound (src/protocol/limits.ts): a bigger burst is split, never refused whole.
    for (const batch of chunks(this.fireAndForget.splice(0), MAX_TASKS_PER_SUBMIT)) void this.sendFireAndForget(batch);
    for (const batch of chunks(this.awaited.splice(0), MAX_TASKS_PER_SUBMIT)) void this.sendAwaited(batch);
    if (this.polling.size > 0) {
      const ids = [...this.polling];
      this.polling.clear();
      for (const batch of chunks(ids, MAX_IDS_PER_POLL)) void this.poll(batch);
    }
  }

  private async sendFireAndForget(batch: FireAndForget[]) {
    try {
      // clientId without wait: no outbox, it only names this client for its in-flight cap (--max-in-flight-per-client).
      const reply = await this.connection().call({ v: PROTOCOL_VERSION, type: "submit", tasks: batch.map((b) => b.spec), clientId: this.clientId }, "submitted");
      reply.tasks.forEach((t, i) => {
        const b = batch[i]!;
        const error = t.error ? fromWireError(t.error, t.id) : undefined;
        if (error instanceof QueueFullError) return this.resubmitLater(b.spec.id, error, b.reject, () => this.fireAndForget.push(b), true);
        this.backpressure.settled(b.spec.id);
        if (error) b.reject(error);
        else b.resolve(t.id);
      });
    } catch (error) {
      for (const b of batch) (this.backpressure.settled(b.spec.id), b.reject(asError(error)));
    }
  }

  /**
   * The control plane had no room for this task (E_QUEUE_FULL): nothing of it was stored, so the
   * same spec (same id, so a duplicate would be recognised) goes out again after the backoff, and
   * the caller's promise stays pending meanwhile. Past maxWaitMs the caller gets the error.
   */
  private resubmitLater(id: string, error: QueueFullError, reject: (e: Error) => void, requeue: () => void, share = false): void {
    const delay = this.backpressure.delayFor(id, error);
    if (delay === undefined) return reject(error);
    const timer = setTimeout(() => {
      this.resubmits.delete(timer);
      requeue();
      if (share) this.scheduleResubmits();
      else this.schedule();
    }, delay);
    this.resubmits.set(timer, (e) => (this.backpressure.settled(id), reject(e)));
  }

  /**
   * Refused fire-and-forget tasks whose backoff ends within RESUBMIT_BATCH_MS go out again in one
   * frame. Flushed one by one (each timer its own frame), a burst of thousands of refusals became
   * thousands of one-task frames, and that storm held this client's result polls back so long that
   * results of tasks accepted meanwhile left the result cache before they were asked for
   * (E_TASK_NOT_FOUND). Awaited tasks keep one frame each: their results wait in this client's
   * outbox from acceptance, so nothing is lost, and refilling the queue task by task is faster
   * (submit --count of 3 000 against --max-queued 50: 1.2-1.5 s, 2.1-2.3 s when shared).
   */
  private scheduleResubmits(): void {
    if (this.resubmitFlush !== undefined) return;
    this.resubmitFlush = setTimeout(() => {
      this.resubmitFlush = undefined;
      this.schedule();
    }, RESUBMIT_BATCH_MS);
  }

  private async sendAwaited(batch: Array<{ spec: TaskSpec } & Waiting>) {
    for (const b of batch) this.track(b.spec.id, b, false);
    try {
      const reply = await this.connection().call(
        { v: PROTOCOL_VERSION, type: "submit", tasks: batch.map((b) => b.spec), wait: true, waitFor: "any", waitMs: POLL_WAIT_MS, clientId: this.clientId },
        "results",
        POLL_WAIT_MS,
      );
      const refused = new Map<string, QueueFullError>();
      for (const m of reply.missing) {
        const error = fromWireError(m.error, m.id);
        if (error instanceof QueueFullError) refused.set(m.id, error);
      }
      for (const b of batch) {
        const error = refused.get(b.spec.id);
        const waiter = this.waiting.get(b.spec.id);
        if (error === undefined || waiter === undefined) {
          this.backpressure.settled(b.spec.id);
          continue;
        }
        this.waiting.delete(b.spec.id);
        this.resubmitLater(b.spec.id, error, waiter.reject, () => this.awaited.push({ spec: b.spec, ...waiter }));
      }
      this.settle(reply.results, reply.missing.filter((m) => !refused.has(m.id)));
      for (const b of batch) if (this.waiting.has(b.spec.id)) this.collecting.add(b.spec.id);
      if (this.collecting.size > 0) void this.collect();
    } catch (error) {
      for (const b of batch) (this.backpressure.settled(b.spec.id), this.fail(b.spec.id, asError(error)));
    }
  }

  /** Tasks refused with E_QUEUE_FULL and waiting to be submitted again. */
  get waitingForRoom(): number {
    return this.backpressure.waiting;
  }

  /** One long-poll at a time drains this client's outbox until nothing is owed. */
  private async collect() {
    if (this.collectorRunning) return;
    this.collectorRunning = true;
    try {
      while (this.collecting.size > 0) {
        const reply = await this.connection().call({ v: PROTOCOL_VERSION, type: "collect", clientId: this.clientId, waitMs: POLL_WAIT_MS }, "results", POLL_WAIT_MS);
        for (const record of reply.results) this.collecting.delete(record.taskId);
        this.settle(reply.results, []);
        // A whole wait with nothing: ask for the owed ids again, so a control plane that restarted
        // (and lost this client's outbox) answers for them or keeps them afresh.
        if (reply.results.length === 0 && this.collecting.size > 0) this.repoll([...this.collecting]);
      }
    } catch (error) {
      for (const id of this.collecting) this.fail(id, asError(error));
      this.collecting.clear();
    } finally {
      this.collectorRunning = false;
    }
  }

  /**
   * Asks once for tasks submitted earlier: finished ones come back now, the control plane keeps
   * the others for this client's outbox, and the one collector drains it (so awaiting N tasks
   * costs a few frames, not a re-sent list of every pending id per completion).
   */
  private async poll(ids: string[]) {
    try {
      const reply = await this.connection().call({ v: PROTOCOL_VERSION, type: "result", ids, waitMs: POLL_WAIT_MS, clientId: this.clientId }, "results", POLL_WAIT_MS);
      this.settle(reply.results, reply.missing);
      for (const id of ids) if (this.waiting.has(id)) this.collecting.add(id);
      if (this.collecting.size > 0) void this.collect();
    } catch (error) {
      for (const id of ids) this.fail(id, asError(error));
    }
  }

  /**
   * Requests now go to another control plane, which has no outbox for this client: ask it for
   * every owed id at once (finished ones answer now, the rest are kept for our collect there),
   * rather than after a whole empty long-poll.
   */
  failedOver(): void {
    if (this.collecting.size > 0) this.repoll([...this.collecting]);
  }

  private repoll(ids: readonly string[]): void {
    for (const id of ids) this.polling.add(id);
    this.schedule();
  }

  /** Settles the finished tasks of a reply and fails the missing ones. */
  private settle(results: readonly TaskRecord[], missing: ReadonlyArray<{ id: string; error: { code: string; message: string } }>): void {
    for (const record of results) {
      const waiter = this.waiting.get(record.taskId);
      if (!waiter || !isFinished(record)) continue;
      this.waiting.delete(record.taskId);
      waiter.resolve(record);
    }
    for (const m of missing) this.fail(m.id, fromWireError(m.error, m.id));
  }

  private track(id: string, waiter: Waiting, poll: boolean): void {
    const previous = this.waiting.get(id);
    if (!previous) {
      this.waiting.set(id, waiter);
      if (poll) this.polling.add(id);
      return;
    }
    // Two callers awaiting one task: both settle with the same record.
    this.waiting.set(id, {
      resolve: (r) => (previous.resolve(r), waiter.resolve(r)),
      reject: (e) => (previous.reject(e), waiter.reject(e)),
    });
  }

  private fail(id: string, error: Error): void {
    const waiter = this.waiting.get(id);
    this.collecting.delete(id);
    if (!waiter) return;
    this.waiting.delete(id);
    waiter.reject(error);
  }

  /** Rejects everything outstanding (client stopping). */
  abort(error: Error): void {
    for (const [timer, reject] of this.resubmits) (clearTimeout(timer), reject(error));
    this.resubmits.clear();
    if (this.resubmitFlush !== undefined) clearTimeout(this.resubmitFlush);
    this.resubmitFlush = undefined;
    this.backpressure.clear();
    for (const b of this.fireAndForget.splice(0)) b.reject(error);
    for (const b of this.awaited.splice(0)) b.reject(error);
    for (const [id] of this.waiting) this.fail(id, error);
    this.polling.clear();
    this.collecting.clear();
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(toWireError(error).message);
}
