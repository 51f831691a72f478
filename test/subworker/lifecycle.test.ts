import { afterAll, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { killAll } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";
import { FIXTURES, freeAddress, spawnSubworker, startCp, startSubworker } from "./cluster.ts";

afterAll(killAll);

test("SIGTERM on a busy subworker: it stops leasing, finishes and reports its running tasks, exits 0; nothing is lost", async () => {
  const address = await freeAddress();
  await startCp({ address, concurrency: 0 });
  const leaving = await startSubworker({ workerId: "sw-leaving", address, concurrency: 2 });
  const client = await new Client({ address }).start();
  try {
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => client.enqueue("sleep", [400], { id: `drain-${i}` })));
    const held = await waitFor(async () => {
      const records = await Promise.all(ids.map((id) => client.result(id)));
      const running = records.filter((r) => r.status === "running").map((r) => r.taskId);
      return running.length > 0 ? running : undefined;
    }, { message: "the subworker to run tasks" });
    const code = await leaving.stop("SIGTERM");
    if (code !== 0) console.error(`subworker exited ${code}:\n${leaving.output()}`);
    expect(code).toBe(0);
    expect(leaving.output()).toContain("subworker stopped");

    // What it held when told to stop finished there and was reported before it left.
    for (const record of await Promise.all(held.map((id) => client.result(id)))) {
      expect([record.taskId, record.status, record.workerId]).toEqual([record.taskId, "success", "sw-leaving"]);
    }
    expect((await client.status()).workers).toEqual([]);

    // The rest was never handed out (or was handed back): another subworker finishes it.
    await startSubworker({ workerId: "sw-next", address, concurrency: 2 });
    const records = await Promise.all(ids.map((id) => client.result(id, { wait: true })));
    expect(records.map((r) => r.status)).toEqual(ids.map(() => "success"));
    expect(records.every((r) => r.attempts === 1)).toBe(true);
  } finally {
    await client.stop();
  }
}, 30_000);

test("discovery: a client and a subworker given only the discovery address find the control plane", async () => {
  const address = await freeAddress();
  const discoveryAddress = await freeAddress();
  await startCp({ address, concurrency: 0, discoveryAddress });
  const sw = await startSubworker({ workerId: "sw-found", discoveryAddress, concurrency: 1 });
  const client = await new Client({ discoveryAddress }).start();
  try {
    expect(client.address).toBe(address);
    expect(await client.submit<number>("add", [20, 22])).toBe(42);
    const status = await client.status();
    expect(status.workers.map((w) => [w.id, w.completed])).toEqual([["sw-found", 1]]);
    expect(sw.output()).toContain(address);
  } finally {
    await client.stop();
  }
}, 30_000);

test("a subworker registered for some tasks never receives the others", async () => {
  const address = await freeAddress();
  await startCp({ address, concurrency: 1 });
  await startSubworker({ workerId: "sw-adder", address, concurrency: 1, taskModules: `${FIXTURES}/add-only.ts` });
  const client = await new Client({ address }).start();
  try {
    const status = await client.status();
    expect(status.workers.find((w) => w.id === "sw-adder")?.tasks).toEqual(["add"]);
    const echoes = Array.from({ length: 300 }, (_, i) => client.submit("echo", [i], { id: `echo-${i}` }));
    const adds = Array.from({ length: 300 }, (_, i) => client.submit<number>("add", [i, 1]));
    expect(await Promise.all(echoes)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(await Promise.all(adds)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    const echoRecords = await Promise.all(Array.from({ length: 300 }, (_, i) => client.result(`echo-${i}`)));
    expect(echoRecords.filter((r) => r.workerId === "sw-adder")).toEqual([]);
    // It was taking work all along (just never an echo).
    expect((await client.status()).workers.find((w) => w.id === "sw-adder")!.completed).toBeGreaterThan(0);
  } finally {
    await client.stop();
  }
}, 30_000);

test("a subworker offering a task the control plane does not know is refused: one clear line, non-zero exit", async () => {
  const address = await freeAddress();
  await startCp({ address, concurrency: 0 });
  const sw = spawnSubworker({ workerId: "sw-stranger", address, taskModules: `${FIXTURES}/unknown-task.ts` });
  const code = await sw.proc.exited;
  expect(code).not.toBe(0);
  const lines = sw.output().split("\n").filter((line) => line.includes("E_REFUSED"));
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain("mystery");
  expect(sw.output()).not.toContain("subworker ready");
}, 30_000);
