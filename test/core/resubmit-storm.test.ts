import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

test("Client: 3000 enqueue() then result(wait) against --max-queued 50 --result-cache-size 1000: no result leaves the cache before it is asked for", async () => {
  const { address } = await startControlPlane(["--max-queued", "50", "--result-cache-size", "1000"]);
  const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
  // Each task is asked for as soon as it is accepted, while the Client resubmits the refused ones.
  // With one frame per resubmitted task, that storm delayed the asks past 1000 later completions
  // (about 1 900 of 3 000 ended E_TASK_NOT_FOUND); resubmits now share frames.
  const outcomes = await Promise.allSettled(Array.from({ length: 3000 }, async (_, i) => (await client.result(await client.enqueue("add", [i, 1]), { wait: true })).result));
  const lost = outcomes.filter((o) => o.status === "rejected").map((o) => String((o as PromiseRejectedResult).reason));
  expect({ lost: lost.length, first: lost.slice(0, 2) }).toEqual({ lost: 0, first: [] });
  expect(outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  await client.stop();
}, 60_000);

test("default flags: 15 000 delay() calls whose tasks all end before a single result is asked for: every result is still there", async () => {
  const { address } = await startControlPlane([]);
  const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
  const ids = await Promise.all(Array.from({ length: 15_000 }, (_, i) => client.delay("add", i, 1)));
  await waitFor(async () => {
    const status = await client.status();
    return status.running === 0 && Object.values(status.queues).every((n) => n === 0);
  }, { timeoutMs: 30_000, message: "every task to end" });
  // The Python original's 10 000-result cache had already evicted the first 5 000 here (E_TASK_NOT_FOUND).
  const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
  expect(records.map((r) => r.result)).toEqual(Array.from({ length: 15_000 }, (_, i) => i + 1));
  await client.stop();
}, 60_000);
