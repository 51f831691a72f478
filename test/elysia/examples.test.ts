// Every example, run with the commands its header documents (real processes, free ports swapped
// in for the defaults through the documented environment variables, everything killed at the end).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { ROOT } from "../server/fixture.ts";
import { DEFAULT_CP_ADDRESS, documented, documentedCommands } from "./documented.ts";

afterAll(killAll);

/** Isolated settings for one control plane: its address, a private discovery address, no dashboard, no journal. */
async function isolatedEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const address = await freeAddress();
  return {
    FASTWORKER_BASE_ADDRESS: address,
    FASTWORKER_CONTROL_PLANE_ADDRESS: address,
    FASTWORKER_DISCOVERY_ADDRESS: await freeAddress(),
    FASTWORKER_GUI_ENABLED: "false",
    FASTWORKER_JOURNAL: "false",
    FASTWORKER_CONCURRENCY: "2",
    FASTWORKER_LOG_LEVEL: "warn",
    ...extra,
  };
}

/** Starts a long-running documented command (control plane, subworker, app) and waits for its ready line. */
async function serve(words: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  expect(words[0]).toBe("bun");
  const started = startProcess(words.slice(1), { env });
  await started.waitFor(ready, 30_000);
  return started;
}

/** Runs a one-shot documented command to its end; its stdout, after checking it exited 0 within the time. */
async function runOnce(words: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<string> {
  expect(words[0]).toBe("bun");
  const proc = Bun.spawn(words, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe", timeout: timeoutMs, killSignal: "SIGKILL" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(code, `${words.join(" ")} exited ${code} (signal ${proc.signalCode})\n${stdout}\n${stderr}`).toBe(0);
  return stdout;
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

const CP_READY = /control plane .* ready/;

describe("examples/tasks.ts with elysia-app.ts and callbacks.ts", () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = await isolatedEnv();
    await serve(documented("examples/tasks.ts", ["bun", "bin/fastworker.ts", "control-plane"]), env, CP_READY);
  }, 40_000);

  test("tasks.ts: the documented submit", async () => {
    expect((await runOnce(documented("examples/tasks.ts", ["bun", "bin/fastworker.ts", "submit"]), env)).trim()).toBe("5");
  }, 30_000);

  test("elysia-app.ts: /add, /report/:q, /tasks/:id and /workers through a Client, then a clean SIGTERM", async () => {
    expect(documented("examples/elysia-app.ts", ["bun", "bin/fastworker.ts", "control-plane"])).toEqual(documented("examples/tasks.ts", ["bun", "bin/fastworker.ts", "control-plane"]));
    const port = await freePort();
    const app = await serve(documented("examples/elysia-app.ts", ["bun", "examples/elysia-app.ts"]), { ...env, PORT: String(port) }, /listening on http/);
    const base = `http://127.0.0.1:${port}`;
    expect(await getJson(`${base}/add?x=2&y=3`)).toEqual({ status: 200, body: { sum: 5 } });
    const accepted = await getJson(`${base}/report/q3`, { method: "POST" });
    expect(accepted.status).toBe(202);
    const { id } = accepted.body as { id: string };
    expect(await getJson(`${base}/tasks/${id}?wait=10000`)).toEqual({ status: 200, body: { id, status: "success", result: { quarter: "q3", rows: 42 } } });
    expect(await getJson(`${base}/workers`)).toEqual({ status: 200, body: { workers: 1 } });
    const missing = await getJson(`${base}/tasks/no-such-id`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: "E_TASK_NOT_FOUND" } });
    expect(await app.stop("SIGTERM")).toBe(0);
  }, 40_000);

  test("callbacks.ts: every task's completion arrives at the listener with its callbackData", async () => {
    const callbackEnv = { ...env, FASTWORKER_CALLBACK_ADDRESS: await freeAddress() };
    const out = await runOnce(documented("examples/callbacks.ts", ["bun", "examples/callbacks.ts"]), callbackEnv);
    const notices = out.split("\n").filter((l) => l.startsWith('{"callback"')).map((l) => JSON.parse(l) as { task: string; status: string; result: unknown; error: string | null; data: { orderId: number } });
    const byTask = Object.fromEntries(notices.map((n) => [n.task, n]));
    expect(byTask.add).toMatchObject({ status: "success", result: 5, data: { orderId: 1 } });
    expect(byTask.report).toMatchObject({ status: "success", result: { quarter: "q3", rows: 42 }, data: { orderId: 2 } });
    expect(byTask.validate).toMatchObject({ status: "failure", error: "E_TASK_FAILED", data: { orderId: 3 } });
    expect(out).toContain("all 3 callbacks received");
  }, 40_000);
});

describe("examples/package/", () => {
  test("the folder loads as one task package and each documented submit answers", async () => {
    const env = await isolatedEnv();
    const cp = await serve(documented("examples/package/images.ts", ["bun", "bin/fastworker.ts", "control-plane"]), env, CP_READY);
    // Every module of the folder, in name order (the line follows the ready line, maybe in a later chunk).
    await cp.waitFor(/tasks: +images\.histogram, images\.thumbnail_size, reports\.quarterly, reports\.summary\n/);
    const submits = ["examples/package/images.ts", "examples/package/reports.ts"]
      .flatMap((file) => documentedCommands(file))
      .filter((words) => words[2] === "submit");
    const outputs = await Promise.all(submits.map((words) => runOnce(words, env)));
    const answers = Object.fromEntries(submits.map((words, i) => [words[4]!, JSON.parse(outputs[i]!) as unknown]));
    expect(answers).toMatchObject({
      "images.thumbnail_size": { width: 640, height: 480 },
      "images.histogram": [2, 1, 0, 2],
      "reports.summary": { count: 8, sum: 31, mean: 3.875, median: 3.5 },
      "reports.quarterly": { quarter: "q3", rows: 42 },
    });
  }, 60_000);
});

describe("examples/cpu-bound.ts", () => {
  test("the client submits many CPU-bound tasks and prints their throughput", async () => {
    const env = await isolatedEnv();
    await serve(documented("examples/cpu-bound.ts", ["bun", "bin/fastworker.ts", "control-plane"]), env, CP_READY);
    const client = documented("examples/cpu-bound-client.ts", ["bun", "examples/cpu-bound-client.ts"]);
    expect(client.slice(2)).toEqual(["32", "1000000"]);
    // The documented command with a smaller run: 8 tasks of primes below 20 000 (there are 2 262).
    const out = await runOnce([...client.slice(0, 2), "8", "20000"], env, 60_000);
    const report = JSON.parse(out.trim()) as { tasks: number; limit: number; primes: unknown; workers: number; seconds: number; tasksPerSecond: number };
    expect(report).toMatchObject({ tasks: 8, limit: 20_000, primes: 2262, workers: 1 });
    expect(report.tasksPerSecond).toBeGreaterThan(0);
  }, 60_000);
});

describe("examples/embedded-app.ts", () => {
  test("one process: routes, the dashboard under /fastworker, the NNG address for the CLI and a subworker, a clean SIGTERM", async () => {
    const port = await freePort();
    const env = await isolatedEnv({ PORT: String(port) });
    const cpAddress = env.FASTWORKER_BASE_ADDRESS!;
    const swap = { [DEFAULT_CP_ADDRESS]: cpAddress };
    const app = await serve(documented("examples/embedded-app.ts", ["bun", "examples/embedded-app.ts"]), env, /embedded-app listening on http/);
    const base = `http://127.0.0.1:${port}`;
    expect(await getJson(`${base}/add?x=2&y=3`)).toEqual({ status: 200, body: { sum: 5 } });
    expect(await getJson(`${base}/report/q1`)).toEqual({ status: 200, body: { quarter: "q1", rows: 42 } });
    const status = await getJson(`${base}/fastworker/api/status`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ running: true, base_address: cpAddress });
    const bare = await fetch(`${base}/fastworker`, { redirect: "manual" });
    expect([bare.status, bare.headers.get("location")]).toEqual([308, "/fastworker/"]);
    const page = await fetch(`${base}/fastworker/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');

    // The documented CLI submit and subworker, aimed at this app's control plane.
    expect((await runOnce(documented("examples/embedded-app.ts", ["bun", "bin/fastworker.ts", "submit"], swap), env)).trim()).toBe("3");
    const sw = await serve(documented("examples/embedded-app.ts", ["bun", "bin/fastworker.ts", "subworker"], swap), env, /subworker .* ready/);
    await waitFor(async () => ((await getJson(`${base}/workers`)).body as { workers: number }).workers === 2, { message: "GET /workers to count the subworker" });
    expect(await sw.stop("SIGTERM")).toBe(0);
    expect(await app.stop("SIGTERM")).toBe(0);
  }, 60_000);
});
