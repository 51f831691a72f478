/**
 * Issue 14, transport limits, with raw SP/TCP peers against a control plane process: a peer that
 * never reads its replies loses them and its connection (--reply-timeout-ms), never anyone else's
 * service; frames cut short cannot make NNG buffer more than the frame limit per connection
 * (--max-frame-bytes is NNG's receive limit); a frame declared beyond the limit closes only its
 * own connection.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { connect as tcpConnect, type Socket } from "node:net";
import { encodeFrame, PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { connect, startControlPlane } from "../helpers/control-plane.ts";
import { killAll } from "../helpers/processes.ts";
import { handshaken, rssMb, spLength, spRequest, type RawPeer } from "../helpers/raw-sp.ts";
import { timedSubmitAndWait as timedSubmit } from "../helpers/timed.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

/** A raw peer that stops reading at once: the kernel buffers fill, then the control plane's sends stall. */
async function nonReader(address: string): Promise<RawPeer> {
  const peer = await handshaken(address);
  peer.socket.pause();
  return peer;
}

describe("a peer that never reads its replies (--reply-timeout-ms)", () => {
  test("30 000 pipelined status requests never read: its connection is closed with one warning; a normal client is answered within 1 s throughout", async () => {
    const { cp, address } = await startControlPlane(["--reply-timeout-ms", "300", "--max-requests-per-connection", "4096"]);
    const client = await connect(address);
    try {
      await timedSubmit(client, 1_000);
      const peer = await nonReader(address);
      const status = encodeFrame({ v: PROTOCOL_VERSION, type: "status" });
      // Written in chunks the kernel takes while the control plane still reads them.
      for (let chunk = 0; chunk < 30; chunk++) {
        const batch: Uint8Array[] = [];
        for (let i = 0; i < 1_000; i++) batch.push(spRequest(chunk * 1_000 + i, status));
        if (peer.closed()) break;
        peer.socket.write(Buffer.concat(batch));
        await Bun.sleep(5); // the flood under test is paced: the control plane reads and replies while the peer's buffers fill
      }
      // While the flood's replies stall, others are served; then its connection goes.
      for (let i = 0; i < 5; i++) expect(await timedSubmit(client, 1_000)).toBeLessThan(1_000);
      await waitFor(() => peer.closed(), { timeoutMs: 10_000, message: "the non-reading peer's connection to be closed" });
      await waitFor(() => /closed a connection that did not read its replies/.test(cp.output()), { timeoutMs: 2_000, message: "the warning" });
      expect(cp.output().match(/closed a connection that did not read its replies/g)).toHaveLength(1);
      expect(await timedSubmit(client, 1_000)).toBeLessThan(1_000);
    } finally {
      await client.stop();
    }
  }, 40_000);
});

/** A raw TCP peer that completes the handshake and sends `bytes` (no reading needed). */
async function sendRaw(address: string, bytes: Uint8Array): Promise<{ socket: Socket; closed: () => boolean }> {
  const peer = await handshaken(address);
  peer.socket.write(bytes);
  return peer;
}

describe("frames cut short or too large (--max-frame-bytes = NNG's receive limit)", () => {
  const LIMIT = 1024 * 1024;

  test("40 connections each declaring a frame of limit − 1 bytes and sending half: memory stays bounded, a normal client is served", async () => {
    const { cp, address } = await startControlPlane(["--max-frame-bytes", String(LIMIT)]);
    const client = await connect(address);
    try {
      await timedSubmit(client, 1_000);
      const before = rssMb(cp.pid);
      const half = new Uint8Array(LIMIT / 2).fill(0x20);
      const peers = await Promise.all(Array.from({ length: 40 }, () => sendRaw(address, Buffer.concat([spLength(LIMIT - 1), half]))));
      // Everything each peer wrote has left it for the control plane's side of the connection.
      await waitFor(() => peers.every((p) => p.socket.writableLength === 0), {
        timeoutMs: 10_000, message: () => `the peers' writes to be sent (${peers.reduce((n, p) => n + p.socket.writableLength, 0)} bytes left)`,
      });
      const grownMb = rssMb(cp.pid) - before;
      // At most one frame's worth per connection (40 MiB) plus slack; without the receive limit a
      // peer could declare any length and have NNG allocate it.
      expect(grownMb).toBeLessThan(40 * (LIMIT / 1024 / 1024) + 30);
      expect(await timedSubmit(client, 1_000)).toBeLessThan(1_000);
      expect(peers.every((p) => !p.closed())).toBe(true); // still under the limit: not refused, merely incomplete
      for (const p of peers) p.socket.destroy();
    } finally {
      await client.stop();
    }
  }, 30_000);

  test("a frame declared beyond the limit closes that connection only, without NNG allocating it; the control plane keeps serving", async () => {
    const { cp, address } = await startControlPlane(["--max-frame-bytes", String(LIMIT)]);
    const client = await connect(address);
    try {
      const before = rssMb(cp.pid);
      // 1 GiB declared: NNG must refuse it from the length alone.
      const peer = await sendRaw(address, spLength(1024 * 1024 * 1024));
      await waitFor(() => peer.closed(), { timeoutMs: 5_000, message: "the oversize frame's connection to be closed" });
      expect(rssMb(cp.pid) - before).toBeLessThan(30);
      expect(await timedSubmit(client, 1_000)).toBeLessThan(1_000);
    } finally {
      await client.stop();
    }
  }, 20_000);

  test("a frame just over the limit from a normal REQ peer: its connection is closed; a frame at the limit but undecodable gets a typed error reply", async () => {
    const { address } = await startControlPlane(["--max-frame-bytes", String(LIMIT)]);
    // Under the limit: garbage JSON is answered with a typed error, as docs/protocol.md promises.
    const garbage = await new Promise<Buffer>((resolve, reject) => {
      const { hostname, port } = new URL(address.replace(/^tcp:/, "http:"));
      let received = Buffer.alloc(0);
      const socket = tcpConnect({ host: hostname, port: Number(port) }, () => {
        socket.write(Buffer.concat([new Uint8Array([0, 0x53, 0x50, 0, 0, 0x30, 0, 0]), spRequest(7, new Uint8Array(LIMIT - 100).fill(0x7b))]));
      });
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 8 + 8 + 4) {
          const length = Number(received.readBigUInt64BE(8));
          if (received.length >= 16 + length) {
            socket.destroy();
            resolve(received.subarray(16 + 4, 16 + length));
          }
        }
      });
      socket.on("error", reject);
    });
    expect(JSON.parse(garbage.toString())).toMatchObject({ type: "error", error: { code: "E_DECODE" } });
    const over = await sendRaw(address, spRequest(8, new Uint8Array(LIMIT + 1).fill(0x7b)));
    await waitFor(() => over.closed(), { timeoutMs: 5_000, message: "the over-limit frame's connection to be closed" });
  }, 20_000);
});
