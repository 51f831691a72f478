// A hostile peer against a real control plane process: oversized fields are refused with typed
// errors, fast, and a normal client is served right after (docs/protocol.md, "Limits").
import { afterAll, beforeAll, expect, test } from "bun:test";
import { TaskError } from "../../src/errors.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, MAX_HELLO_TASKS, MAX_IDS_PER_CANCEL, MAX_JSON_DEPTH, type Reply } from "../../src/protocol/index.ts";
import type { Client } from "../../src/client/index.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";

const enc = new TextEncoder();
let address: string;
let attacker: ReqSocket;
let client: Client;

beforeAll(async () => {
  ({ address } = await startControlPlane());
  attacker = new ReqSocket({ requestTimeoutMs: 20_000 }).dial(address);
  client = await connect(address);
});

afterAll(async () => {
  await client.stop();
  await attacker.close();
  await killAll();
});

/** Sends raw text (deep frames cannot go through JSON.stringify) and times the reply. */
async function send(text: string): Promise<{ reply: Reply; ms: number }> {
  const started = performance.now();
  const reply = decodeReply(await attacker.request(enc.encode(text)));
  return { reply, ms: performance.now() - started };
}

function expectError(reply: Reply, code: string, ...words: string[]) {
  expect(reply.type).toBe("error");
  if (reply.type !== "error") return;
  expect(reply.error.code).toBe(code);
  for (const word of words) expect(reply.error.message).toContain(word);
}

test("a 1 000 000-id cancel is refused with E_INVALID_FRAME naming ids and the bound, in well under a second", async () => {
  const ids = Array.from({ length: 1_000_000 }, (_, i) => `t${i}`);
  const { reply, ms } = await send(JSON.stringify({ v: 1, type: "cancel", ids }));
  expectError(reply, "E_INVALID_FRAME", "ids", `at most ${MAX_IDS_PER_CANCEL} items`);
  console.log(`1M-id cancel refused in ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(3000);
  expect(await client.submit("add", [1, 2])).toBe(3);
});

test("a 50 000-task hello is refused with E_INVALID_FRAME, and no worker is registered", async () => {
  const tasks = Array.from({ length: 50_000 }, (_, i) => `task-${i}`);
  const { reply, ms } = await send(JSON.stringify({ v: 1, type: "hello", workerId: "fake", capacity: 1, tasks, protocol: 1 }));
  expectError(reply, "E_INVALID_FRAME", "tasks", `at most ${MAX_HELLO_TASKS} items`);
  console.log(`50k-task hello refused in ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(3000);
  expect((await client.status()).workers.map((w) => w.id)).not.toContain("fake");
  expect(await client.submit("add", [2, 3])).toBe(5);
});

test("args nesting 100 000 deep are refused with E_INVALID_ARGS; the control plane survives and serves the next submit", async () => {
  const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
  const { reply, ms } = await send(`{"v":1,"type":"submit","tasks":[{"id":"deep-1","name":"add","args":[${deep}]}]}`);
  expectError(reply, "E_INVALID_ARGS", "tasks.0.args", `${MAX_JSON_DEPTH} levels`);
  console.log(`100k-deep args refused in ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(3000);
  expect(await client.submit("add", [20, 22])).toBe(42);
  // The refused task was never accepted.
  expect(await client.result("deep-1").catch((error: unknown) => error)).toBeInstanceOf(Error);
});

test("the Client's own submit of too-deep arguments rejects with a typed E_INVALID_ARGS", async () => {
  let value: unknown = 0;
  for (let i = 0; i < MAX_JSON_DEPTH; i++) value = [value];
  const error = await client.submit("add", [value, 1]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TaskError);
  expect((error as TaskError).code).toBe("E_INVALID_ARGS");
});
