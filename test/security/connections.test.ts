/**
 * Issue 14, per-connection limits, with real sockets against a control plane process: one
 * connection gets a fair share of the REP contexts (--max-requests-per-connection), the number of
 * connections is bounded (--max-connections), and idle connections are closed (--idle-timeout-ms),
 * while a normal Client is served throughout.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connect as tcpConnect, type Socket } from "node:net";
import { readdirSync } from "node:fs";
import { Client } from "../../src/client/index.ts";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

const HOURS_MS = 10_000_000;

/** Milliseconds a normal Client's submit takes to be answered (it fails the test past `limitMs`). */
async function timedSubmit(client: Client, limitMs: number): Promise<number> {
  const started = performance.now();
  const id = await Promise.race([
    client.delay("add", 1, 2),
    Bun.sleep(limitMs).then(() => { throw new Error(`submit not answered within ${limitMs} ms`); }),
  ]);
  expect(typeof id).toBe("string");
  return performance.now() - started;
}

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
