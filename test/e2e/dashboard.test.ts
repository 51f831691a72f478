// The dashboard in a real headless Chromium against a real control-plane process, signed in
// through the login form: live updates, cancel, retry, search, the detail drawer, dark mode,
// and a flood of events. Screenshots go to test-artifacts/. Chromium is required (helpers/browser.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { Client } from "../../src/client/index.ts";
import type { TaskDetailJson } from "../../src/server/api-types.ts";
import { ARTIFACTS, signIn, type TestBrowser } from "../helpers/browser.ts";
import { startDashboard, type DashboardRig } from "../helpers/dashboard.ts";
import { killAll, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const TOKEN = "e2e-dashboard-token-0123456789abcdef";

/** What the page.evaluate() callbacks touch in the browser (this file is type-checked without the DOM library). */
interface BrowserGlobals {
  document: { documentElement: { classList: { contains(name: string): boolean }; scrollHeight: number } };
  localStorage: { getItem(key: string): string | null };
  requestAnimationFrame(callback: () => void): number;
  maxGap: number;
  last: number;
}
let rig: DashboardRig | undefined;
let browser: TestBrowser;
let page: Page;
let client: Client;
let base: string;
let controlPlane: Started;

beforeAll(async () => {
  rig = await startDashboard({ token: TOKEN, modules: "test/fixtures/core-tasks.ts", workerId: "cp-e2e" });
  ({ browser, page, client, base, controlPlane } = rig);
  await signIn(page, base, TOKEN);
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await killAll();
});

const row = (id: string) => page.locator(`tr[data-task-id="${id}"]`);
/** A screenshot of the viewport, or of the whole page by growing the viewport (fixed and sticky parts stay in place). */
async function shot(name: string, whole = false): Promise<void> {
  const size = page.viewportSize()!;
  if (whole) await page.setViewportSize({ width: size.width, height: await page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollHeight) });
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`) });
  if (whole) await page.setViewportSize(size);
}
/** The "succeeded in the last minute" card as a number (the page refreshes it on its 1 s clock). */
const minuteSucceeded = async (): Promise<number> => Number((await page.getByTestId("card-minute").getByTitle("Succeeded").textContent())?.replace(/\D/g, "") ?? 0);
const api = async (path: string): Promise<TaskDetailJson> =>
  (await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as TaskDetailJson;

describe("dashboard in Chromium", () => {
  test("loads: control plane id, running state, live connection, panels", async () => {
    await page.goto(base);
    await expect(page.getByTestId("cp-id").textContent()).resolves.toBe("cp-e2e");
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    await page.getByTestId("worker-local").waitFor();
    expect(await page.getByTestId("registered-panel").textContent()).toContain("alwaysFails");
  }, 20_000);

  test("a task submitted from the form appears at once and finishes, without a reload", async () => {
    await page.getByTestId("open-submit").click();
    await page.getByTestId("submit-name").selectOption("sleep");
    await page.getByTestId("submit-args").fill("[2500]");
    await page.getByTestId("submit-go").click();
    const first = page.locator("tbody tr[data-task-id]").first();
    await first.waitFor();
    const id = (await first.getAttribute("data-task-id"))!;
    // 2.5 s of sleep: long enough to see it running even on a loaded machine.
    await row(id).and(page.locator('[data-status="running"]')).waitFor({ timeout: 10_000 });
    await shot("running");
    await row(id).and(page.locator('[data-status="success"]')).waitFor({ timeout: 10_000 });
    expect((await api(`/api/tasks/${id}`)).status).toBe("success");
  }, 20_000);

  test("tasks from other clients show up live", async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => client.enqueue("add", [i, 10])));
    for (const id of ids) await row(id).and(page.locator('[data-status="success"]')).waitFor({ timeout: 5000 });
  }, 20_000);

  test("cancel stops a running task", async () => {
    const id = await client.enqueue("sleep", [20_000]);
    await row(id).and(page.locator('[data-status="running"]')).waitFor({ timeout: 5000 });
    await row(id).locator('[data-action="cancel"]').click();
    await row(id).and(page.locator('[data-status="cancelled"]')).waitFor({ timeout: 5000 });
    const detail = await api(`/api/tasks/${id}`);
    expect(detail.status).toBe("cancelled");
    expect(detail.error?.code).toBe("E_TASK_CANCELLED");
  }, 20_000);

  test("retry runs a failed task again", async () => {
    const id = await client.enqueue("hard");
    await row(id).and(page.locator('[data-status="failure"]')).waitFor({ timeout: 5000 });
    await row(id).locator('[data-action="retry"]').click();
    await page.getByText("queued again").waitFor();
    await waitFor(async () => (await api(`/api/tasks/${id}`)).history.filter((h) => h.state === "running").length === 2, { timeoutMs: 5000, message: "the retried task to run a second time" });
    await row(id).and(page.locator('[data-status="failure"]')).waitFor({ timeout: 5000 });
    await row(id).click();
    await page.getByTestId("detail-error").filter({ hasText: "refused on purpose" }).waitFor();
    expect(await page.getByTestId("detail-timeline").locator("li").count()).toBe(7);
    await shot("failed-detail");
    await page.getByTestId("detail-close").click();
  }, 20_000);

  test("a row opens the detail: arguments, result, timeline", async () => {
    const id = await client.enqueue("add", [40, 2]);
    await row(id).and(page.locator('[data-status="success"]')).waitFor({ timeout: 5000 });
    await row(id).click();
    await page.getByTestId("detail-result").filter({ hasText: "42" }).waitFor();
    expect(await page.getByTestId("detail-args").textContent()).toContain("40");
    expect(await page.getByTestId("detail-timeline").locator("li").count()).toBe(4);
    await shot("detail");
    await page.getByTestId("detail-close").click();
  }, 20_000);

  test("search narrows the table to matching ids", async () => {
    const id = await client.enqueue("add", [7, 7]);
    await row(id).waitFor({ timeout: 5000 });
    await page.getByTestId("search").fill(id.slice(0, 13));
    await waitFor(async () => (await page.locator("tbody tr[data-task-id]").count()) === 1, { timeoutMs: 5000, message: "the search to leave one row" });
    expect(await page.locator("tbody tr[data-task-id]").first().getAttribute("data-task-id")).toBe(id);
    await page.getByTestId("search").fill("");
    await waitFor(async () => (await page.locator("tbody tr[data-task-id]").count()) > 1, { timeoutMs: 5000, message: "a cleared search to show every row again" });
  }, 20_000);

  test("stays responsive under a flood of events, with the table capped to its page", async () => {
    // About 1 000 events per second for 3 s (each task: queued, started, succeeded).
    await page.evaluate(() => {
      const w = globalThis as unknown as BrowserGlobals;
      w.maxGap = 0;
      w.last = performance.now();
      const tick = () => {
        const now = performance.now();
        w.maxGap = Math.max(w.maxGap, now - w.last);
        w.last = now;
        w.requestAnimationFrame(tick);
      };
      w.requestAnimationFrame(tick);
    });
    const ids: string[] = [];
    for (let second = 0; second < 3; second++) {
      const started = Date.now();
      ids.push(...(await client.submitBatch(Array.from({ length: 330 }, (_, i) => ({ task: "add", args: [i, second] })))));
      await Bun.sleep(Math.max(0, 1000 - (Date.now() - started))); // deliberate pacing: the flood under test is 330 tasks a second
    }
    await row(ids.at(-1)!).and(page.locator('[data-status="success"]')).waitFor({ timeout: 15_000 });
    const maxGap = await page.evaluate(() => (globalThis as unknown as BrowserGlobals).maxGap);
    console.log(JSON.stringify({ scenario: "gui-flood", events: ids.length * 3, max_frame_gap_ms: Math.round(maxGap) }));
    expect(maxGap).toBeLessThan(1000);
    expect(await page.locator("tbody tr[data-task-id]").count()).toBeLessThanOrEqual(25);
    // The page kept up: the server never had to cut its stream.
    expect(controlPlane.output()).not.toContain("event stream dropped");
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    // The cards and the chart show the flood once the page's clock has ticked over it.
    await waitFor(async () => (await minuteSucceeded()) >= ids.length, { timeoutMs: 5000, message: "the last-minute card to count the flood" });
    await shot("light", true);
  }, 40_000);

  test("dark mode: the toggle switches it, and the choice survives a reload", async () => {
    const dark = () => page.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.classList.contains("dark"));
    expect(await dark()).toBe(false);
    await page.getByTestId("theme-toggle").click();
    expect(await dark()).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).localStorage.getItem("fastworker-theme"))).toBe("dark");
    await page.reload();
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    expect(await dark()).toBe(true);
    await waitFor(async () => (await minuteSucceeded()) > 0, { timeoutMs: 5000, message: "the reloaded page to show its metrics" });
    await shot("dark", true);
    await page.getByTestId("theme-toggle").click();
    expect(await dark()).toBe(false);
  }, 20_000);
});
