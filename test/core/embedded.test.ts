import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { createControlPlane } from "../../src/control-plane/index.ts";
import { TaskError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
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
