import { fromWireError, TaskError } from "../errors.ts";
import {
  buildSpec, MAX_TASKS_PER_SUBMIT, unwrapRecord, type SubmitOptions, type TaskRecord, type TaskRef, type TaskSpec,
} from "../protocol/index.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import type { ControlPlane } from "./control-plane.ts";
import type { WorkersPage } from "./worker-pages.ts";

/** What an in-process client uses of its control plane. */
export type EmbeddedHost = Pick<ControlPlane, "cancel" | "record" | "snapshot" | "submit" | "waiters" | "workers">;

/**
 * A client living in the control plane's own process: the same methods as `Client`, without a
 * network hop or serialisation. For a single service that wants background tasks without a
 * second process; the control plane still serves remote clients and subworkers.
 */
export class EmbeddedClient {
  /** Submissions of this tick, admitted together (one admission and one store write per batch, as a remote client's frame). */
  private batch: Array<{ spec: TaskSpec; resolve: (id: string) => void; reject: (error: Error) => void }> = [];

  constructor(private readonly cp: EmbeddedHost) {}

  // NoInfer: the definition alone fixes the argument types, so wrong arguments are a compile error
  // (inferred from both, TaskDefinition's bivariant handler would let any tuple through). The
  // definition's overload comes last because TypeScript reports the last overload's error: a wrong
  // argument then reads "'[string, number]' is not assignable to '[x: number, y: number]'".
  delay(task: string, ...args: unknown[]): Promise<string>;
  delay<A extends unknown[], R>(task: TaskDefinition<A, R>, ...args: NoInfer<A>): Promise<string>;
  delay(task: TaskRef, ...args: unknown[]): Promise<string> {
    return this.accept(task, args, {});
  }

  enqueue(task: string, args?: unknown[], options?: SubmitOptions): Promise<string>;
  enqueue<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<string>;
  enqueue(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<string> {
    return this.accept(task, args, options);
  }

  submit<R = unknown>(task: string, args?: unknown[], options?: SubmitOptions): Promise<R>;
  submit<A extends unknown[], R>(task: TaskDefinition<A, R>, args: NoInfer<A>, options?: SubmitOptions): Promise<R>;
  async submit(task: TaskRef, args: unknown[] = [], options: SubmitOptions = {}): Promise<unknown> {
    const id = await this.accept(task, args, options);
    return unwrapRecord(await this.result(id, { wait: true }));
  }

  async result(id: string, options: { wait?: boolean | number } = {}): Promise<TaskRecord> {
    const waitMs = options.wait === true ? Infinity : typeof options.wait === "number" ? options.wait : 0;
    if (waitMs > 0) {
      await this.cp.waiters.wait([id], "all", waitMs);
    }
    const record = this.cp.record(id);
    if (!record) throw new TaskError("E_TASK_NOT_FOUND", `task ${id} is not known (or its result expired)`, { taskId: id });
    return record;
  }

  async cancel(id: string): Promise<boolean> {
    const outcome = this.cp.cancel(id);
    if (outcome.error) throw fromWireError(outcome.error, id);
    return outcome.cancelled;
  }

  async status(page?: WorkersPage) {
    return this.cp.snapshot(page);
  }

  async workerCount(): Promise<number> {
    return this.cp.workers().filter((w) => w.state === "active").length;
  }

  private accept(task: TaskRef, args: unknown[], options: SubmitOptions): Promise<string> {
    let spec: TaskSpec;
    try {
      spec = buildSpec(task, args, options);
    } catch (error) {
      return Promise.reject(error); // a bad option rejects the call, as it always did, never throws from it
    }
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) queueMicrotask(() => this.admitBatch());
      this.batch.push({ spec, resolve, reject });
    });
  }

  private admitBatch(): void {
    const all = this.batch;
    this.batch = [];
    for (let start = 0; start < all.length; start += MAX_TASKS_PER_SUBMIT) {
      const part = all.slice(start, start + MAX_TASKS_PER_SUBMIT);
      this.cp.submit(part.map((p) => p.spec)).then(
        (replies) => replies.forEach((reply, i) => (reply.error ? part[i]!.reject(fromWireError(reply.error, reply.id)) : part[i]!.resolve(reply.id))),
        (error: unknown) => {
          for (const p of part) p.reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    }
  }
}
