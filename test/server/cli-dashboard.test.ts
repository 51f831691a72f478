// The dashboard as users start it: `fastworker control-plane` in its own process, flags and environment.
import { afterAll, describe, expect, test } from "bun:test";
import type { StatusJson } from "../../src/server/api-types.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

async function controlPlane(extra: string[], env: Record<string, string> = {}) {
  const args = ["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", await freeAddress(), "--no-discovery", "--no-journal", "--concurrency", "1", ...extra];
  return startProcess(args, { env });
}

describe("fastworker control-plane with the dashboard", () => {
  test("serves /api/status and the page on --gui-port, prints the URL, and stops cleanly with a stream open", async () => {
    const port = await freePort();
    const cp = await controlPlane(["--gui-port", String(port)]);
    const line = await cp.waitFor(/dashboard: +\S+/);
    expect(line).toContain(`http://127.0.0.1:${port}/`);
    const status = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as StatusJson;
    expect(status.running).toBe(true);
    expect(status.discovery_address).toBeNull();
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<div id="app">');
    const stream = await fetch(`http://127.0.0.1:${port}/api/events`);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    expect(await cp.stop("SIGTERM")).toBe(0);
  });

  test("a port in use is a clear error and a non-zero exit", async () => {
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("someone else") });
    try {
      const cp = await controlPlane(["--gui-port", String(taken.port)]);
      const code = await cp.proc.exited;
      expect(code).toBe(2);
      expect(cp.output()).toContain("E_ADDRINUSE");
      expect(cp.output()).toContain(`dashboard port ${taken.port}`);
      expect(cp.output()).toContain("--gui-port");
      expect(cp.output()).not.toMatch(/control plane \S+ ready/);
    } finally {
      await taken.stop(true);
    }
  });

  test("FASTWORKER_GUI_PORT applies without the flag; the flag wins over it", async () => {
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const fromEnv = await controlPlane([], { FASTWORKER_GUI_PORT: String(envPort) });
    expect(await fromEnv.waitFor(/dashboard: +\S+/)).toContain(`:${envPort}/`);
    await fromEnv.stop();
    const fromFlag = await controlPlane(["--gui-port", String(flagPort)], { FASTWORKER_GUI_PORT: String(envPort) });
    expect(await fromFlag.waitFor(/dashboard: +\S+/)).toContain(`:${flagPort}/`);
    await fromFlag.stop();
  });

  test("--no-gui and FASTWORKER_GUI_ENABLED=false turn it off", async () => {
    const noGui = await controlPlane(["--no-gui"]);
    expect(await noGui.waitFor(/dashboard: +\S+/)).toContain("off");
    await noGui.stop();
    const disabled = await controlPlane([], { FASTWORKER_GUI_ENABLED: "false" });
    expect(await disabled.waitFor(/dashboard: +\S+/)).toContain("off");
    await disabled.stop();
  });

  test("beyond loopback without FASTWORKER_GUI_TOKEN it refuses to start, before the control plane listens", async () => {
    const cp = await controlPlane(["--gui-host", "0.0.0.0", "--gui-port", String(await freePort())], { FASTWORKER_GUI_TOKEN: "" });
    expect(await cp.proc.exited).toBe(2);
    expect(cp.output()).toContain("FASTWORKER_GUI_TOKEN");
    expect(cp.output()).not.toContain("control plane started");
  });

  test("with FASTWORKER_GUI_TOKEN the API wants it", async () => {
    const port = await freePort();
    const cp = await controlPlane(["--gui-port", String(port)], { FASTWORKER_GUI_TOKEN: "cli-test-token-0123456789" });
    expect(await cp.waitFor(/dashboard: .*/)).toContain("token required");
    expect((await fetch(`http://127.0.0.1:${port}/api/status`)).status).toBe(401);
    const ok = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: "Bearer cli-test-token-0123456789" } });
    expect(ok.status).toBe(200);
    await cp.stop();
  });
});
