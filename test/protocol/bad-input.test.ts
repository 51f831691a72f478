import { afterAll, beforeAll, expect, test } from "bun:test";
import { ReqSocket } from "../../src/nng/index.ts";
import { decodeReply, encodeFrame, type Reply } from "../../src/protocol/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess, type Started } from "../helpers/processes.ts";

// The server decodes frames up to 1 KiB, and NNG accepts messages up to 64 KiB.
const MAX_FRAME_BYTES = 1024;
const RECV_MAX_SIZE = 64 * 1024;

const enc = new TextEncoder();
const json = (value: unknown) => enc.encode(JSON.stringify(value));
const status = encodeFrame({ v: 1, type: "status" });

let server: Started;
let address: string;
const sockets: ReqSocket[] = [];

beforeAll(async () => {
  address = await freeAddress();
  server = startProcess(["test/fixtures/protocol-server.ts", address, String(MAX_FRAME_BYTES), String(RECV_MAX_SIZE)]);
  await server.waitFor(/ready/);
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await killAll();
});

function peer(): ReqSocket {
  const socket = new ReqSocket({ requestTimeoutMs: 20_000 }).dial(address);
  sockets.push(socket);
  return socket;
}

async function ask(socket: ReqSocket, frame: Uint8Array): Promise<Reply> {
  return decodeReply(await socket.request(frame));
}

test.each([
  ["garbage bytes", Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), "E_DECODE"],
  ["invalid UTF-8", Uint8Array.from([...enc.encode('{"v":1,"type":"status","x":"'), 0xff, 0xfe, ...enc.encode('"}')]), "E_DECODE"],
  ["truncated JSON", enc.encode('{"v":1,"type":"hello","workerId":"w'), "E_DECODE"],
  ["a JSON array", json([1, 2, 3]), "E_DECODE"],
  ["wrong field types", json({ v: 1, type: "lease", workerId: 7, credits: "many", waitMs: 0 }), "E_INVALID_FRAME"],
  ["a frame over the decode limit", json({ v: 1, type: "status", pad: "x".repeat(4 * MAX_FRAME_BYTES) }), "E_FRAME_TOO_LARGE"],
  ["an unknown type", json({ v: 1, type: "rm -rf" }), "E_UNKNOWN_FRAME"],
  ["an unknown v", json({ v: 2, type: "status" }), "E_UNSUPPORTED_VERSION"],
] as const)("%s gets an error frame with %s while another peer keeps getting acks", async (_, input, code) => {
  const bad = peer();
  const good = peer();
  const [badReply, goodReply] = await Promise.all([ask(bad, input), ask(good, status)]);
  expect(badReply).toMatchObject({ v: 1, type: "error", error: { code } });
  expect(goodReply).toEqual({ v: 1, type: "ack" });
  // The bad peer is not punished beyond its frame: its next valid request is served.
  expect(await ask(bad, status)).toEqual({ v: 1, type: "ack" });
});

test("the wrong-types error names the offending fields", async () => {
  const reply = await ask(peer(), json({ v: 1, type: "lease", workerId: 7, credits: 1, waitMs: 0 }));
  expect(reply.type).toBe("error");
  if (reply.type === "error") expect(reply.error.message).toContain("workerId");
});

test("a message over NNG's recv-size-max does not crash the server; other peers keep being served", async () => {
  const bad = peer();
  const good = peer();
  // NNG drops the sender's connection before anything is decoded; with resends off, REQ then
  // fails that request at once with ECONNRESET instead of waiting for its timeout.
  const oversize = bad.request(new Uint8Array(4 * RECV_MAX_SIZE).fill(0x7b), { timeoutMs: 10_000 }).then(
    () => "answered",
    (error: { nngName?: string }) => error.nngName,
  );
  const during = Array.from({ length: 20 }, () => ask(good, status));
  expect(await oversize).toBe("NNG_ECONNRESET");
  for (const reply of await Promise.all(during)) expect(reply).toEqual({ v: 1, type: "ack" });
  expect(server.proc.exitCode).toBeNull();
  // The server still serves the same peer, a fresh peer, and the dropped peer once it has re-dialled.
  expect(await ask(good, status)).toEqual({ v: 1, type: "ack" });
  expect(await ask(peer(), status)).toEqual({ v: 1, type: "ack" });
  expect(await ask(bad, status)).toEqual({ v: 1, type: "ack" });
});
