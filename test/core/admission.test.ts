import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "../../src/client/index.ts";
import { Backpressure } from "../../src/client/backpressure.ts";
import { ProgressBar } from "../../src/cli/progress.ts";
import { createCommands, createControlPlane, createView } from "../../src/control-plane/index.ts";
import { silentLogger } from "../../src/log.ts";
import { createDashboardApp } from "../../src/server/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { QueueFullError } from "../../src/errors.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, MAX_TASKS_PER_SUBMIT } from "../../src/protocol/index.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { cli } from "../helpers/cli.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);
const scratch = mkdtempSync(join(tmpdir(), "fw-admission-"));

describe("admission control (--max-queued)", () => {
  test("beyond --max-queued a submit refuses only the tasks that do not fit, with E_QUEUE_FULL and retryAfterMs; room comes back as the queue drains", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--max-queued", "1000"]);
    const client = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 0 } }).start();
    const blocker = client.submit("sleep", [1500]);
    await waitFor(async () => (await client.status()).running === 1, { message: "the blocker to take the only slot" });

    const raw = new ReqSocket().dial(address);
    const ask = async (bytes: Uint8Array) => decodeReply(await raw.request(bytes, { timeoutMs: 10_000 }));
    // The running blocker does not count: 1 000 queued tasks fit, the 1 001st of the same frame does not.
    const tasks = Array.from({ length: 1001 }, (_, i) => ({ id: `q-${i}`, name: "add", args: [i, 1] }));
    const reply = await ask(encodeFrame({ v: 1, type: "submit", tasks }));
    if (reply.type !== "submitted") throw new Error(`unexpected reply ${reply.type}`);
    expect(reply.tasks.slice(0, 1000).filter((t) => t.error !== undefined)).toEqual([]);
    expect(reply.tasks[1000]).toMatchObject({ id: "q-1000", error: { code: "E_QUEUE_FULL" } });
    expect(reply.tasks[1000]!.error!.retryAfterMs).toBeGreaterThan(0);
    expect(reply.tasks[1000]!.error!.message).toContain("--max-queued");

    // The Client with backpressure off hands the refusal to the caller as a typed error.
    const refused = await client.enqueue("add", [1, 2]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).code).toBe("E_QUEUE_FULL");
    expect((refused as QueueFullError).retryAfterMs).toBeGreaterThan(0);
    const awaited = await client.submit("add", [1, 2]).catch((e: unknown) => e);
    expect((awaited as QueueFullError).code).toBe("E_QUEUE_FULL");

    // With a short maxWaitMs the Client keeps trying for that long, then gives the caller the error.
    const patient = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 300, initialDelayMs: 20, maxDelayMs: 50 } }).start();
    const began = performance.now();
    const gaveUp = await patient.enqueue("add", [1, 2]).catch((e: unknown) => e);
    expect(gaveUp).toBeInstanceOf(QueueFullError);
    expect(performance.now() - began).toBeGreaterThanOrEqual(290);
    expect(patient.waitingForRoom).toBe(0);
    await patient.stop();

    // The refused task was not stored: once the queue drains, the same id is accepted and runs.
    await blocker;
    await client.result("q-999", { wait: true }); // FIFO within a priority: the last accepted one ran last
    await waitFor(async () => Object.values((await client.status()).queues).every((n) => n === 0), { message: "the queue to drain" });
    const again = await ask(encodeFrame({ v: 1, type: "submit", tasks: [tasks[1000]!], wait: true }));
    expect(again).toMatchObject({ type: "results", results: [{ taskId: "q-1000", status: "success", result: 1001 }] });
    await raw.close();
    await client.stop();
  });

  test("a Client submitting 5 000 tasks against --max-queued 500 backs off and resubmits: every task runs exactly once", async () => {
    const { address } = await startControlPlane(["--concurrency", "2", "--max-queued", "500"]);
    const client = await new Client({ address, connectTimeoutMs: 5000, backpressure: { initialDelayMs: 20, maxDelayMs: 200 } }).start();
    const file = join(scratch, "exactly-once");
    const blocker = client.submit("sleep", [500]);
    const accepted = Promise.all(Array.from({ length: 5000 }, (_, i) => client.enqueue("mark", [file, `m-${i}`])));
    await waitFor(() => client.waitingForRoom > 0, { message: "the client to hold refused tasks back" });
    const ids = await accepted;
    expect(new Set(ids).size).toBe(5000);
    // Awaited submits take the same path (submit with wait) and back off too.
    const awaited = await Promise.all(Array.from({ length: 600 }, (_, i) => client.submit<string>("mark", [file, `s-${i}`])));
    expect(awaited).toEqual(Array.from({ length: 600 }, (_, i) => `s-${i}`));
    await blocker;
    const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    expect(records.every((r) => r.status === "success")).toBe(true);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(5600);
    expect(new Set(lines).size).toBe(5600);
    expect(client.waitingForRoom).toBe(0);
    await client.stop();
  });
});

describe("awaited submits", () => {
  test("tasks refused in an awaited batch hear it at once, not when the accepted ones end", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--max-queued", "5"]);
    const client = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 0 } }).start();
    const blocker = client.submit("sleep", [3000]);
    await waitFor(async () => (await client.status()).running === 1, { message: "the blocker to take the only slot" });
    const began = performance.now();
    const outcomes = Array.from({ length: 10 }, (_, i) => client.submit("add", [i, 1]).then(() => performance.now() - began, (e: unknown) => e));
    const refused = (await Promise.race([Promise.all(outcomes.slice(5)), Bun.sleep(2000).then(() => "too late")])) as unknown[] | string; // the bound under test: the refusals must come well before the 3 s blocker ends
    expect(refused).not.toBe("too late");
    for (const error of refused as unknown[]) expect((error as QueueFullError).code).toBe("E_QUEUE_FULL");
    // The accepted ones still arrive (through the client's outbox), once the blocker lets them run.
    await blocker;
    const accepted = await Promise.all(outcomes.slice(0, 5));
    expect(accepted.every((took) => typeof took === "number")).toBe(true);
    await client.stop();
  });
});

describe("bursts beyond one frame's bound", () => {
  test("a submitBatch larger than MAX_TASKS_PER_SUBMIT is split into frames the control plane accepts", async () => {
    // Nothing runs, so all of them stay unfinished: above the default per-client cap (100 000), which this test is not about.
    const { address } = await startControlPlane(["--concurrency", "0", "--max-in-flight-per-client", String(2 * MAX_TASKS_PER_SUBMIT)]);
    const client = await connect(address);
    const ids = await client.submitBatch(Array.from({ length: MAX_TASKS_PER_SUBMIT + 1 }, (_, i) => ({ task: "add", args: [i, 1] })));
    expect(new Set(ids).size).toBe(MAX_TASKS_PER_SUBMIT + 1);
    await client.stop();
  });
});

describe("every way in refuses beyond --max-queued", () => {
  test("the dashboard's POST /api/tasks answers 429 E_QUEUE_FULL, the embedded client rejects with QueueFullError", async () => {
    // No local pool: nothing runs, so the queue stays exactly as full as the test made it.
    const cp = await createControlPlane({
      taskModules: ["test/fixtures/core-tasks.ts"], cwd: `${import.meta.dir}/../..`, address: await freeAddress(), discoveryAddress: null,
      concurrency: 0, maxQueued: 2, log: silentLogger,
    });
    try {
      const app = createDashboardApp(createView(cp), createCommands(cp), { log: silentLogger });
      const post = async () => {
        const response = await app.handle(new Request("http://127.0.0.1/api/tasks", {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "add", args: [1, 2] }),
        }));
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      };
      expect((await post()).status).toBe(201);
      expect((await post()).status).toBe(201);
      expect(await post()).toMatchObject({ status: 429, body: { error: { code: "E_QUEUE_FULL" } } });
      const refused = await cp.client().enqueue("add", [1, 2]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(QueueFullError);
    } finally {
      await cp.stop();
    }
  });
});

describe("configuration", () => {
  test("FASTWORKER_MAX_QUEUED sets the limit when the flag is absent; a limit below 1 is a usage error", async () => {
    const address = await freeAddress();
    const cp = startProcess(
      ["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "0"],
      { env: { FASTWORKER_MAX_QUEUED: "1" } },
    );
    await cp.waitFor(/control plane .* ready/);
    const client = await new Client({ address, connectTimeoutMs: 5000, backpressure: { maxWaitMs: 0 } }).start();
    await client.enqueue("add", [1, 2]);
    expect(((await client.enqueue("add", [1, 2]).catch((e: unknown) => e)) as QueueFullError).code).toBe("E_QUEUE_FULL");
    await client.stop();
    const bad = cli(["control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", await freeAddress(), "--no-discovery", "--no-gui", "--no-journal", "--max-queued", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--max-queued");
  });
});

describe("the Client's backoff policy and the CLI's bar", () => {
  test("the control plane's retryAfterMs first, then jittered doubling up to maxDelayMs, never past maxWaitMs; then the caller's turn", () => {
    const policy = new Backpressure({ maxWaitMs: 1000, initialDelayMs: 10, maxDelayMs: 80 });
    const full = new QueueFullError("full", 100, "t");
    expect(policy.delayFor("t", full, 0)).toBe(100);
    expect(policy.waiting).toBe(1);
    for (let i = 0; i < 50; i++) {
      const delay = policy.delayFor("t", full, 10)!;
      // The suggested wait is a floor, even above the cap: the control plane knows its queue best.
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(100);
    }
    const small = new QueueFullError("full", 0, "u");
    const delays = Array.from({ length: 200 }, () => policy.delayFor("u", small, 0)!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(80);
    expect(policy.delayFor("u", small, 990)).toBeLessThanOrEqual(10);
    expect(policy.delayFor("u", small, 1000)).toBeUndefined();
    policy.settled("t");
    expect(policy.waiting).toBe(0);
  });

  test("submit --count's bar says it is waiting because the queue is full, and stops saying so once nothing waits", () => {
    let held = 3;
    const bar = new ProgressBar(10, () => {}, false, () => held);
    expect(bar.render(1000)).toContain("waiting (queue full): 3 to submit");
    held = 0;
    expect(bar.render(1000)).not.toContain("waiting");
  });
});
