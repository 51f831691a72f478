// The dashboard on every screen, in real headless Chromium against a real control-plane process:
// the login form, no horizontal overflow at phone and desktop widths (dialogs usable), deep
// links opened in a fresh page, bulk retry/clean with confirmation, paused schedules, one request
// per endpoint on load, and the down state once the control plane is gone. Screenshots go to
// test-artifacts/dashboard-screens-*.png.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import type { Client } from "../../src/client/index.ts";
import type { TaskDetailJson } from "../../src/server/api-types.ts";
import { ARTIFACTS, signIn, type TestBrowser } from "../helpers/browser.ts";
import { startDashboard, type DashboardRig } from "../helpers/dashboard.ts";
import { killAll, type Started } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

const TOKEN = "e2e-screens-token-fedcba9876543210";
const SIZES = [{ width: 390, height: 844 }, { width: 800, height: 900 }, { width: 1440, height: 1000 }] as const;

/** What the page.evaluate() callbacks touch in the browser (this file is type-checked without the DOM library). */
interface BrowserGlobals {
  document: { scrollingElement: { scrollWidth: number } | null; documentElement: { scrollWidth: number } };
  innerWidth: number;
}
let rig: DashboardRig | undefined;
let browser: TestBrowser;
let page: Page;
let client: Client;
let base: string;
let controlPlane: Started;

beforeAll(async () => {
  rig = await startDashboard({
    token: TOKEN, modules: "test/fixtures/core-tasks.ts,test/fixtures/periodic-tasks.ts,test/fixtures/tasks/handlers.ts", workerId: "cp-screens",
    // Shorter than a test's timeout, so a stuck step fails with its own message (generous: CI machines are busy).
    defaultTimeoutMs: 20_000,
  });
  ({ browser, page, client, base, controlPlane } = rig);
}, 60_000);

afterAll(async () => {
  await rig?.close();
  await killAll();
});

const api = async <T>(path: string, init: RequestInit = {}): Promise<T> =>
  (await (await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } })).json()) as T;
const row = (p: Page, id: string) => p.locator(`tr[data-task-id="${id}"]`);
const shot = (p: Page, name: string, fullPage = false) => p.screenshot({ path: join(ARTIFACTS, `dashboard-screens-${name}.png`), fullPage });

/** The page's width beyond the viewport: 0 when nothing overflows sideways. */
async function overflow(p: Page): Promise<number> {
  return p.evaluate(() => {
    const w = globalThis as unknown as BrowserGlobals;
    return (w.document.scrollingElement ?? w.document.documentElement).scrollWidth - w.innerWidth;
  });
}
/** Fully inside the viewport (so a user can see and press it). */
async function onScreen(locator: Locator, p: Page): Promise<void> {
  const box = await locator.boundingBox();
  const size = p.viewportSize()!;
  expect(box).not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(size.width);
  expect(box!.y + box!.height).toBeLessThanOrEqual(size.height);
}

describe("dashboard screens in Chromium", () => {
  test("the login form refuses a wrong token and signs in with the right one", async () => {
    await page.goto(base);
    await page.waitForURL(/\/login$/);
    await page.locator("#token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not right" }).waitFor();
    await signIn(page, base, TOKEN);
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    expect(await page.getByTestId("cp-state").getAttribute("data-state")).toBe("running");
  }, 60_000);

  test("a fresh load asks each API endpoint once", async () => {
    // Fired schedules reload their panel (a live update, not the load): quiet them while counting.
    const schedules = ["everySecond", "cronTick", "slowTick", "greet"];
    for (const name of schedules) await api(`/api/schedules/${name}/pause`, { method: "POST" });
    const asked = new Map<string, number>();
    try {
      const fresh = await browser.context.newPage();
      fresh.on("request", (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith("/api/")) asked.set(path, (asked.get(path) ?? 0) + 1);
      });
      await fresh.goto(base);
      await fresh.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
      await fresh.locator("tbody tr[data-task-id], tbody td[colspan]").first().waitFor();
      await Bun.sleep(1500); // a second load would have gone out by now
      await fresh.close();
    } finally {
      for (const name of schedules) await api(`/api/schedules/${name}/resume`, { method: "POST" });
    }
    const counts = Object.fromEntries(asked);
    for (const path of ["/api/status", "/api/workers", "/api/queues", "/api/registered-tasks", "/api/metrics", "/api/schedules", "/api/tasks", "/api/events"]) {
      expect(counts[path], `${path} in ${JSON.stringify(counts)}`).toBe(1);
    }
  }, 60_000);

  for (const size of SIZES) {
    test(`no horizontal overflow at ${size.width}×${size.height}; the dialogs' buttons are on screen`, async () => {
      const done = await client.enqueue("add", [20, 22]);
      await page.setViewportSize(size);
      await page.goto(base);
      await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
      await row(page, done).waitFor();
      await page.getByTestId("chart").locator("svg").first().waitFor(); // drawn once it has measured its box
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      const chart = await page.getByTestId("chart").boundingBox();
      expect(chart!.width).toBeLessThanOrEqual(size.width);
      await shot(page, `${size.width}`, size.width === 390);
      // The lower panels, for looking at (a whole-page screenshot of a phone is too tall to read).
      for (const panel of ["registered-panel", "schedules-panel", "task-table"]) {
        await page.getByTestId(panel).screenshot({ path: join(ARTIFACTS, `dashboard-screens-${size.width}-${panel}.png`) });
      }

      await page.getByTestId("open-submit").click();
      await onScreen(page.getByTestId("submit-go"), page);
      await onScreen(page.getByTestId("submit-cancel"), page);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shot(page, `${size.width}-submit`);
      await page.getByTestId("submit-cancel").click();

      // Queued or running, it can be cancelled: the drawer shows Cancel next to Close.
      const running = await client.enqueue("sleep", [120_000]); // still unfinished however slow the machine
      await row(page, running).waitFor();
      await row(page, running).click();
      await onScreen(page.getByTestId("detail-cancel"), page);
      await onScreen(page.getByTestId("detail-close"), page);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await shot(page, `${size.width}-detail`);
      await page.getByTestId("detail-cancel").click();
      await page.getByTestId("detail-status").filter({ hasText: "cancelled" }).waitFor();
      await page.getByTestId("detail-close").click();
    }, 90_000);
  }

  test("shrinking a desktop window from 1440 to 800 px shrinks the chart with it", async () => {
    const svgWidth = async () => (await page.getByTestId("chart").locator("svg").first().boundingBox())?.width ?? 0;
    await page.setViewportSize({ width: 1440, height: 1000 });
    const wide = await waitFor(async () => { const w = await svgWidth(); return w > 800 && w; }, { timeoutMs: 5000, message: "the chart to fill a wide card" });
    await page.setViewportSize({ width: 800, height: 900 });
    // The card (800 px less the page's padding and the card's) holds the chart; it follows within a frame or two.
    const narrow = await waitFor(async () => { const w = await svgWidth(); return w > 0 && w <= 800 - 32 - 40 && w; }, { timeoutMs: 5000, message: "the chart to shrink with the window" });
    expect(narrow).toBeLessThan(wide);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  }, 60_000);

  test("the registered-tasks panel shows every row, with no inner scroll", async () => {
    await page.setViewportSize({ width: 1440, height: 1000 });
    const names = (await api<{ tasks: Array<{ name: string }> }>("/api/registered-tasks")).tasks.map((t) => t.name);
    expect(names.length).toBeGreaterThan(10);
    const panel = page.getByTestId("registered-panel");
    for (const name of names) await expect(panel.getByText(name, { exact: true }).isVisible()).resolves.toBe(true);
    const panelBox = (await panel.boundingBox())!;
    const lastRow = (await panel.locator("tbody tr").last().boundingBox())!;
    expect(lastRow.y + lastRow.height).toBeLessThanOrEqual(panelBox.y + panelBox.height);
  }, 60_000);

  test("a paused schedule says so instead of when it runs next", async () => {
    const schedule = page.locator('tr[data-schedule="greet"]');
    await schedule.locator('[data-action="pause"]').click();
    await schedule.locator('[data-action="resume"]').waitFor();
    expect(await schedule.getByTestId("schedule-next").textContent()).toBe("paused");
    await schedule.locator('[data-action="resume"]').click();
    await schedule.locator('[data-action="pause"]').waitFor();
    expect(await schedule.getByTestId("schedule-next").textContent()).toMatch(/^in /);
  }, 60_000);

  test("deep links: a task and a filter open in a fresh page, and the URL follows the page", async () => {
    const id = await client.enqueue("add", [40, 2]);
    const failed = await client.enqueue("hard");
    await row(page, failed).and(page.locator('[data-status="failure"]')).waitFor({ timeout: 20_000 });

    // A fresh page without a session: the link survives the login form.
    await browser.context.clearCookies();
    const taskPage = await browser.context.newPage();
    await taskPage.goto(`${base}/?task=${encodeURIComponent(id)}`);
    await taskPage.waitForURL(/\/login\?next=/);
    await taskPage.locator("#token").fill(TOKEN);
    await taskPage.getByRole("button", { name: "Sign in" }).click();
    await taskPage.getByTestId("detail-result").filter({ hasText: "42" }).waitFor();
    expect(new URL(taskPage.url()).searchParams.get("task")).toBe(id);
    await taskPage.getByTestId("detail-close").click();
    expect(new URL(taskPage.url()).searchParams.get("task")).toBeNull();
    await taskPage.close();

    const filtered = await browser.context.newPage();
    await filtered.goto(`${base}/?status=failure&name=hard`);
    await row(filtered, failed).waitFor();
    expect(await filtered.getByTestId("filter-status").inputValue()).toBe("failure");
    expect(await filtered.getByTestId("filter-name").inputValue()).toBe("hard");
    const statuses = await filtered.locator("tbody tr[data-task-id]").evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { status: string } }).dataset.status));
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(["failure"]));
    // Opening a row puts it in the URL, next to the filters.
    await row(filtered, failed).click();
    await filtered.getByTestId("detail-error").waitFor();
    const url = new URL(filtered.url());
    expect([url.searchParams.get("status"), url.searchParams.get("name"), url.searchParams.get("task")]).toEqual(["failure", "hard", failed]);
    await filtered.close();
  }, 60_000);

  test("bulk actions ask first, then retry every failed task and clean finished ones", async () => {
    const failed = await Promise.all([client.enqueue("hard"), client.enqueue("hard")]);
    await page.goto(base);
    for (const id of failed) await row(page, id).and(page.locator('[data-status="failure"]')).waitFor({ timeout: 20_000 });
    const runs = async (id: string) => (await api<TaskDetailJson>(`/api/tasks/${id}`)).history.filter((h) => h.state === "running").length;

    // Backing out does nothing.
    await page.getByTestId("bulk-retry-failed").click();
    await page.getByTestId("confirm-dialog").waitFor();
    await shot(page, "confirm");
    await page.getByTestId("confirm-cancel").click();
    await page.getByTestId("confirm-dialog").waitFor({ state: "detached" });
    await Bun.sleep(300); // deliberate: room for a wrongly sent retry to reach the control plane
    expect(await runs(failed[0])).toBe(1);

    await page.getByTestId("bulk-retry-failed").click();
    await page.getByTestId("confirm-go").click();
    await page.getByText(/failed tasks? queued again/).waitFor();
    for (const id of failed) await waitFor(async () => (await runs(id)) === 2, { timeoutMs: 20_000, message: `failed task ${id} to run a second time` });

    const sleeper = await client.enqueue("sleep", [120_000]);
    await row(page, sleeper).and(page.locator('[data-status="running"]')).waitFor({ timeout: 20_000 });
    for (const id of failed) await row(page, id).and(page.locator('[data-status="failure"]')).waitFor({ timeout: 20_000 });
    await page.getByTestId("bulk-clean").click();
    await page.getByTestId("confirm-go").click();
    await page.getByText(/finished tasks? cleaned/).waitFor();
    await row(page, failed[0]).waitFor({ state: "detached" });
    expect((await fetch(`${base}/api/tasks/${failed[0]}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    // What is still running stays (periodic runs may have joined it).
    await row(page, sleeper).waitFor();
    const shown = await page.locator("tbody tr[data-task-id]").evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { status: string } }).dataset.status));
    expect(shown.filter((s) => s === "failure")).toEqual([]);
    await client.cancel(sleeper);
  }, 60_000);

  test("the detail shows the handler's progress bar and log lines, live", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base);
    const id = await client.enqueue("slowReporter", [4000]);
    await row(page, id).and(page.locator('[data-status="running"]')).waitFor();
    await row(page, id).click();
    await page.getByTestId("detail-progress-value").filter({ hasText: "10%" }).waitFor();
    await page.getByTestId("detail-logs").filter({ hasText: "started" }).waitFor();
    expect(await page.getByTestId("detail-progress-bar").getAttribute("style")).toContain("width: 10%");
    await shot(page, "390-progress");
    await page.getByTestId("detail-progress-value").filter({ hasText: "100%" }).waitFor();
    await page.getByTestId("detail-logs").filter({ hasText: "done" }).waitFor();
    expect(await page.getByTestId("detail-logs").locator("li").count()).toBe(2);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.getByTestId("detail-close").click();
  }, 60_000);

  test("a control plane that is gone shows as down: no green dot, no ticking uptime", async () => {
    await page.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
    expect(await page.getByTestId("cp-state").getAttribute("data-state")).toBe("running");
    await controlPlane.stop("SIGKILL");
    await page.getByTestId("cp-down").waitFor({ timeout: 20_000 });
    expect(await page.getByTestId("cp-state").getAttribute("data-state")).toBe("down");
    expect(await page.locator('[data-testid="cp-state"] .bg-emerald-500, [data-testid="cp-state"] .animate-ping').count()).toBe(0);
    const uptime = await page.getByTestId("uptime").textContent();
    await Bun.sleep(2100); // deliberate: two ticks of the page's 1 s clock, which would move a counting uptime
    expect(await page.getByTestId("uptime").textContent()).toBe(uptime);
    expect(uptime).toBe("–");
    await shot(page, "down");
  }, 60_000);
});
