import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { killAll } from "../helpers/processes.ts";
import { freeAddress, startCp, startSubworker } from "./cluster.ts";

afterAll(killAll);

test("20 000 tasks over the control plane and two subworkers: all correct, none lost or doubled, all three sources used", async () => {
  const address = await freeAddress();
  await startCp({ address, concurrency: 1 });
  await Promise.all([startSubworker({ workerId: "sw-a", address }), startSubworker({ workerId: "sw-b", address })]);
  const client = await new Client({ address }).start();
  try {
    const count = 20_000;
    const results = await Promise.all(Array.from({ length: count }, (_, i) => client.submit<number>("add", [i, 7])));
    const wrong = results.filter((value, i) => value !== i + 7);
    expect(wrong).toEqual([]);

    const status = await client.status();
    const completed = Object.fromEntries(status.workers.map((w) => [w.kind === "local" ? "local" : w.id, w.completed]));
    expect(Object.keys(completed).sort()).toEqual(["local", "sw-a", "sw-b"]);
    for (const [source, n] of Object.entries(completed)) expect({ source, ran: n > 0 }).toEqual({ source, ran: true });
    // Every task counted exactly once across the sources: nothing ran twice, nothing was lost.
    expect(Object.values(completed).reduce((a, b) => a + b, 0)).toBe(count);
    expect(status.running).toBe(0);
    console.error(`[throughput] completed per source: ${JSON.stringify(completed)}`);
  } finally {
    await client.stop();
  }
}, 60_000);
