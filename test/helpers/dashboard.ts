/**
 * The dashboard e2e rig both e2e files start in beforeAll: a real control-plane process (no
 * journal, no discovery) with its dashboard on a free port behind FASTWORKER_GUI_TOKEN, a Client on
 * it, and a fresh headless Chromium page that logs its page errors. close() ends all three (the
 * control plane by its PID); a file still calls killAll() after it, for a start that failed half-way.
 */
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import type { Client } from "../../src/client/index.ts";
import { ARTIFACTS, launchBrowser, type TestBrowser } from "./browser.ts";
import { connect } from "./control-plane.ts";
import { freeAddress, freePort } from "./ports.ts";
import { startProcess, type Started } from "./processes.ts";

export interface DashboardRig {
  controlPlane: Started;
  client: Client;
  browser: TestBrowser;
  page: Page;
  /** http://127.0.0.1:<gui port> */
  base: string;
  close(): Promise<void>;
}

export interface DashboardOptions {
  token: string;
  /** --task-modules (comma-separated). */
  modules: string;
  workerId: string;
  /** Playwright's default step timeout, when a file wants a stuck step to fail with its own message. */
  defaultTimeoutMs?: number;
}

export async function startDashboard(options: DashboardOptions): Promise<DashboardRig> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [address, port] = [await freeAddress(), await freePort()];
  const controlPlane = startProcess([
    "bin/fastworker.ts", "control-plane", "--task-modules", options.modules, "--base-address", address,
    "--no-discovery", "--no-journal", "--concurrency", "2", "--gui-port", String(port), "--worker-id", options.workerId,
  ], { env: { FASTWORKER_GUI_TOKEN: options.token } });
  await controlPlane.waitFor(/dashboard: +http/);
  const client = await connect(address);
  const browser = await launchBrowser();
  if (options.defaultTimeoutMs !== undefined) browser.context.setDefaultTimeout(options.defaultTimeoutMs);
  const page = await browser.context.newPage();
  page.on("pageerror", (error) => console.error("page error:", error.message));
  return {
    controlPlane, client, browser, page, base: `http://127.0.0.1:${port}`,
    async close() {
      await browser.close();
      await client.stop();
      await controlPlane.stop("SIGKILL");
    },
  };
}
