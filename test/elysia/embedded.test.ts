// fastworker/elysia in embedded mode: a control plane inside the app's process, `fw` on its
// in-process client, remote clients still served on its NNG address, and the dashboard (API,
// event stream and GUI) mounted under a prefix of the same app, checked in headless Chromium too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { Elysia } from "elysia";
import { chromium, type Browser } from "playwright-core";
import { Client } from "../../src/client/index.ts";
import { silentLogger } from "../../src/log.ts";
import type { StatusJson, TaskDetailJson } from "../../src/server/api-types.ts";
import { fastworker, type FastWorker } from "../../src/elysia/elysia-plugin.ts";
import { add, sleep } from "../fixtures/core-tasks.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { readEvents, ROOT } from "../server/fixture.ts";

const CHROMIUM = process.env.FASTWORKER_CHROMIUM ?? "/usr/bin/chromium";

let address: string;
let fw: FastWorker;
let app: ReturnType<typeof buildApp>;

function buildApp(cpAddress: string) {
  return new Elysia()
    .use(fastworker({
      embedded: { taskModules: ["test/fixtures/core-tasks.ts"], cwd: ROOT, address: cpAddress, discoveryAddress: null, concurrency: 2, log: silentLogger },
    }))
    .get("/add", async ({ fw, query }) => ({ sum: await fw.submit(add, [Number(query.x), Number(query.y)]) }))
    .post("/sleep/:ms", async ({ fw, params }) => ({ id: await fw.delay(sleep, Number(params.ms)) }))
    .get("/fastworker-other", () => "the app's own route next to the prefix");
}

const get = (path: string, init?: RequestInit) => app.handle(new Request(`http://127.0.0.1${path}`, init));

beforeAll(async () => {
  address = await freeAddress();
  app = buildApp(address);
  fw = app.decorator.fw;
});
afterAll(() => fw.stop());

describe("embedded control plane", () => {
  test("a route submits through the control plane in this process (started lazily under app.handle())", async () => {
    expect(fw.controlPlane).toBeUndefined();
    const response = await get("/add?x=20&y=22");
    expect(await response.json()).toEqual({ sum: 42 });
    const cp = fw.controlPlane!;
    expect(cp.running).toBe(true);
    expect(fw.client).toBeUndefined(); // no network client: cp.client() is used
    expect(fw.workerCount).toBe(1); // the in-process pool
    // Its events are there to subscribe to.
    const seen: string[] = [];
    const off = cp.on("task.succeeded", (e) => seen.push(e.record.taskId));
    const { id } = (await (await get("/sleep/10", { method: "POST" })).json()) as { id: string };
    expect((await fw.result(id, { wait: 10_000 })).status).toBe("success");
    expect(seen).toContain(id);
    off();
  });

  test("remote clients are served on its NNG address too", async () => {
    const remote = await new Client({ address, connectTimeoutMs: 5000 }).start();
    expect(await remote.submit(add, [1, 2])).toBe(3);
    expect((await remote.status()).cpId).toBe(fw.controlPlane!.id);
    await remote.stop();
  });
});

describe("the dashboard under /fastworker", () => {
  test("its API answers under the prefix, the app's other routes are untouched", async () => {
    const status = await get("/fastworker/api/status");
    expect(status.status).toBe(200);
    expect(((await status.json()) as StatusJson).id).toBe(fw.controlPlane!.id);
    const id = await fw.delay(add, 2, 2);
    await fw.result(id, { wait: 10_000 });
    const detail = (await (await get(`/fastworker/api/tasks/${id}`)).json()) as TaskDetailJson;
    expect(detail).toMatchObject({ task_id: id, status: "success", result: 4 });
    expect(await (await get("/fastworker-other")).text()).toBe("the app's own route next to the prefix");
    const missing = await get("/fastworker/api/nope");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("E_NOT_FOUND");
  });

  test("the page: /fastworker redirects to /fastworker/, which serves the GUI with page-relative assets", async () => {
    const bare = await get("/fastworker?x=1");
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/fastworker/?x=1");
    const page = await get("/fastworker/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await get(`/fastworker/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
  });

  test("the event stream flows through the app", async () => {
    const response = await get("/fastworker/api/events");
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const id = await fw.delay(add, 5, 5);
    const { events } = await readEvents(response.body!, (evs) => evs.some((e) => e.event === "task.succeeded" && JSON.stringify(e.data).includes(id)));
    expect(events.some((e) => e.event === "task.succeeded")).toBe(true);
  });

  test("with a token, the login redirect and form stay under the prefix", async () => {
    const guarded = new Elysia().use(fastworker({
      embedded: {
        taskModules: ["test/fixtures/core-tasks.ts"], cwd: ROOT, address: await freeAddress(), discoveryAddress: null, concurrency: 0, log: silentLogger,
        dashboard: { prefix: "/ops/queue/", token: "a-long-enough-test-token" },
      },
    }));
    try {
      const page = await guarded.handle(new Request("http://127.0.0.1/ops/queue/"));
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/ops/queue/login");
      const form = await (await guarded.handle(new Request("http://127.0.0.1/ops/queue/login"))).text();
      expect(form).toContain('action="/ops/queue/login"');
      const api = await guarded.handle(new Request("http://127.0.0.1/ops/queue/api/status", { headers: { authorization: "Bearer a-long-enough-test-token" } }));
      expect(api.status).toBe(200);
    } finally {
      await guarded.decorator.fw.stop();
    }
  });
});

describe("in Chromium", () => {
  let browser: Browser | undefined;
  afterAll(() => browser?.close());

  test("the page under the prefix loads, goes live and shows a task submitted through fw", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it or set FASTWORKER_CHROMIUM`);
    const port = await freePort();
    const listening = buildApp(await freeAddress());
    listening.listen({ port, hostname: "127.0.0.1" });
    const local = listening.decorator.fw;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      await page.goto(`http://127.0.0.1:${port}/fastworker/`);
      await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor({ timeout: 10_000 });
      expect(await page.getByTestId("cp-id").textContent()).toBe(local.controlPlane!.id);
      const id = await local.delay(add, 3, 4);
      await page.locator(`tr[data-task-id="${id}"][data-status="success"]`).waitFor({ timeout: 10_000 });
      // Every request the page made stayed under the prefix.
      expect(requested.filter((url) => !url.startsWith(`http://127.0.0.1:${port}/fastworker/`))).toEqual([]);
    } finally {
      await listening.stop(true);
      await local.stop();
    }
  }, 30_000);
});
