/**
 * Real headless Chromium for the dashboard e2e tests: a fresh profile per launch (removed on
 * close), no GPU, no network of its own (no QUIC, updates, sync or background fetches), so the
 * only traffic is the test's, to 127.0.0.1. Chromium is required: without it a test fails
 * (CI installs it with bin/setup --for-tests), it never skips.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.FASTWORKER_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(import.meta.dir, "..", "..", "test-artifacts");

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(viewport = { width: 1440, height: 1000 }): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install -y chromium, or bin/setup --for-tests) or set FASTWORKER_CHROMIUM; the dashboard e2e tests need a real browser`);
  }
  const profile = mkdtempSync(join(tmpdir(), "fastworker-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: FLAGS, viewport, colorScheme: "light", timeout: 30_000 });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the real login form, as a user would: the page must land on the dashboard. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(base);
  await page.waitForURL(/\/login$/);
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("cp-id").waitFor();
}
