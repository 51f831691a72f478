// fastworker/elysia against a real control-plane process: routes that use `fw`, lazy start under
// app.handle(), the worker count, and the client's lifecycle with a listening app.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { FastWorkerError, TaskError, UnavailableError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { fastworker, type FastWorker } from "../../src/server/elysia-plugin.ts";
import { add, sleep } from "../fixtures/core-tasks.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

let address: string;

beforeAll(async () => {
  ({ address } = await startControlPlane(["--concurrency", "2"]));
});
afterAll(killAll);

/** An app with the routes the tests call; `fw` is the plugin's instance (Elysia keeps decorators on `app.decorator`). */
function buildApp(options: Parameters<typeof fastworker>[0] = { address, log: silentLogger }) {
  const app = new Elysia()
    .use(fastworker(options))
    .get("/add", async ({ fw, query }) => {
      // The type comes from the task definition: a wrong one would not compile.
      const sum: number = await fw.submit(add, [Number(query.x), Number(query.y)]);
      return { sum };
    })
    .post("/sleep/:ms", async ({ fw, params }) => ({ id: await fw.delay(sleep, Number(params.ms)) }))
    .post("/enqueue", async ({ fw }) => ({ id: await fw.enqueue(add, [40, 2], { priority: "high" }) }))
    .get("/result/:id", async ({ fw, params }) => {
      const record = await fw.result(params.id, { wait: 10_000 });
      return { status: record.status, result: record.result };
    })
    .post("/cancel/:id", async ({ fw, params }) => ({ cancelled: await fw.cancel(params.id) }))
    .get("/status", async ({ fw }) => {
      const status = await fw.status();
      return { cpId: status.cpId, tasks: status.tasks };
    })
    .get("/workers", ({ fw }) => ({ workers: fw.workerCount }));
  const fw: FastWorker = app.decorator.fw;
  return { app, fw };
}

const call = async <T>(app: { handle(r: Request): Promise<Response> }, path: string, method = "GET"): Promise<T> => {
  const response = await app.handle(new Request(`http://localhost${path}`, { method }));
  expect(response.status, `${method} ${path}: ${response.status}`).toBe(200);
  return (await response.json()) as T;
};

describe("routes under app.handle() (no listen)", () => {
  test("start lazily on first use, once for concurrent requests, and submit, delay, enqueue, result, cancel, status", async () => {
    const { app, fw } = buildApp();
    expect(fw.running).toBe(false);
    const sums = await Promise.all([1, 2, 3, 4, 5].map((x) => call<{ sum: number }>(app, `/add?x=${x}&y=10`)));
    expect(sums.map((s) => s.sum)).toEqual([11, 12, 13, 14, 15]);
    expect(fw.running).toBe(true);
    const client = fw.client!;
    await call(app, "/add?x=0&y=0");
    expect(fw.client).toBe(client); // one shared start: the same Client serves every request

    const { id } = await call<{ id: string }>(app, "/sleep/20", "POST");
    expect(await call(app, `/result/${id}`)).toEqual({ status: "success", result: 20 });
    const queued = await call<{ id: string }>(app, "/enqueue", "POST");
    expect(await call(app, `/result/${queued.id}`)).toEqual({ status: "success", result: 42 });

    const long = await call<{ id: string }>(app, "/sleep/30000", "POST");
    expect(await call(app, `/cancel/${long.id}`, "POST")).toEqual({ cancelled: true });
    expect(await call(app, `/result/${long.id}`)).toMatchObject({ status: "cancelled" });

    const status = await call<{ cpId: string; tasks: string[] }>(app, "/status");
    expect(status.tasks).toContain("add");
    await fw.stop();
  });

  test("a task's failure reaches the handler as a TaskError", async () => {
    const { fw } = buildApp();
    const error = await fw.submit("hard", []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).code).toBe("E_TASK_FAILED");
    const unknown = await fw.delay("no-such-task").catch((e: unknown) => e);
    expect((unknown as TaskError).code).toBe("E_UNKNOWN_TASK");
    await fw.stop();
  });

  test("workerCount counts active capacity sources, and follows a subworker joining", async () => {
    const { app, fw } = buildApp({ address, log: silentLogger, workerCountIntervalMs: 100 });
    await fw.start();
    // The control plane's own pool is one source.
    expect(await call(app, "/workers")).toEqual({ workers: 1 });
    const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", "test/fixtures/core-tasks.ts", "--control-plane-address", address, "--worker-id", "sw-elysia", "--concurrency", "1"]);
    await sw.waitFor(/subworker sw-elysia ready/);
    await waitFor(async () => (await call<{ workers: number }>(app, "/workers")).workers === 2, { message: "GET /workers to count the subworker" });
    await sw.stop();
    await waitFor(async () => (await call<{ workers: number }>(app, "/workers")).workers === 1, { message: "GET /workers to drop the stopped subworker" });
    await fw.stop();
  });

  test("a control plane that does not answer fails the request with E_UNAVAILABLE, and the next use tries again", async () => {
    const later = await freeAddress();
    const { fw } = buildApp({ address: later, connectTimeoutMs: 300, log: silentLogger });
    const first = await fw.delay(add, 1, 2).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UnavailableError);
    expect(fw.running).toBe(false);
    // The failed start is not cached: once a control plane listens there, the next call connects.
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", later, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "1"]);
    await cp.waitFor(/control plane .* ready/);
    expect(await fw.submit(add, [1, 2])).toBe(3);
    await fw.stop();
    await cp.stop();
  });
});

describe("lifecycle with a listening app", () => {
  test("starts with app.listen(), serves HTTP, and stops the client with app.stop()", async () => {
    const { app, fw } = buildApp();
    const port = await freePort();
    app.listen({ port, hostname: "127.0.0.1" });
    await waitFor(() => fw.running, { message: "the client to start" }); // onStart, without any request
    const client = fw.client!;
    const response = await fetch(`http://127.0.0.1:${port}/add?x=2&y=3`);
    expect(await response.json()).toEqual({ sum: 5 });

    await app.stop(true);
    await fw.stop(); // the stop onStop began (Elysia does not await its stop hooks)
    expect(fw.running).toBe(false);
    expect(fw.client).toBeUndefined();
    // The Client itself was stopped, not just forgotten.
    await expect(client.status()).rejects.toBeInstanceOf(UnavailableError);
    // And a stopped fw does not quietly reconnect on the next use.
    const after = await fw.delay(add, 1, 1).catch((e: unknown) => e);
    expect((after as FastWorkerError).code).toBe("E_CLOSED");
    // Until it is started again.
    await fw.start();
    expect(await fw.submit(add, [1, 1])).toBe(2);
    await fw.stop();
  });
});
