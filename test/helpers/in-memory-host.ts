/**
 * A control plane's request path with no socket: the real components (components.ts) wired the
 * way control-plane.ts wires them, a RouterHost assembled from them, and a RequestRouter whose
 * `handle(bytes, pipe)` is exactly what the NNG endpoint calls for each frame. Unit tests drive it
 * with `call()`, one encoded request in, one decoded reply out, so the task table, dispatcher,
 * admission and subworker registry are exercised as a remote peer would, without NNG or processes.
 * No local Bun Worker pool is built (concurrency 0 in the real host): subworker frames run the tasks.
 */
import { AuthGate } from "../../src/auth/gate.ts";
import { buildComponents, type Components } from "../../src/control-plane/components.ts";
import { resolveOptions, type ControlPlaneOptions } from "../../src/control-plane/options.ts";
import { RequestRouter, type RouterHost } from "../../src/control-plane/request-router.ts";
import { statusSnapshot } from "../../src/control-plane/status-snapshot.ts";
import { silentLogger } from "../../src/log.ts";
import { decodeReply, encodeFrame, PROTOCOL_VERSION, type Outcome, type Reply, type Request, type TaskSpec } from "../../src/protocol/index.ts";
import { MemoryTaskStore } from "../../src/store/index.ts";
import { CatalogBuilder, type TaskCatalog } from "../../src/tasks/catalog.ts";
import type { TaskDefinition } from "../../src/tasks/index.ts";

export interface InMemoryHost {
  readonly host: RouterHost;
  readonly router: RequestRouter;
  readonly parts: Components;
  readonly catalog: TaskCatalog;
  /** Answers every held wait and stops every timer the components and the router started. */
  close(): Promise<void>;
}

/** A catalog of the given definitions, as loadTaskModules would build it from a module exporting them. */
export function catalogOf(definitions: readonly TaskDefinition[]): TaskCatalog {
  const builder = new CatalogBuilder();
  builder.addModule("/in-memory/tasks.ts");
  for (const definition of definitions) {
    builder.add({ definition, modulePath: "/in-memory/tasks.ts", exportName: definition.name });
  }
  return builder.build();
}

export function inMemoryHost(
  definitions: readonly TaskDefinition[], options: Partial<ControlPlaneOptions> = {},
): InMemoryHost {
  const catalog = catalogOf(definitions);
  const cpOptions: ControlPlaneOptions = { taskModules: [], concurrency: 0, discoveryAddress: null, ...options };
  const resolved = resolveOptions(cpOptions);
  const log = silentLogger;
  // The hooks run only after buildComponents returns (on a submit or an outcome), when `built` is set.
  const afterChange = (): void => {
    built.dispatcher.schedule();
    built.dueTimer.rearm();
  };
  const built: Components = buildComponents(catalog, cpOptions, resolved, new MemoryTaskStore(), log, { accepting: () => true, afterChange });
  const { table, dispatcher, admission, waiters, outboxes, watches, events, activity } = built;
  let router: RequestRouter | undefined;
  const id = cpOptions.id ?? "cp-in-memory";
  const startedAt = Date.now();
  const host: RouterHost = {
    id, catalog, log, table, dispatcher, events, activity, waiters, outboxes, watches, clock: built.clock,
    maxFrameBytes: resolved.maxFrameBytes, workerTimeoutMs: resolved.workerTimeoutMs, inactiveWorkerTtlMs: resolved.inactiveWorkerTtlMs,
    afterChange,
    outcome: (outcome) => built.outcome(outcome), // the components' own, as ControlPlane.outcome uses it
    submit: (specs, awaitedBy, client) => admission.submit(specs, awaitedBy, client),
    cancel: (taskId) => admission.cancel(taskId, dispatcher),
    record: (taskId) => table.get(taskId),
    snapshot: (page) => statusSnapshot({
      id, startedAt, table, catalog, cluster: { role: "single", journal: "memory" },
      workers: () => [...dispatcher.all().map((s) => s.info()), ...(router?.subworkers.inactive() ?? [])],
    }, page),
  };
  router = new RequestRouter(host, new AuthGate({}, log), resolved.waitLimits);
  const close = async (): Promise<void> => {
    built.dueTimer.stop();
    waiters.releaseAll();
    outboxes.releaseAll();
    watches.close();
    router.subworkers.close();
    await built.callbacks.close();
  };
  return { host, router, parts: built, catalog, close };
}

/** A request as the tests write it: any request frame without its `v`. */
export type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, "v"> : never) : never;

/** Sends one request through the router (on `pipe`, a connection id) and decodes its reply. */
export async function call(router: RequestRouter, frame: RequestBody, pipe = 1): Promise<Reply> {
  return decodeReply(await router.handle(encodeFrame({ v: PROTOCOL_VERSION, ...frame } as Request), pipe));
}

/** Sends raw bytes (a malformed frame) and decodes the reply. */
export async function callRaw(router: RequestRouter, bytes: Uint8Array, pipe = 1): Promise<Reply> {
  return decodeReply(await router.handle(bytes, pipe));
}

/** Narrows a reply to the type a test expects, failing with the reply it got instead. */
export function expectReply<T extends Reply["type"]>(reply: Reply, type: T): Extract<Reply, { type: T }> {
  if (reply.type !== type) throw new Error(`expected a ${type} reply, got ${JSON.stringify(reply)}`);
  return reply as Extract<Reply, { type: T }>;
}

/** A successful outcome of attempt `attempt` of task `id`, as a subworker reports it. */
export function okOutcome(id: string, attempt: number, result: unknown): Outcome {
  const at = Date.now();
  return { id, attempt, ok: true, result, startedAt: at, finishedAt: at };
}

/** `hello` for subworker `workerId` running `tasks`, on `pipe`; the welcome is checked by the caller. */
export function hello(router: RequestRouter, workerId: string, tasks: string[], pipe = 1, capacity = 4): Promise<Reply> {
  return call(router, { type: "hello", workerId, capacity, tasks, protocol: PROTOCOL_VERSION }, pipe);
}

/** A lease of `credits` that does not wait (answered with whatever is queued now): the ids leased. */
export async function leaseNow(router: RequestRouter, workerId: string, credits: number, pipe = 1): Promise<Extract<Reply, { type: "leased" }>> {
  return expectReply(await call(router, { type: "lease", workerId, credits, waitMs: 0 }, pipe), "leased");
}

/** Submits tasks of `name` with the given ids (no wait); returns the submitted reply. */
export async function submitTasks(router: RequestRouter, name: string, ids: string[], extra: Partial<TaskSpec> = {}, pipe = 1): Promise<Extract<Reply, { type: "submitted" }>> {
  return expectReply(await call(router, { type: "submit", tasks: ids.map((id) => ({ id, name, args: [], ...extra })) }, pipe), "submitted");
}
