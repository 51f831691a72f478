/** Processes that exit when told, or by themselves when there is nothing left to do. */
import { afterAll, describe, expect, test } from "bun:test";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

/** Waits for the process to end by itself; fails (and kills it) after `ms`. */
async function exitsWithin(proc: ReturnType<typeof startProcess>, ms: number): Promise<number> {
  const timer = setTimeout(() => void proc.stop("SIGKILL"), ms); // the bound under test: it must exit by itself before this
  const code = await proc.proc.exited;
  clearTimeout(timer);
  expect(proc.proc.signalCode).toBeNull(); // ended by itself, not by the SIGKILL above
  return code;
}

describe("a Client whose start() fails", () => {
  test("with an address: fails in about connectTimeoutMs, and the process then exits by itself", async () => {
    const proc = startProcess(["test/fixtures/cli/failed-start.ts"], { env: { FASTWORKER_CONTROL_PLANE_ADDRESS: await freeAddress(), CONNECT_TIMEOUT_MS: "1000" } });
    expect(await exitsWithin(proc, 10_000)).toBe(0);
    const result = JSON.parse(proc.output().trim());
    expect(result.code).toBe("E_UNAVAILABLE");
    expect(result.ms).toBeLessThan(1600); // one budget, not discovery's plus the request's
  });

  test("through discovery (nothing announces): same budget, and no probe timer keeps the process alive", async () => {
    const proc = startProcess(["test/fixtures/cli/failed-start.ts"], { env: { FASTWORKER_DISCOVERY_ADDRESS: await freeAddress(), CONNECT_TIMEOUT_MS: "1000" } });
    expect(await exitsWithin(proc, 10_000)).toBe(0);
    expect(JSON.parse(proc.output().trim())).toMatchObject({ code: "E_UNAVAILABLE" });
    expect(JSON.parse(proc.output().trim()).ms).toBeLessThan(1600);
  });

  test("new Client() takes its address from FASTWORKER_CONTROL_PLANE_ADDRESS", async () => {
    const { address } = await startControlPlane(["--concurrency", "1"]);
    const proc = startProcess(["test/fixtures/cli/env-client.ts"], { env: { FASTWORKER_CONTROL_PLANE_ADDRESS: address, FASTWORKER_DISCOVERY_ADDRESS: await freeAddress() } });
    expect(await exitsWithin(proc, 20_000)).toBe(0);
    expect(JSON.parse(proc.output().trim())).toEqual({ address, sum: 5 });
  });
});

describe("a subworker obeys SIGINT and SIGTERM at every stage", () => {
  const subworker = async (cp: string, modules = "test/fixtures/core-tasks.ts") =>
    startProcess(["bin/fastworker.ts", "subworker", "--task-modules", modules, "--control-plane-address", cp, "--concurrency", "1"]);

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} while it retries to reach an absent control plane`, async () => {
      const sw = await subworker(await freeAddress());
      await sw.waitFor(/control plane not reachable; retrying/);
      sw.proc.kill(signal);
      expect(await exitsWithin(sw, 10_000)).toBe(0);
      expect(sw.output()).toContain(`${signal}: stopping before a control plane welcomed this subworker`);
    });
  }

  test("SIGTERM while loading its task modules, and once registered", async () => {
    const early = await subworker(await freeAddress(), "test/fixtures/cli/slow-module.ts");
    await early.waitFor(/slow module: loading/);
    early.proc.kill("SIGTERM");
    expect(await exitsWithin(early, 10_000)).toBe(0);
    expect(early.output()).toContain("SIGTERM: stopping before a control plane welcomed this subworker");
    const { address } = await startControlPlane(["--concurrency", "0"]);
    const sw = await subworker(address);
    await sw.waitFor(/subworker .* ready/);
    sw.proc.kill("SIGTERM");
    expect(await exitsWithin(sw, 15_000)).toBe(0);
    expect(sw.output()).toContain("SIGTERM: draining running tasks, then leaving");
  });
});
