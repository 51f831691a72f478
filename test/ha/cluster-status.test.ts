// Issue 19 item 5: each control plane's role, lease epoch and journal backend, as `fastworker status`
// (every address, standbys included), /api/status and /metrics show them, before and after a takeover.
import { describe, expect, test } from "bun:test";
import { cli } from "../helpers/cli.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { postgresForFile, startHaControlPlane, startLeaderThenStandby } from "../helpers/ha.ts";
import { startProcess, type Started } from "../helpers/processes.ts";

const LEASE_MS = 1_000;
const db = postgresForFile();

function startCp(url: string, address: string, guiPort: number): Started {
  return startHaControlPlane(url, address, { leaseMs: LEASE_MS, guiPort });
}

interface StatusJson {
  cpId: string; role?: string; epoch?: number; journal?: string;
  controlPlanes?: Array<{ address: string; role?: string; epoch?: number; leader?: string; journal?: string; error?: { code: string } }>;
}

function status(addresses: string[], json = true): { json: StatusJson | undefined; out: string; code: number | null } {
  const run = cli(["status", "--control-plane-address", addresses.join(","), "--connect-timeout", "2", ...(json ? ["--json"] : [])]);
  return { json: json ? (JSON.parse(run.out) as StatusJson) : undefined, out: run.out, code: run.code };
}

describe("role, epoch and journal backend of active/standby control planes", () => {
  test("status asks every address; REST and /metrics of the active say leader and its epoch; after kill -9 the standby reports the next epoch", async () => {
    const url = await db.pg.createDatabase("cluster_status");
    const [a, b, down] = [await freeAddress(), await freeAddress(), await freeAddress()];
    const [guiA, guiB] = [await freePort(), await freePort()];
    const [active, standby] = await startLeaderThenStandby((address) => startCp(url, address, address === a ? guiA : guiB), [a, b]);

    const before = status([b, a, down]);
    expect(before.code).toBe(0);
    expect(before.json).toMatchObject({ role: "leader", epoch: 1, journal: "postgres" });
    expect(before.json!.controlPlanes).toEqual([
      expect.objectContaining({ address: b, role: "standby", epoch: 1, leader: a, journal: "postgres" }),
      expect.objectContaining({ address: a, role: "leader", epoch: 1, journal: "postgres" }),
      expect.objectContaining({ address: down, error: expect.objectContaining({ code: "E_UNAVAILABLE" }) }),
    ]);
    const human = status([a, b], false).out;
    expect(human).toContain("role: leader, epoch 1; journal postgres");
    expect(human).toContain(`${b}  standby, leader at ${a}, epoch 1, journal postgres`);

    const api = (await (await fetch(`http://127.0.0.1:${guiA}/api/status`)).json()) as { role: string; epoch: number | null; journal_backend: string };
    expect(api).toMatchObject({ role: "leader", epoch: 1, journal_backend: "postgres" });
    const metrics = await (await fetch(`http://127.0.0.1:${guiA}/metrics`)).text();
    expect(metrics).toContain('fastworker_ha_role{role="leader"} 1');
    expect(metrics).toContain("fastworker_ha_epoch 1");
    expect(metrics).toContain('fastworker_journal_info{backend="postgres"} 1');

    await active.stop("SIGKILL");
    await standby.waitFor(/control plane .* ready/, 20_000);
    const after = status([a, b]);
    expect(after.json).toMatchObject({ role: "leader", epoch: 2, journal: "postgres" });
    expect(after.json!.controlPlanes).toEqual([
      expect.objectContaining({ address: a, error: expect.objectContaining({ code: "E_UNAVAILABLE" }) }),
      expect.objectContaining({ address: b, role: "leader", epoch: 2 }),
    ]);
    const apiB = (await (await fetch(`http://127.0.0.1:${guiB}/api/status`)).json()) as { role: string; epoch: number | null };
    expect(apiB).toMatchObject({ role: "leader", epoch: 2 });
    await standby.stop();
  });

  test("a control plane on its own says single, with its journal backend, and a single address lists no members", async () => {
    const address = await freeAddress();
    const single = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
      "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "1"]);
    await single.waitFor(/control plane .* ready/);
    const { json } = status([address]);
    expect(json).toMatchObject({ role: "single", journal: "memory" });
    expect(json!.epoch).toBeUndefined();
    expect(json!.controlPlanes).toBeUndefined();
    await single.stop();
  });
});
