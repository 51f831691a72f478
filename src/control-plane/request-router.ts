import { toWireError } from "../errors.ts";
import {
  decodeRequest, encodeFrame, errorFrame, PROTOCOL_VERSION,
  type Request, type RequestOf, type TaskRecord,
} from "../protocol/index.ts";
import type { AuthGate } from "../auth/gate.ts";
import type { ControlPlane } from "./control-plane.ts";
import { SubworkerRegistry } from "./subworkers.ts";
import { addAwaiter } from "./task-entry.ts";

const DEFAULT_WAIT_MS = 30_000;
/** A watch long-poll is held at most this long, so a vanished watcher frees its context. */
const MAX_WATCH_WAIT_MS = 60_000;

/**
 * Decodes each request frame and answers it; bad input always gets a typed error frame. Every
 * request passes the auth gate first; `pipe` is the NNG connection it arrived on.
 */
export class RequestRouter {
  readonly subworkers: SubworkerRegistry;

  constructor(private readonly cp: ControlPlane, private readonly gate: AuthGate) {
    this.subworkers = new SubworkerRegistry(cp);
  }

  /** A connection closed: what it proved and the subworker id it held are released. */
  connectionClosed(pipe: number): void {
    this.gate.forget(pipe);
    this.subworkers.connectionClosed(pipe);
  }

  handle(bytes: Uint8Array, pipe: number): Uint8Array | Promise<Uint8Array> {
    let request: Request;
    try {
      request = decodeRequest(bytes, this.cp.maxFrameBytes);
    } catch (error) {
      return errorFrame(error);
    }
    const refused = this.gate.admit(request, pipe);
    if (refused) return refused;
    switch (request.type) {
      case "submit": return this.submit(request);
      case "result": return this.result(request);
      case "collect": return this.collect(request);
      case "cancel": return this.cancel(request);
      case "status": return this.status();
      case "hello": return this.subworkers.hello(request, pipe);
      case "lease": return this.subworkers.lease(request, pipe);
      case "report": return this.subworkers.report(request, pipe);
      case "bye": return this.subworkers.bye(request, pipe);
      case "watch": return this.watch(request);
      // Answered by the gate above; listed so a new request type cannot be forgotten here.
      case "auth_begin":
      case "auth_prove": return errorFrame(new Error("unreachable: the auth gate answers the handshake"));
    }
  }

  private async submit(request: RequestOf<"submit">): Promise<Uint8Array> {
    const clientId = request.wait ? request.clientId : undefined;
    const replies = await this.cp.submit(request.tasks, clientId);
    if (!request.wait) return encodeFrame({ v: PROTOCOL_VERSION, type: "submitted", tasks: replies });
    const ids = replies.filter((r) => !r.error).map((r) => r.id);
    const missing = replies.filter((r) => r.error).map((r) => ({ id: r.id, error: r.error! }));
    if (clientId === undefined) return this.resultsFrame(ids, request.waitFor ?? "all", request.waitMs ?? DEFAULT_WAIT_MS, missing);
    // A client told E_QUEUE_FULL must hear it now to back off, not after the accepted tasks end: those wait in its outbox for collect.
    const refused = missing.some((m) => m.error.code === "E_QUEUE_FULL");
    await this.cp.waiters.wait(ids, request.waitFor ?? "all", refused ? 0 : request.waitMs ?? DEFAULT_WAIT_MS);
    // The rest stay in the client's outbox for its next collect.
    return encodeFrame({ v: PROTOCOL_VERSION, type: "results", results: this.cp.outboxes.take(clientId, ids), missing });
  }

  private async collect(request: RequestOf<"collect">): Promise<Uint8Array> {
    await this.cp.outboxes.wait(request.clientId, request.waitMs);
    return encodeFrame({ v: PROTOCOL_VERSION, type: "results", results: this.cp.outboxes.take(request.clientId), missing: [] });
  }

  private result(request: RequestOf<"result">): Promise<Uint8Array> | Uint8Array {
    if (request.clientId !== undefined && (request.waitMs ?? 0) > 0) return this.resultsToOutbox(request.ids, request.clientId);
    return this.resultsFrame(request.ids, request.waitFor ?? "all", request.waitMs ?? 0, []);
  }

  /** Finished tasks now; every unfinished one goes to the client's outbox when it ends (collected by `collect`). */
  private resultsToOutbox(ids: readonly string[], clientId: string): Uint8Array {
    const results: TaskRecord[] = [];
    const missing: Array<{ id: string; error: { code: string; message: string } }> = [];
    for (const id of ids) {
      const live = this.cp.table.live.get(id);
      if (live !== undefined) {
        addAwaiter(live, clientId);
        continue;
      }
      const record = this.cp.record(id);
      if (record) results.push(record);
      else missing.push({ id, error: { code: "E_TASK_NOT_FOUND", message: `task ${id} is not known (or its result expired)` } });
    }
    return encodeFrame({ v: PROTOCOL_VERSION, type: "results", results, missing });
  }

  private async resultsFrame(
    ids: readonly string[], waitFor: "all" | "any", waitMs: number, missing: Array<{ id: string; error: { code: string; message: string } }>,
  ): Promise<Uint8Array> {
    if (waitMs > 0 && ids.length > 0) await this.cp.waiters.wait(ids, waitFor, waitMs);
    const results: TaskRecord[] = [];
    for (const id of ids) {
      // A waiting caller takes delivery (held results are released); a plain lookup just reads.
      // Held requests answer with finished tasks only; the caller asks again for the ones left out.
      if (waitMs > 0 && this.cp.table.live.has(id)) continue;
      const record = this.cp.record(id);
      if (record) results.push(record);
      else missing.push({ id, error: { code: "E_TASK_NOT_FOUND", message: `task ${id} is not known (or its result expired)` } });
    }
    return encodeFrame({ v: PROTOCOL_VERSION, type: "results", results, missing });
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

  private async watch(request: RequestOf<"watch">): Promise<Uint8Array> {
    const batch = await this.cp.watches.watch(request.watchId, request.ids, Math.min(request.waitMs, MAX_WATCH_WAIT_MS));
    return encodeFrame({ v: PROTOCOL_VERSION, type: "events", ...batch });
  }

  private status(): Uint8Array {
    return encodeFrame({ v: PROTOCOL_VERSION, type: "status_reply", ...this.cp.snapshot() });
  }
}
