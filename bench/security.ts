// The cost of peer authentication and of TLS, side by side in one run (part of `bun run bench`;
// alone: `bun bench/security.ts`). Same control plane, same client, three transports: plain tcp,
// tcp with a token (the HMAC handshake once per connection, then a map lookup per request), and
// tls+tcp with the token. Prints one JSON row per transport.
import { Client, type ClientOptions } from "../src/client/index.ts";
import { makeTestCa } from "../test/helpers/certs.ts";
import { freePort, percentile, pipelined, spawnControlPlane } from "./lib.ts";

const TASKS = Number(process.env.BENCH_TASKS ?? 100_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4096);
const TOKEN = "bench-token-0123456789abcdef0123456789";
/** Transports alternate round by round, so a noisy neighbour slows all three alike; the best round of each is summed up. */
const ROUNDS = Number(process.env.BENCH_SECURITY_ROUNDS ?? 2);

/** The same submit loop as bun run bench's: `inFlight` lanes of "noop" submissions. */
const run = (client: Client, total: number, inFlight: number) => pipelined(client, "noop", (i) => [i], total, inFlight);

const ca = makeTestCa("bench");
const transports: Array<{ name: string; scheme: string; cpArgs: string[]; client: Omit<ClientOptions, "address"> }> = [
  { name: "tcp, no auth", scheme: "tcp", cpArgs: [], client: {} },
  { name: "tcp + token", scheme: "tcp", cpArgs: ["--token", TOKEN], client: { token: TOKEN } },
  { name: "tls+tcp + token", scheme: "tls+tcp", cpArgs: ["--token", TOKEN, "--tls-cert", ca.serverCert, "--tls-key", ca.serverKey], client: { token: TOKEN, tlsCa: ca.caCert } },
];

const best = new Map<string, { p50: number; p99: number; tps: number }>();
try {
  for (let round = 1; round <= ROUNDS; round++) for (const transport of transports) {
    const address = `${transport.scheme}://127.0.0.1:${await freePort()}`;
    const proc = await spawnControlPlane(["--task-modules", "bench/fixtures/tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--no-journal",
      "--log-level", "warn", "--concurrency", "2", ...transport.cpArgs]);
    try {
      const client = await new Client({ address, ...transport.client }).start();
      await run(client, 500, 1); // warm-up
      const sequential = await run(client, 5000, 1);
      const pipelined = await run(client, TASKS, IN_FLIGHT);
      const row = { p50: percentile(sequential.latencies, 0.5), p99: percentile(sequential.latencies, 0.99), tps: pipelined.tasksPerS };
      console.log(JSON.stringify({ scenario: `security: ${transport.name} (round ${round})`, sequential_p50_ms: row.p50, sequential_p99_ms: row.p99, pipelined_tasks_per_s: row.tps }));
      const previous = best.get(transport.name);
      best.set(transport.name, previous ? { p50: Math.min(previous.p50, row.p50), p99: Math.min(previous.p99, row.p99), tps: Math.max(previous.tps, row.tps) } : row);
      await client.stop();
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  }
  const plain = best.get(transports[0]!.name)!;
  for (const [name, row] of best) {
    console.log(JSON.stringify({
      scenario: `security: ${name} (best of ${ROUNDS})`, sequential_p50_ms: row.p50, sequential_p99_ms: row.p99, pipelined_tasks_per_s: row.tps,
      pipelined_vs_plain_pct: Math.round((row.tps / plain.tps - 1) * 1000) / 10,
    }));
  }
} finally {
  ca.remove();
}
