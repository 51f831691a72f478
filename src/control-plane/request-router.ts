import { FastWorkerError, toWireError } from "../errors.ts";
import {
  decodeRequest, encodeEvents, encodeFrame, errorFrame, PROTOCOL_VERSION,
  type Request, type RequestOf, type TaskRecord,
} from "../protocol/index.ts";
import type { AuthGate } from "../auth/gate.ts";
import type { ControlPlane } from "./control-plane.ts";
import type { ConnectionLimits } from "./connection-limits.ts";
import { HeldWaits } from "./held-waits.ts";
import { PipeRegistry, type PipeState } from "./pipe-registry.ts";
import { resultsReply } from "./result-replies.ts";
import { SubworkerRegistry, type SubworkerHost } from "./subworkers.ts";

/** What the router reads and calls on its control plane, by name: the requests it answers, and what the subworker registry needs. */
export type RouterHost = SubworkerHost & Pick<ControlPlane,
  "cancel" | "maxFrameBytes" | "outboxes" | "record" | "snapshot" | "submit" | "waiters" | "watches">;
import { addAwaiter } from "./task-entry.ts";

/** `submit` with `wait` and no `waitMs` waits this long (then clamped to the max wait like any other). */
const DEFAULT_WAIT_MS = 30_000;

/**
 * Decodes each request frame and answers it; bad input always gets a typed error frame. Every
 * request passes the auth gate first; `pipe` is the NNG connection it arrived on.
 */
export class RequestRouter {
  readonly subworkers: SubworkerRegistry;
  /** Every long-poll held, by pipe: bounded in time and in number per connection (see held-waits.ts). */
  readonly held: HeldWaits;

  constructor(
    private readonly cp: RouterHost, private readonly gate: AuthGate, limits: { maxWaitMs: number; maxHeldPerConnection: number },
    pipes = new PipeRegistry(), private readonly connections?: ConnectionLimits,
  ) {
    this.subworkers = new SubworkerRegistry(cp);
    this.held = new HeldWaits(limits.maxWaitMs, limits.maxHeldPerConnection, pipes);
    pipes.onClose((pipe, state) => this.connectionClosed(pipe, state));
  }

  /** A connection closed: what it proved, the subworker id it held and its held long-polls are released. */
  connectionClosed(pipe: number, state?: PipeState): void {
    this.gate.forget(pipe);
    this.subworkers.connectionClosed(pipe);
    this.held.release(pipe, state);
  }

  /** Authenticated, or holding a registered subworker's id: such a connection may stay idle longer (connection-limits.ts). */
  trusted(pipe: number): boolean {
    return this.gate.authenticated(pipe) || this.subworkers.connectedOn(pipe);
  }

  handle(bytes: Uint8Array, pipe: number): Uint8Array | Promise<Uint8Array> {
    let request: Request;
    try {
      request = decodeRequest(bytes, this.cp.maxFrameBytes);
    } catch (error) {
      return errorFrame(error);
    }
    const crowded = this.connections?.refuse(request, pipe); // beyond the connection's fair share of contexts
    if (crowded) return crowded;
    const refused = this.gate.admit(request, pipe);
    if (refused) return refused;
    switch (request.type) {
      case "submit": return request.wait ? this.hold(pipe, (signal) => this.submit(request, pipe, signal)) : this.submit(request, pipe);
      case "result": return (request.waitMs ?? 0) > 0 ? this.hold(pipe, async (signal) => this.result(request, signal)) : this.result(request);
      case "collect": return this.hold(pipe, (signal) => this.collect(request, signal));
      case "cancel": return this.cancel(request);
      case "status": return this.status(request);
      case "hello": return this.subworkers.hello(request, pipe);
      case "lease": return this.subworkers.lease(request, pipe);
      case "report": return this.subworkers.report(request, pipe);
      case "bye": return this.subworkers.bye(request, pipe);
      case "watch": return this.hold(pipe, (signal) => this.watch(request, signal));
      // Answered by the gate above; listed so a new request type cannot be forgotten here.
      case "auth_begin":
      case "auth_prove": return errorFrame(new Error("unreachable: the auth gate answers the handshake"));
    }
  }

  /**
   * Runs a long-poll within the pipe's bounds; past the per-connection cap it is answered at once
   * with E_TOO_MANY_WAITS (nothing of it runs: a refused `submit` queues no task).
   */
  private async hold(pipe: number, run: (signal: AbortSignal) => Promise<Uint8Array>): Promise<Uint8Array> {
    try {
      return await this.held.hold(pipe, run);
    } catch (error) {
      if (error instanceof FastWorkerError && error.code === "E_TOO_MANY_WAITS") return errorFrame(error);
      throw error;
    }
  }

  private async submit(request: RequestOf<"submit">, pipe: number, signal?: AbortSignal): Promise<Uint8Array> {
    const clientId = request.wait ? request.clientId : undefined;
    // The submitter, for its in-flight cap: the clientId it names, else its connection.
    const replies = await this.cp.submit(request.tasks, clientId, request.clientId ?? `pipe:${pipe}`);
    if (!request.wait) return encodeFrame({ v: PROTOCOL_VERSION, type: "submitted", tasks: replies });
    const ids = replies.filter((r) => !r.error).map((r) => r.id);
    const missing = replies.filter((r) => r.error).map((r) => ({ id: r.id, error: r.error! }));
    const waitMs = this.held.clamp(request.waitMs ?? DEFAULT_WAIT_MS);
    if (clientId === undefined) return this.resultsFrame(ids, request.waitFor ?? "all", waitMs, missing, signal);
    // A client told E_QUEUE_FULL must hear it now to back off, not after the accepted tasks end: those wait in its outbox for collect.
    const refused = missing.some((m) => m.error.code === "E_QUEUE_FULL");
    await this.cp.waiters.wait(ids, request.waitFor ?? "all", refused ? 0 : waitMs, signal);
    // The rest stay in the client's outbox for its next collect.
    const results = this.cp.outboxes.take(clientId, ids).items;
    // A resubmitted id (a retry after a failover, a task recovered from the journal) is this
    // client's to collect too, and if it had already ended it is answered now, not after a collect's whole wait.
    if (results.length < ids.length) results.push(...this.finishedOutsideOutbox(ids, results, clientId));
    return resultsReply(results, missing, this.cp.maxFrameBytes, { outboxes: this.cp.outboxes, clientId });
  }

  private finishedOutsideOutbox(ids: readonly string[], taken: readonly TaskRecord[], clientId: string): TaskRecord[] {
    const had = new Set(taken.map((r) => r.taskId));
    return this.claim(ids.filter((id) => !had.has(id)), clientId).finished;
  }

  /**
   * For each id: an unfinished task will go to `clientId`'s outbox when it ends; a finished one's
   * record is returned now; an unknown one is listed.
   */
  private claim(ids: readonly string[], clientId: string): { finished: TaskRecord[]; unknown: string[] } {
    const finished: TaskRecord[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const live = this.cp.table.live.get(id);
      if (live !== undefined) {
        addAwaiter(live, clientId);
        continue;
      }
      const record = this.cp.record(id);
      if (record) finished.push(record);
      else unknown.push(id);
    }
    return { finished, unknown };
  }

  private async collect(request: RequestOf<"collect">, signal: AbortSignal): Promise<Uint8Array> {
    await this.cp.outboxes.wait(request.clientId, { waitMs: this.held.clamp(request.waitMs), signal });
    const outbox = { outboxes: this.cp.outboxes, clientId: request.clientId };
    return resultsReply(this.cp.outboxes.take(request.clientId).items, [], this.cp.maxFrameBytes, outbox);
  }

  private result(request: RequestOf<"result">, signal?: AbortSignal): Promise<Uint8Array> | Uint8Array {
    // A waiting Client's result goes to its outbox (answered now, collected later); other waits are held and clamped.
    if (request.clientId !== undefined && (request.waitMs ?? 0) > 0) return this.resultsToOutbox(request.ids, request.clientId);
    return this.resultsFrame(request.ids, request.waitFor ?? "all", this.held.clamp(request.waitMs ?? 0), [], signal);
  }

  /** Finished tasks now; every unfinished one goes to the client's outbox when it ends (collected by `collect`). */
  private resultsToOutbox(ids: readonly string[], clientId: string): Uint8Array {
    const { finished: results, unknown } = this.claim(ids, clientId);
    const missing = unknown.map((id) => ({ id, error: { code: "E_TASK_NOT_FOUND", message: `task ${id} is not known (or its result expired)` } }));
    return resultsReply(results, missing, this.cp.maxFrameBytes, { outboxes: this.cp.outboxes, clientId });
  }

  private async resultsFrame(
    ids: readonly string[], waitFor: "all" | "any", waitMs: number, missing: Array<{ id: string; error: { code: string; message: string } }>,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    if (waitMs > 0 && ids.length > 0) await this.cp.waiters.wait(ids, waitFor, waitMs, signal);
    const results: TaskRecord[] = [];
    for (const id of ids) {
      // A waiting caller takes delivery (held results are released); a plain lookup just reads.
      // Held requests answer with finished tasks only; the caller asks again for the ones left out.
      if (waitMs > 0 && this.cp.table.live.has(id)) continue;
      const record = this.cp.record(id);
      if (record) results.push(record);
      else missing.push({ id, error: { code: "E_TASK_NOT_FOUND", message: `task ${id} is not known (or its result expired)` } });
    }
    return resultsReply(results, missing, this.cp.maxFrameBytes);
  }

  private cancel(request: RequestOf<"cancel">): Uint8Array {
    const outcomes = request.ids.map((id) => {
      try {
        return { id, ...this.cp.cancel(id) };
      } catch (error) {
        return { id, cancelled: false, error: toWireError(error) };
      }
    });
    return encodeFrame({ v: PROTOCOL_VERSION, type: "cancelled", outcomes });
  }

  private async watch(request: RequestOf<"watch">, signal: AbortSignal): Promise<Uint8Array> {
    const batch = await this.cp.watches.watch(request.watchId, request.ids, this.held.clamp(request.waitMs), signal);
    // Cut at the frame limit like results replies: the rest answers the watch's next request at once.
    const { bytes, left } = encodeEvents(batch, this.cp.maxFrameBytes);
    this.cp.watches.putBack(request.watchId, left);
    return bytes;
  }

  private status(request: RequestOf<"status">): Uint8Array {
    return encodeFrame({ v: PROTOCOL_VERSION, type: "status_reply", ...this.cp.snapshot(request) });
  }
}
