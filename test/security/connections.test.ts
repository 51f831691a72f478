/**
 * Issue 14, per-connection limits, with real sockets against a control plane process: one
 * connection gets a fair share of the REP contexts (--max-requests-per-connection), the number of
 * connections is bounded (--max-connections), and idle connections are closed (--idle-timeout-ms),
 * while a normal Client is served throughout.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress, freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { descriptors, handshaken, type RawPeer } from "../helpers/raw-sp.ts";
import { timedSubmit } from "../helpers/timed.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

const HOURS_MS = 10_000_000;


/** The reply's type, or its error code; "dropped" once the socket closed. */
function outcome(request: Promise<Uint8Array>): Promise<string> {
  return request.then((bytes) => {
    const reply = decodeReply(bytes);
    return reply.type === "error" ? reply.error.code : reply.type;
  }, () => "dropped");
}

describe("a fair share of REP contexts per connection (--max-requests-per-connection)", () => {
  test("5 000 pipelined slow requests on one connection: 256 run, the rest are answered at once with E_TOO_MANY_REQUESTS, and another client's submit answers within 1 s", async () => {
    // The held-wait cap raised to every context, so only the request cap stands between the flood and the others.
    const { address } = await startControlPlane(["--concurrency", "1", "--max-held-per-connection", "4096"]);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    const slow = await client.delay("sleep", 60_000); // running for the whole test: every `result` wait on it is held
    const flood = 5_000;
    const socket = new ReqSocket({ maxLanes: flood + 10, requestTimeoutMs: HOURS_MS }).dial(address);
    const frame = encodeFrame({ v: PROTOCOL_VERSION, type: "result", ids: [slow], waitMs: HOURS_MS });
    const codes: string[] = [];
    const replies = Array.from({ length: flood }, () => outcome(socket.request(frame, { timeoutMs: HOURS_MS })).then((c) => void codes.push(c)));
    await waitFor(() => codes.length >= flood - 256, { timeoutMs: 30_000 });
    expect(new Set(codes)).toEqual(new Set(["E_TOO_MANY_REQUESTS"]));
    expect(codes.length).toBe(flood - 256);
    expect(await timedSubmit(client, 1000)).toBeLessThan(1000);
    await socket.close();
    await Promise.all(replies);
    expect(await timedSubmit(client, 1000)).toBeLessThan(1000);
    await client.stop();
  }, 60_000);
});

describe("connection count (--max-connections) and idle connections (--idle-timeout-ms)", () => {
  test("--max-connections 20: connections beyond are closed at once with one warning, existing clients and the dashboard keep answering", async () => {
    const address = await freeAddress();
    const guiPort = await freePort();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
      "--no-discovery", "--no-journal", "--concurrency", "1", "--gui-port", String(guiPort), "--max-connections", "20"]);
    await cp.waitFor(/control plane .* ready/);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    const peers: RawPeer[] = [];
    for (let i = 0; i < 40; i++) peers.push(await handshaken(address)); // NNG answers the handshake before it reports the pipe
    await waitFor(() => peers.filter((p) => p.closed()).length >= 21, { timeoutMs: 10_000 });
    await Bun.sleep(300); // the window under test: no close beyond the 21 may follow
    // The Client holds one of the 20. Which 21 go is not fixed: NNG may report a pipe after the peer saw its handshake answer.
    expect(peers.filter((p) => p.closed()).length).toBe(21);
    expect(await timedSubmit(client, 1000)).toBeLessThan(1000);
    const status = await fetch(`http://127.0.0.1:${guiPort}/api/status`);
    expect(status.status).toBe(200);
    const warnings = cp.output().split("\n").filter((l) => l.includes("--max-connections"));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain("refused");
    for (const p of peers) p.socket.destroy();
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  }, 60_000);

  test("--idle-timeout-ms 1000: 300 handshaken silent connections are closed and the descriptors fall back; a normal client is served throughout, and an idle Client's next submit works", async () => {
    const { cp, address } = await startControlPlane(["--concurrency", "1", "--idle-timeout-ms", "1000", "--log-level", "debug"]);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    expect(await timedSubmit(client, 1000)).toBeLessThan(1000);
    const baseline = descriptors(cp.pid);
    let peak = baseline;
    // Sampled as they open: on a loaded machine the first may be closed already when the last connects.
    const sample = () => (peak = Math.max(peak, descriptors(cp.pid)));
    const peers = await Promise.all(Array.from({ length: 300 }, (_, i) => handshaken(address).then((p) => (i % 10 === 9 && sample(), p))));
    sample();
    expect(peak).toBeGreaterThanOrEqual(baseline + 250);
    const served: number[] = [];
    const serving = (async () => {
      while (peers.some((p) => !p.closed())) served.push(await timedSubmit(client, 1000));
    })();
    await waitFor(() => peers.every((p) => p.closed()), { timeoutMs: 10_000 });
    await serving;
    expect(served.length).toBeGreaterThan(0);
    await waitFor(() => descriptors(cp.pid) <= baseline + 5, { timeoutMs: 5_000 });
    // The Client now sits idle past the timeout: its pipe is closed, its REQ socket redials, and its next submit just works.
    const closedBefore = cp.output().split("closed idle connections").length;
    await waitFor(() => cp.output().split("closed idle connections").length > closedBefore, { timeoutMs: 5_000, message: "the idle Client's connection to be closed" });
    expect(await timedSubmit(client, 2000)).toBeLessThan(2000);
    expect(await client.submit("add", [2, 3])).toBe(5);
    await client.stop();
  }, 60_000);

  test("an authenticated connection may stay idle 10 × as long; once closed, the Client re-authenticates on its new connection by itself", async () => {
    const token = "connections-test-token-0123456789abcdef";
    const address = await freeAddress();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
      "--no-discovery", "--no-journal", "--no-gui", "--concurrency", "1", "--idle-timeout-ms", "300", "--log-level", "debug"], { env: { FASTWORKER_TOKEN: token } });
    await cp.waitFor(/control plane .* ready/);
    const idleCloses = () => cp.output().split("closed idle connections").length - 1;
    const client = await new Client({ address, token, connectTimeoutMs: 5000 }).start();
    expect(await client.submit("add", [1, 2])).toBe(3);
    const silent = await handshaken(address); // never authenticates: 300 ms
    await waitFor(() => silent.closed(), { timeoutMs: 3000 });
    const afterSilent = idleCloses();
    // Used just now, so its idle time starts here (waiting for the silent one above may itself take seconds under load).
    expect(await client.submit("add", [0, 0])).toBe(0);
    await Bun.sleep(1500); // the window under test: well past 300 ms, well before 3 000 ms, the Client's connection stays
    expect(idleCloses()).toBe(afterSilent);
    await waitFor(() => idleCloses() > afterSilent, { timeoutMs: 6000 });
    expect(await client.submit("add", [2, 2])).toBe(4);
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  }, 60_000);

  test("with only 400 descriptors (prlimit), --max-connections is lowered with a warning, so 450 connections cannot starve the dashboard or the Client", async () => {
    const address = await freeAddress();
    const guiPort = await freePort();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address,
      "--no-discovery", "--no-journal", "--concurrency", "1", "--gui-port", String(guiPort)], { prefix: ["prlimit", "--nofile=400:400", "--"] });
    await cp.waitFor(/control plane .* ready/);
    expect(cp.output()).toMatch(/--max-connections is above what the descriptor limit allows.*"using":336/);
    const client = await new Client({ address, connectTimeoutMs: 5000 }).start();
    const peers: RawPeer[] = [];
    for (let i = 0; i < 450; i++) peers.push(await handshaken(address));
    await waitFor(() => peers.filter((p) => p.closed()).length >= 450 - 335, { timeoutMs: 10_000 });
    expect(await timedSubmit(client, 1000)).toBeLessThan(1000);
    expect((await fetch(`http://127.0.0.1:${guiPort}/api/status`)).status).toBe(200);
    for (const p of peers) p.socket.destroy();
    await client.stop();
    expect(await cp.stop("SIGTERM")).toBe(0);
  }, 60_000);
});
