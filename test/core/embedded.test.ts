import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { createControlPlane } from "../../src/control-plane/index.ts";
import { TaskError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { MemoryTaskStore } from "../../src/store/index.ts";
import { add } from "../fixtures/core-tasks.ts";
import { freeAddress } from "../helpers/ports.ts";

const address = await freeAddress();
const cp = await createControlPlane({ taskModules: ["test/fixtures/core-tasks.ts"], address, discoveryAddress: null, concurrency: 1, log: silentLogger });
afterAll(() => cp.stop());

test("the embedded client runs tasks without a network hop, with types from the definition", async () => {
  const local = cp.client();
  const sum: number = await local.submit(add, [2, 3]);
  expect(sum).toBe(5);
  const id = await local.delay("add", 1, 1);
  expect((await local.result(id, { wait: true })).result).toBe(2);
  const error = await local.submit("hard", []).catch((e: unknown) => e);
  expect((error as TaskError).code).toBe("E_TASK_FAILED");
  expect((await local.status()).cpId).toBe(cp.id);
});

test("an embedded control plane still serves remote clients on its NNG address", async () => {
  const remote = await new Client({ address }).start();
  expect(await remote.submit(add, [20, 22])).toBe(42);
  await remote.stop();
});

test("submissions made in one tick are admitted together (one store write), each keeping its own outcome", async () => {
  const batches: number[] = [];
  class CountingStore extends MemoryTaskStore {
    override accept(tasks: Parameters<MemoryTaskStore["accept"]>[0]): void {
      batches.push(tasks.length);
      return super.accept(tasks);
    }
  }
  const counted = await createControlPlane({ taskModules: ["test/fixtures/core-tasks.ts"], address: await freeAddress(), discoveryAddress: null, concurrency: 1, log: silentLogger, store: new CountingStore() });
  try {
    const local = counted.client();
    const outcomes = await Promise.all([
      ...Array.from({ length: 50 }, (_, i) => local.delay("add", i, i)),
      local.delay("no-such-task").catch((error: unknown) => error),
    ]);
    expect(batches).toEqual([50]);
    expect((outcomes.at(-1) as TaskError).code).toBe("E_UNKNOWN_TASK");
    const records = await Promise.all(outcomes.slice(0, 50).map((id) => local.result(id as string, { wait: true })));
    expect(records.map((r) => r.result)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i));
  } finally {
    await counted.stop();
  }
});
