// Concurrent async handlers and the handler context through real processes: `fastworker control-plane`
// and `fastworker subworker` with --tasks-per-worker, a client over NNG, the REST detail and the SSE stream.
import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import type { TaskDetailJson } from "../../src/server/api-types.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";

afterAll(killAll);

const MODULES = "test/fixtures/tasks/handlers.ts";
const clients: Client[] = [];
afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
});

async function controlPlane(extra: string[], env: Record<string, string> = {}): Promise<{ cp: Started; address: string }> {
  const address = await freeAddress();
  const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", MODULES, "--base-address", address, "--no-discovery", "--no-journal", ...extra], { env });
  await cp.waitFor(/control plane .* ready/);
  return { cp, address };
}

async function connect(address: string): Promise<Client> {
  const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
  clients.push(client);
  return client;
}

async function twentySleeps(client: Client): Promise<number> {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: 20 }, () => client.submit("wait", [500])));
  expect(results).toEqual(Array(20).fill(500));
  return Date.now() - started;
}

describe("--tasks-per-worker", () => {
  test("control-plane --tasks-per-worker 10 with 2 Workers runs 20 sleeping tasks together, not one after another", async () => {
    const { cp, address } = await controlPlane(["--no-gui", "--concurrency", "2", "--tasks-per-worker", "10"]);
    await cp.waitFor(/pool: +2 Bun Workers, 10 tasks in flight each/);
    const client = await connect(address);
    const ms = await twentySleeps(client);
    // Sequentially per Worker this is 10 x 500 ms = 5 s; together about 0.5 s (bounds generous for a busy machine).
    expect(ms).toBeLessThan(3000);
    const local = (await client.status()).workers.find((w) => w.kind === "local");
    expect(local?.capacity).toBe(20);
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  });

  test("FASTWORKER_TASKS_PER_WORKER applies to a subworker, and a bad value is refused", async () => {
    const { cp, address } = await controlPlane(["--no-gui", "--concurrency", "0"]);
    const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", MODULES, "--control-plane-address", address, "--concurrency", "2", "--worker-id", "sw-handlers"], {
      env: { FASTWORKER_TASKS_PER_WORKER: "10" },
    });
    await sw.waitFor(/subworker sw-handlers ready/);
    const client = await connect(address);
    expect((await client.status()).workers.find((w) => w.id === "sw-handlers")?.capacity).toBe(20);
    expect(await twentySleeps(client)).toBeLessThan(3000);
    // Progress and log lines travel with the subworker's reports.
    const id = await client.enqueue("slowReporter", [300]);
    const record = await client.result(id, { wait: 20_000 });
    expect(record.status).toBe("success");
    expect(record.progress).toBe(100);
    expect(record.logs?.map((l) => l.message)).toEqual(["started", "done"]);
    expect(await sw.stop("SIGTERM")).toBe(0);
    const bad = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", MODULES, "--control-plane-address", address, "--tasks-per-worker", "0"]);
    expect(await bad.proc.exited).not.toBe(0);
    expect(bad.output()).toContain("tasks-per-worker");
    await client.stop();
    await cp.stop("SIGTERM");
  });
});

describe("timeouts with tasks in flight", () => {
  test("a handler that ignores its timeout costs its Worker; the tasks in flight beside it are re-run, not failed", async () => {
    const { cp, address } = await controlPlane(["--no-gui", "--concurrency", "1", "--tasks-per-worker", "5"]);
    const client = await connect(address);
    const beside = await Promise.all(Array.from({ length: 4 }, () => client.enqueue("wait", [1500])));
    const stuck = await client.enqueue("stubborn", [60_000], { timeoutMs: 200 });
    const stuckRecord = await client.result(stuck, { wait: 20_000 });
    expect(stuckRecord.status).toBe("failure");
    expect(stuckRecord.error?.code).toBe("E_TASK_TIMEOUT");
    // It ignored its aborted signal, so after the grace period its Worker was terminated (the others with it).
    await cp.waitFor(/did not end within the grace period.*"requeued":4/);
    for (const id of beside) {
      const record = await client.result(id, { wait: 20_000 });
      expect(record.status).toBe("success");
      expect(record.result).toBe(1500);
      // Re-queued inside the pool when the Worker was terminated: not a failed attempt.
      expect(record.attempts).toBe(1);
    }
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  });
});

describe("handler context", () => {
  test("progress and log lines appear in the record, the REST detail and the event stream, bounded", async () => {
    const port = await freePort();
    const { cp, address } = await controlPlane(["--concurrency", "1", "--gui-port", String(port)]);
    await cp.waitFor(/dashboard: +\S+/);
    const stream = await fetch(`http://127.0.0.1:${port}/api/events`);
    const reader = stream.body!.getReader();
    const client = await connect(address);
    const id = await client.enqueue("reporter", [150, true]);
    const record = await client.result(id, { wait: 20_000 });
    expect(record.status).toBe("success");
    expect(record.result).toEqual({ id, name: "reporter", attempt: 1, aborted: false });
    expect(record.progress).toEqual({ done: 150, total: 150 });
    // 151 lines written; the record keeps the last 100, the long one cut to 2 000 characters.
    expect(record.logs).toHaveLength(100);
    expect(record.logs![0]!.message).toBe("step 52 of 150");
    expect(record.logs![99]!.message).toHaveLength(2000);
    expect(record.logs!.every((l) => typeof l.at === "number")).toBe(true);
    const detail = (await (await fetch(`http://127.0.0.1:${port}/api/tasks/${id}`)).json()) as TaskDetailJson;
    expect(detail.progress).toEqual({ done: 150, total: 150 });
    expect(detail.logs).toEqual(record.logs);
    const seen = { progress: false, log: false };
    let text = "";
    const decoder = new TextDecoder();
    const deadline = Date.now() + 10_000;
    while (!(seen.progress && seen.log) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      seen.progress ||= text.includes(`event: task.progress\ndata: {"id":"${id}","name":"reporter","progress":`);
      seen.log ||= new RegExp(`event: task.log\\ndata: \\{"id":"${id}","name":"reporter","at":\\d+,"message":"step 1 of 150"\\}`).test(text);
    }
    expect(seen).toEqual({ progress: true, log: true });
    await reader.cancel();
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  });
});
