// startDashboard: binding a real port, refusing to listen beyond loopback without a token, and a taken port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createCommands, createControlPlane, createView, type ControlPlane } from "../../src/control-plane/index.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { startDashboard } from "../../src/server/index.ts";
import type { StatusJson } from "../../src/server/api-types.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { ROOT } from "./fixture.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await createControlPlane({ taskModules: ["test/fixtures/core-tasks.ts"], cwd: ROOT, address: await freeAddress(), discoveryAddress: null, concurrency: 1, log: silentLogger });
});
afterAll(async () => {
  await cp.stop();
});

const deps = () => ({ view: createView(cp), commands: createCommands(cp), log: silentLogger });

describe("startDashboard", () => {
  test("serves the API and the page on its URL; stop() frees the port and is idempotent", async () => {
    const port = await freePort();
    const dashboard = startDashboard({ ...deps(), port });
    expect(dashboard.url).toBe(`http://127.0.0.1:${port}/`);
    const status = (await (await fetch(`${dashboard.url}api/status`)).json()) as StatusJson;
    expect(status.worker_id).toBe(cp.id);
    expect((await fetch(dashboard.url)).headers.get("content-type")).toContain("text/html");
    // An open event stream must not keep stop() waiting.
    const stream = await fetch(`${dashboard.url}api/events`);
    expect(stream.status).toBe(200);
    await dashboard.stop();
    await dashboard.stop();
    const again = startDashboard({ ...deps(), port });
    await again.stop();
  });

  test("a port in use is E_ADDRINUSE naming the port and --gui-port", async () => {
    const first = startDashboard({ ...deps(), port: 0 });
    try {
      const error = (() => {
        try {
          startDashboard({ ...deps(), port: first.port });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(FastWorkerError);
      expect((error as FastWorkerError).code).toBe("E_ADDRINUSE");
      expect((error as Error).message).toContain(String(first.port));
      expect((error as Error).message).toContain("--gui-port");
    } finally {
      await first.stop();
    }
  });

  test("beyond loopback without a token it refuses to start and says to set FASTWORKER_GUI_TOKEN", () => {
    for (const host of ["0.0.0.0", "192.168.1.10", "::"]) {
      expect(() => startDashboard({ ...deps(), host, port: 0 })).toThrow(/FASTWORKER_GUI_TOKEN/);
    }
  });

  test("beyond loopback with a token it starts, and wants the token", async () => {
    const dashboard = startDashboard({ ...deps(), host: "0.0.0.0", port: 0, token: "a-long-enough-secret-token" });
    try {
      expect((await fetch(`http://127.0.0.1:${dashboard.port}/api/status`)).status).toBe(401);
      const ok = await fetch(`http://127.0.0.1:${dashboard.port}/api/status`, { headers: { authorization: "Bearer a-long-enough-secret-token" } });
      expect(ok.status).toBe(200);
    } finally {
      await dashboard.stop();
    }
  });
});
