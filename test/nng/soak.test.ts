import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { ReqSocket } from "../../src/nng/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

afterAll(killAll);

// SOAK_REQUESTS=1000000 bun test test/nng/soak.test.ts runs the full million by hand.
const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 200_000);
const WARMUP = 20_000;
const IN_FLIGHT = 64;
const MESSAGE_BYTES = 200;
/** Growth allowed between the post-warm-up and final RSS; a leak of even 100 bytes per request exceeds it at 1 M. */
const MAX_GROWTH_MB = 40;

const enc = new TextEncoder();
const dec = new TextDecoder();
const MB = 1024 * 1024;

function clientRssMb(): number {
  Bun.gc(true);
  return process.memoryUsage().rss / MB;
}

/** The server's RSS from /proc (Linux); undefined elsewhere. */
function serverRssMb(pid: number): number | undefined {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(file, "utf8"))?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** Sends `count` distinct requests, IN_FLIGHT at a time; returns how many replies were not the exact echo. */
async function exchange(req: ReqSocket, first: number, count: number): Promise<number> {
  let next = first;
  const end = first + count;
  let wrong = 0;
  const lane = async () => {
    while (next < end) {
      const expected = `${next++}:`.padEnd(MESSAGE_BYTES, "x");
      if (dec.decode(await req.request(enc.encode(expected))) !== expected) wrong++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return wrong;
}

const round = (mb: number | undefined) => (mb === undefined ? null : Number(mb.toFixed(1)));

test(
  `soak: ${REQUESTS} requests at ${IN_FLIGHT} in flight across two processes, every reply exact, RSS flat`,
  async () => {
    const address = await freeAddress();
    const server = startProcess(["bench/fixtures/rep-echo.ts", address]);
    await server.waitFor(/ready/);
    const req = new ReqSocket().dial(address);

    expect(await exchange(req, 0, WARMUP)).toBe(0);
    const client0 = clientRssMb();
    const server0 = serverRssMb(server.pid);

    const started = performance.now();
    const wrong = await exchange(req, WARMUP, REQUESTS);
    const seconds = (performance.now() - started) / 1000;
    const client1 = clientRssMb();
    const server1 = serverRssMb(server.pid);
    const serverGrowth = server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined;

    console.log(JSON.stringify({
      soak_requests: REQUESTS,
      msgs_per_s: Math.round(REQUESTS / seconds),
      client_rss_mb: { after_warmup: round(client0), after: round(client1), growth: round(client1 - client0) },
      server_rss_mb: { after_warmup: round(server0), after: round(server1), growth: round(serverGrowth) },
    }));

    expect(wrong).toBe(0);
    expect(client1 - client0).toBeLessThan(MAX_GROWTH_MB);
    if (serverGrowth !== undefined) expect(serverGrowth).toBeLessThan(MAX_GROWTH_MB);

    await req.close();
    expect(await server.stop()).toBe(0); // the server shuts down cleanly after the soak
  },
  // Throughput is ~50 k/s here; allow a machine fifty times slower before calling it a failure.
  Math.max(120_000, REQUESTS),
);
