// --journal-sync full: an acknowledged task is on disk, so kill -9 in the middle of a burst loses none.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../helpers/control-plane.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { killAll } from "../helpers/processes.ts";
import { startDurable } from "./journal-cp.ts";

afterAll(killAll);

describe("--journal-sync full", () => {
  test("kill -9 during a submission burst: every acknowledged id completes after a restart, with its own result", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fw-sync-full-"));
    const first = await startDurable(dataDir, { extra: ["--journal-sync", "full", "--result-cache-size", "100000"] });
    expect((await first.status()).journal?.sync).toBe("full");
    const client = await connect(first.address);
    const acked = new Map<string, number>();
    let next = 0;
    let stop = false;
    const lanes = Array.from({ length: 128 }, async () => {
      while (!stop) {
        const i = next++;
        try {
          acked.set(await client.enqueue("add", [i, 1]), i + 1);
        } catch {
          return; // the control plane died under this request: not acknowledged, so not promised
        }
      }
    });
    await waitFor(() => acked.size >= 1000, { message: "1000 acknowledged submissions" }); // then crash mid-burst
    await first.cp.stop("SIGKILL"); // mid-burst: requests are in flight and commits under way
    stop = true;
    await client.stop().catch(() => {});
    await Promise.all(lanes);
    expect(acked.size).toBeGreaterThan(500);

    const second = await startDurable(dataDir, { address: first.address, extra: ["--result-cache-size", "100000"] });
    const after = await connect(second.address);
    const ids = [...acked.keys()];
    const records = await Promise.all(ids.map((id) => after.result(id, { wait: true })));
    expect(records.filter((r) => r.status !== "success")).toEqual([]);
    expect(records.map((r) => r.result)).toEqual(ids.map((id) => acked.get(id)));
    await after.stop();
    expect(await second.cp.stop()).toBe(0);
  });
});
