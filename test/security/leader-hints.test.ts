// A hostile "standby" that names a new leader address in every E_NOT_LEADER must not make a
// client open connections without end: leaders learned from hints are bounded
// (src/connection/failover.ts, MAX_LEARNED_ADDRESSES), the oldest forgotten and closed.
import { afterAll, expect, test } from "bun:test";
import { FailoverConnection } from "../../src/connection/failover.ts";
import { NotLeaderError } from "../../src/errors.ts";
import { RepSocket } from "../../src/nng/index.ts";
import { errorFrame, PROTOCOL_VERSION } from "../../src/protocol/index.ts";
import { freePort } from "../helpers/ports.ts";

const sockets: RepSocket[] = [];
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
});

test("a peer naming 16 different leaders in turn leaves the client with at most 1 + 8 connections, and the request ends E_UNAVAILABLE", async () => {
  const port = await freePort();
  // 16 loopback addresses (127.0.0.0/8 is all loopback on Linux), one socket listening on all of them.
  const hosts = Array.from({ length: 16 }, (_, i) => `tcp://127.0.0.${i + 2}:${port}`);
  const rep = new RepSocket();
  sockets.push(rep);
  for (const host of hosts) rep.listen(host);
  let open = 0;
  let most = 0;
  rep.onPipeEvent("added", () => void (most = Math.max(most, ++open))).onPipeEvent("removed", () => void open--);
  let asked = 0;
  rep.serve(() => errorFrame(new NotLeaderError("a standby", hosts[++asked % hosts.length])));

  const connection = new FailoverConnection({ addresses: [hosts[0]!], connectTimeoutMs: 2_000, maxFrameBytes: 1 << 20, failoverTimeoutMs: 6_000 });
  try {
    const outcome = await connection.call({ v: PROTOCOL_VERSION, type: "status" }, "status_reply").then(() => "answered", (e: unknown) => e);
    expect(outcome).toMatchObject({ code: "E_UNAVAILABLE" });
    expect(asked).toBeGreaterThan(hosts.length); // it did go round every name the peer gave
    expect(most).toBeLessThanOrEqual(1 + 8);
  } finally {
    await connection.close();
  }
}, 30_000);
