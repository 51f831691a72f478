import { fromWireError, toWireError } from "../errors.ts";
import { isFinished, PROTOCOL_VERSION, type TaskRecord, type TaskSpec } from "../protocol/index.ts";
import type { Connection } from "../connection/connection.ts";

const POLL_WAIT_MS = 20_000;

interface Waiting {
  resolve: (record: TaskRecord) => void;
  reject: (error: Error) => void;
}

/**
 * Coalesces everything submitted in one tick into one frame, and awaits results with
 * long-polls that return as soon as any task is done. A lone submit-and-wait costs one round
 * trip; a burst of thousands costs a handful of frames.
 */
export class Submitter {
  private fireAndForget: Array<{ spec: TaskSpec; resolve: (id: string) => void; reject: (e: Error) => void }> = [];
  private awaited: Array<{ spec: TaskSpec } & Waiting> = [];
  private readonly waiting = new Map<string, Waiting>();
  private polling = new Set<string>();
  /** Ids whose results will arrive through this client's outbox (collect). */
  private readonly collecting = new Set<string>();
  private collectorRunning = false;
  private flushScheduled = false;
  private readonly clientId = crypto.randomUUID();

  constructor(private readonly connection: () => Connection) {}

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
    if (this.fireAndForget.length > 0) void this.sendFireAndForget(this.fireAndForget.splice(0));
    if (this.awaited.length > 0) void this.sendAwaited(this.awaited.splice(0));
    if (this.polling.size > 0) {
      const ids = [...this.polling];
      this.polling.clear();
      void this.poll(ids);
    }
  }

  private async sendFireAndForget(batch: Array<{ spec: TaskSpec; resolve: (id: string) => void; reject: (e: Error) => void }>) {
    try {
      const reply = await this.connection().call({ v: PROTOCOL_VERSION, type: "submit", tasks: batch.map((b) => b.spec) }, "submitted");
      reply.tasks.forEach((t, i) => (t.error ? batch[i]!.reject(fromWireError(t.error, t.id)) : batch[i]!.resolve(t.id)));
    } catch (error) {
      for (const b of batch) b.reject(asError(error));
    }
  }

  private async sendAwaited(batch: Array<{ spec: TaskSpec } & Waiting>) {
    for (const b of batch) this.track(b.spec.id, b, false);
    try {
      const reply = await this.connection().call(
        { v: PROTOCOL_VERSION, type: "submit", tasks: batch.map((b) => b.spec), wait: true, waitFor: "any", waitMs: POLL_WAIT_MS, clientId: this.clientId },
        "results",
        POLL_WAIT_MS,
      );
      this.settle(reply.results, reply.missing);
      for (const b of batch) if (this.waiting.has(b.spec.id)) this.collecting.add(b.spec.id);
      if (this.collecting.size > 0) void this.collect();
    } catch (error) {
      for (const b of batch) this.fail(b.spec.id, asError(error));
    }
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
    for (const b of this.fireAndForget.splice(0)) b.reject(error);
    for (const b of this.awaited.splice(0)) b.reject(error);
    for (const [id] of this.waiting) this.fail(id, error);
    this.polling.clear();
    this.collecting.clear();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(toWireError(error).message);
}
