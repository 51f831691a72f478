import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { Connection } from "../../src/client/connection.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { MessageSocket } from "../../src/nng/index.ts";
import { encodeFrame, PROTOCOL_VERSION, type Request } from "../../src/protocol/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

const TOKEN = "test-token-0123456789abcdef";
const WORKER_TOKEN = "worker-token-fedcba9876543210";
const TASKS = "test/fixtures/core-tasks.ts";

/** Every request an unauthenticated peer might try, with plausible content (a live worker id, a real task id). */
function attackFrames(workerId: string, taskId: string): Record<string, Request> {
  const v = PROTOCOL_VERSION;
  return {
    hello: { v, type: "hello", workerId, capacity: 4, tasks: ["add"], protocol: PROTOCOL_VERSION },
    lease: { v, type: "lease", workerId, credits: 4, waitMs: 0 },
    report: { v, type: "report", workerId, outcomes: [{ id: taskId, attempt: 1, ok: true, result: 666, startedAt: Date.now(), finishedAt: Date.now() }], running: [], credits: 0, waitMs: 0 },
    submit: { v, type: "submit", tasks: [{ id: "forged-task", name: "add", args: [1, 1] }] },
    status: { v, type: "status" },
    cancel: { v, type: "cancel", ids: [taskId] },
    bye: { v, type: "bye", workerId, outcomes: [] },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  return error instanceof FastWorkerError ? error.code : `no error (${String(error)})`;
}

/** nngcat is libnng's own command-line peer: an implementation that shares none of our code. */
function nngcat(address: string, frame: Request, extra: string[] = []): unknown {
  const run = Bun.spawnSync(["nngcat", "--req", "--dial", address, "--data", JSON.stringify(frame), "-A", "--recv-timeout", "5", ...extra], { stdout: "pipe", stderr: "pipe" });
  const text = run.stdout.toString().trim();
  if (!text) throw new Error(`nngcat got no reply: ${run.stderr.toString()}`);
  return JSON.parse(text);
}

function subworker(address: string, workerId: string, env: Record<string, string>) {
  return startProcess(["bin/fastworker.ts", "subworker", "--task-modules", TASKS, "--control-plane-address", address, "--worker-id", workerId, "--concurrency", "1"], { env });
}

describe("a control plane with --token", () => {
  test("serves nothing but the handshake to a peer without the token (our client and nngcat); never leases to it, never takes its result", async () => {
    const { address } = await startControlPlane(["--token", TOKEN, "--concurrency", "0"], TASKS);
    const legit = await new Client({ address, token: TOKEN }).start();
    const taskId = await legit.enqueue("add", [20, 22]);

    const anonymous = new Connection(address, 3000, 1 << 20);
    const frames = attackFrames("sw-legit", taskId);
    for (const [name, frame] of Object.entries(frames)) {
      expect(`${name}: ${await codeOf(anonymous.call(frame, "ack"))}`).toBe(`${name}: E_UNAUTHORIZED`);
      const reply = nngcat(address, frame);
      // Nothing but the refusal: no task, no worker list, no status.
      expect(reply).toEqual({ v: 1, type: "error", error: { code: "E_UNAUTHORIZED", message: expect.any(String) } });
    }
    await anonymous.close();

    // The task is still queued for a legitimate subworker, which runs it; the forged 666 never replaced anything.
    expect((await legit.result(taskId)).status).toBe("queued");
    const sw = subworker(address, "sw-legit", { FASTWORKER_TOKEN: TOKEN });
    await sw.waitFor(/subworker sw-legit ready/);
    expect((await legit.result(taskId, { wait: 10_000 })).result).toBe(42);
    for (const frame of [frames.report!]) expect((nngcat(address, frame) as { type: string }).type).toBe("error");
    expect((await legit.result(taskId)).result).toBe(42);
    await legit.stop();
    await sw.stop();
  });

  test("a client with the wrong token is refused, and a client with a token refuses a control plane that cannot prove it", async () => {
    const { address } = await startControlPlane(["--token", TOKEN], TASKS);
    const wrong = await codeOf(new Client({ address, token: "not-the-token", connectTimeoutMs: 3000 }).start());
    expect(wrong).toBe("E_UNAUTHORIZED");
    // A squatter (here: a control plane without any token) cannot answer the challenge, so the client never talks to it.
    const { address: squatter } = await startControlPlane([], TASKS);
    const error = await new Client({ address: squatter, token: TOKEN, connectTimeoutMs: 3000 }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FastWorkerError);
    expect((error as FastWorkerError).code).toBe("E_UNAUTHORIZED");
    expect((error as Error).message).toContain("cannot prove it holds the token");
  });

  test("a second peer presenting a live subworker's id is refused (E_REFUSED) and cannot lease, report or bye for it", async () => {
    const { address } = await startControlPlane(["--token", TOKEN, "--concurrency", "0"], TASKS);
    const sw = subworker(address, "sw-victim", { FASTWORKER_TOKEN: TOKEN });
    await sw.waitFor(/subworker sw-victim ready/);
    const client = await new Client({ address, token: TOKEN }).start();
    // The impostor holds the token (an insider, or a stolen one): the binding to the connection still stops it.
    const impostor = new Connection(address, 3000, 1 << 20, { token: TOKEN, role: "worker" });
    const frames = attackFrames("sw-victim", "some-task");
    expect(await codeOf(impostor.call(frames.hello!, "welcome"))).toBe("E_REFUSED");
    expect(await codeOf(impostor.call(frames.lease!, "leased"))).toBe("E_REFUSED");
    expect(await codeOf(impostor.call(frames.report!, "leased"))).toBe("E_REFUSED");
    expect(await codeOf(impostor.call(frames.bye!, "ack"))).toBe("E_REFUSED");
    const status = await client.status();
    expect(status.workers.find((w) => w.id === "sw-victim")?.state).toBe("active");
    // The victim keeps its identity and its work.
    expect(await client.submit("add", [1, 2])).toBe(3);
    await impostor.close();
    await client.stop();
    await sw.stop();
  });

  test("with --worker-token, the plain token submits and reads but cannot register, lease or report", async () => {
    const { address } = await startControlPlane(["--token", TOKEN, "--worker-token", WORKER_TOKEN, "--concurrency", "0"], TASKS);
    const plain = new Connection(address, 3000, 1 << 20, { token: TOKEN, role: "client" });
    const frames = attackFrames("sw-plain", "t");
    for (const name of ["hello", "lease", "report", "bye"]) expect(`${name}: ${await codeOf(plain.call(frames[name]!, "ack"))}`).toBe(`${name}: E_UNAUTHORIZED`);
    await plain.close();
    // A subworker with only the plain token cannot join ...
    const refused = subworker(address, "sw-plain", { FASTWORKER_TOKEN: TOKEN });
    expect(await refused.proc.exited).not.toBe(0);
    expect(refused.output()).toContain("E_UNAUTHORIZED");
    expect(refused.output()).not.toContain("subworker sw-plain ready");
    // ... one with the worker token does, and runs what a plain-token client submits.
    const sw = subworker(address, "sw-worker", { FASTWORKER_TOKEN: TOKEN, FASTWORKER_WORKER_TOKEN: WORKER_TOKEN });
    await sw.waitFor(/subworker sw-worker ready/);
    const client = await new Client({ address, token: TOKEN }).start();
    expect(await client.submit("add", [5, 6])).toBe(11);
    await client.stop();
    await sw.stop();
  });

  test("callbacks may dial loopback only unless --callback-allow lists the target", async () => {
    const { address } = await startControlPlane(["--token", TOKEN, "--callback-allow", "10.9.0.0/16"], TASKS);
    const client = await new Client({ address, token: TOKEN }).start();
    const refused = await codeOf(client.enqueue("add", [1, 2], { callback: { address: "tcp://192.0.2.7:9000" } }));
    expect(refused).toBe("E_CALLBACK_NOT_ALLOWED");
    // Allowed targets are accepted (nobody listens there: the callback is simply not delivered).
    expect(typeof (await client.enqueue("add", [1, 2], { callback: { address: "tcp://10.9.3.4:9000" } }))).toBe("string");
    expect(typeof (await client.enqueue("add", [1, 2], { callback: { address: "tcp://127.0.0.1:9" } }))).toBe("string");
    await client.stop();
  });
});

describe("start-up refusals", () => {
  test("a non-loopback --base-address without a token exits 2 with one line saying how to set one; --insecure starts with a warning", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const args = ["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", `tcp://0.0.0.0:${port}`, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "0"];
    const refused = startProcess(args, { env: { FASTWORKER_TOKEN: "" } });
    expect(await refused.proc.exited).toBe(2);
    const lines = refused.output().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("FASTWORKER_TOKEN");
    const insecure = startProcess([...args, "--insecure"], { env: { FASTWORKER_TOKEN: "" } });
    await insecure.waitFor(/control plane .* ready/);
    expect(insecure.output()).toContain("warning: --insecure");
    await insecure.stop();
  });
});

describe("a subworker reconnecting", () => {
  test("re-authenticates on its new connection when the control plane comes back, and keeps working", async () => {
    const { address, cp } = await startControlPlane(["--token", TOKEN, "--concurrency", "0"], TASKS);
    const sw = subworker(address, "sw-blip", { FASTWORKER_TOKEN: TOKEN });
    await sw.waitFor(/subworker sw-blip ready/);
    await cp.stop();
    const again = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "0", "--token", TOKEN]);
    await again.waitFor(/control plane .* ready/);
    const client = await new Client({ address, token: TOKEN }).start();
    await waitFor(async () => (await client.status()).workers.some((w) => w.id === "sw-blip"), { message: "the subworker to register again" });
    expect(await client.submit("add", [2, 2])).toBe(4);
    expect(again.output()).not.toContain("failed authentication");
    await client.stop();
    await sw.stop();
    await again.stop();
  });
});

describe("a squatted discovery address", () => {
  test("the control plane says so loudly and does not advertise it; a client with the token refuses the squatter's control plane", async () => {
    const discoveryAddress = await freeAddress();
    // The squatter: holds the discovery port and points everyone at its own control plane, which has no token.
    const { address: fakeAddress } = await startControlPlane([], TASKS);
    const squatter = MessageSocket.bus().listen(discoveryAddress);
    const fake = encodeFrame({ v: 1, type: "announce", cpId: "cp-fake", address: fakeAddress, version: "0.1.0", protocol: PROTOCOL_VERSION, at: Date.now() });
    squatter.onMessage(() => void squatter.send(fake).catch(() => undefined));

    const real = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", await freeAddress(), "--discovery-address", discoveryAddress,
      "--no-gui", "--no-journal", "--concurrency", "1", "--token", TOKEN]);
    const banner = await real.waitFor(/discovery: .*/);
    expect(banner).toContain("OFF");
    expect(banner).not.toContain(discoveryAddress);
    expect(real.output()).toMatch(/"level":"error".*discovery is OFF/);

    const error = await new Client({ discoveryAddress, token: TOKEN, connectTimeoutMs: 3000 }).start().catch((e: unknown) => e);
    expect((error as FastWorkerError).code).toBe("E_UNAUTHORIZED");
    await squatter.close();
    await real.stop();
  });
});
