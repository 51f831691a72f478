/** What users of the Python original bring: their env files, flags and log level spellings. */
import { afterAll, describe, expect, test } from "bun:test";
import { startControlPlane } from "../helpers/control-plane.ts";
import { cli } from "../helpers/cli.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

const CP = ["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--no-discovery", "--no-journal"];

describe("environment variables of the original", () => {
  test("FASTWORKER_WORKER_CONCURRENCY is read as FASTWORKER_CONCURRENCY, with a one-line notice", async () => {
    const cp = startProcess([...CP, "--no-gui", "--base-address", await freeAddress()], { env: { FASTWORKER_WORKER_CONCURRENCY: "1", FASTWORKER_CONCURRENCY: "" } });
    await cp.waitFor(/pool: +1 Bun Workers/);
    expect(cp.output()).toContain("fastworker: FASTWORKER_WORKER_CONCURRENCY is deprecated; use FASTWORKER_CONCURRENCY");
    expect(await cp.stop()).toBe(0);
    // A bad value is reported under the name it was read as.
    const bad = cli(["control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--no-gui"], { FASTWORKER_WORKER_CONCURRENCY: "lots", FASTWORKER_CONCURRENCY: "" });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("FASTWORKER_CONCURRENCY: expected an integer");
  });

  test("FASTWORKER_GUI_API_KEY is the dashboard token (so a non-loopback host is allowed)", async () => {
    const guiPort = await freePort();
    const cp = startProcess([...CP, "--base-address", await freeAddress(), "--gui-host", "0.0.0.0", "--gui-port", String(guiPort)], {
      env: { FASTWORKER_GUI_API_KEY: "a-long-secret-token-from-the-original", FASTWORKER_GUI_TOKEN: "" },
    });
    await cp.waitFor(/dashboard: .*\(token required\)/);
    expect(cp.output()).toContain("FASTWORKER_GUI_API_KEY is deprecated; use FASTWORKER_GUI_TOKEN");
    const denied = await fetch(`http://127.0.0.1:${guiPort}/api/status`);
    expect(denied.status).toBe(401);
    const allowed = await fetch(`http://127.0.0.1:${guiPort}/api/status`, { headers: { authorization: "Bearer a-long-secret-token-from-the-original" } });
    expect(allowed.status).toBe(200);
    expect(await cp.stop()).toBe(0);
  });
});

describe("flags of the original", () => {
  test("the original's worker command, submit --task-modules and variables with no counterpart are explained, not dropped silently", () => {
    expect(cli(["worker"])).toMatchObject({ code: 2, err: expect.stringContaining('run "fastworker subworker"') });
    const noted = cli(["version"], { FASTWORKER_SERIALIZATION_FORMAT: "PICKLE", FASTWORKER_RETRIES: "3" });
    expect(noted.code).toBe(0);
    expect(noted.err.split("\n")).toEqual([
      "fastworker: FASTWORKER_SERIALIZATION_FORMAT (from the Python original) is ignored: frames are always JSON (the original's PICKLE let any peer run code)",
      "fastworker: FASTWORKER_RETRIES (from the Python original) is ignored: submissions are never re-sent (that ran tasks twice); task retries are the task's retries option",
    ]);
    const submit = cli(["submit", "--task-name", "add", "--task-modules", "test/fixtures/core-tasks.ts", "--control-plane-address", "tcp://127.0.0.1:1", "--connect-timeout", "1"]);
    expect(submit.err).toContain("submit --task-modules is ignored");
    expect(submit.code).toBe(3);
  });

  test("--subworker-port and subworker --base-address are accepted and said to be ignored; FORCE_COLOR colours the ready line", async () => {
    const cp = startProcess([...CP, "--no-gui", "--base-address", await freeAddress(), "--subworker-port", "5560"], { env: { FORCE_COLOR: "1" } });
    await cp.waitFor(/control plane .* ready/);
    expect(cp.output()).toContain("--subworker-port is ignored: subworkers register on the control plane's --base-address");
    expect(cp.output()).toContain("\x1b[32mFastWorker");
    expect(await cp.stop()).toBe(0);
    const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", "test/fixtures/core-tasks.ts", "--control-plane-address", await freeAddress(), "--base-address", "tcp://127.0.0.1:5561", "--concurrency", "1"]);
    await sw.waitFor(/subworker --base-address is ignored/);
    expect(await sw.stop("SIGTERM")).toBe(0);
  });

  test("--log-level in the original's spellings, before the command too, and on submit/status/cancel/list", async () => {
    const { address } = await startControlPlane(["--concurrency", "1", "--log-level", "WARNING"]);
    const debug = cli(["--log-level", "DEBUG", "list", "--control-plane-address", address]);
    expect(debug.code).toBe(0);
    expect(debug.err).toMatch(/connect/);
    const quiet = cli(["submit", "--task-name", "add", "--args", "1", "2", "--log-level", "WARNING", "--control-plane-address", address]);
    expect(quiet).toMatchObject({ code: 0, out: "3", err: "" });
    expect(cli(["status", "--log-level", "error", "--control-plane-address", address]).code).toBe(0);
    expect(cli(["cancel", "--task-id", "nope", "--log-level", "INFO", "--control-plane-address", address]).code).not.toBe(2);
    const loud = cli(["--log-level", "LOUD", "list"]);
    expect(loud).toMatchObject({ code: 2, err: 'fastworker: --log-level: expected debug, info, warn or error, got "LOUD"' });
    expect(cli(["--lgo-level", "debug", "list"]).err).toContain("did you mean --log-level?");
  });
});

describe("dashboard CORS allow-list (--gui-cors-origin / FASTWORKER_GUI_CORS_ORIGIN)", () => {
  test("allowed origins get CORS headers, a preflight answer and may write; others get none and are refused", async () => {
    const guiPort = await freePort();
    const cp = startProcess([...CP, "--base-address", await freeAddress(), "--gui-port", String(guiPort), "--gui-cors-origin", "https://ops.example.com,http://localhost:3000"]);
    await cp.waitFor(/dashboard: .*CORS: https:\/\/ops\.example\.com, http:\/\/localhost:3000/);
    const base = `http://127.0.0.1:${guiPort}`;
    const ok = await fetch(`${base}/api/status`, { headers: { origin: "https://ops.example.com" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://ops.example.com");
    expect(ok.headers.get("vary")).toContain("Origin");
    const other = await fetch(`${base}/api/status`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${base}/api/tasks/x/cancel`, { method: "OPTIONS", headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
    // A write from an allowed origin reaches the route (404: no such task); from another origin it is refused (403).
    const write = await fetch(`${base}/api/tasks/no-such-task/cancel`, { method: "POST", headers: { origin: "https://ops.example.com" } });
    expect(write.status).toBe(404);
    const refused = await fetch(`${base}/api/tasks/no-such-task/cancel`, { method: "POST", headers: { origin: "https://evil.example" } });
    expect(refused.status).toBe(403);
    expect(await cp.stop()).toBe(0);
  });

  test('"*" and origins with a path are refused at start, naming where they came from', () => {
    const star = cli(["control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--no-journal"], { FASTWORKER_GUI_CORS_ORIGIN: "*" });
    expect(star.code).toBe(2);
    expect(star.err).toContain('FASTWORKER_GUI_CORS_ORIGIN: CORS origin "*" is not allowed');
    const path = cli(["control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--no-journal", "--gui-cors-origin", "https://ops.example.com/app"]);
    expect(path.code).toBe(2);
    expect(path.err).toContain("must be just scheme://host[:port]");
  });
});

describe("doctor", () => {
  test("checks the ports given by flags and that the NNG shim compiles", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const report = cli(["doctor", "--base-address", address, "--gui-port", String(await freePort()), "--json"]);
    expect(report.code).toBe(2); // the control plane port is taken
    const checks = JSON.parse(report.out).checks as Array<{ check: string; ok: boolean; detail: string }>;
    expect(checks.find((c) => c.check === "control plane port")).toMatchObject({ ok: false, detail: `${address.slice("tcp://".length)} is in use` });
    expect(checks.find((c) => c.check === "nng shim")).toMatchObject({ ok: true });
  });
});
