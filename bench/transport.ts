/**
 * Transport benchmark: a Bun REQ client (this process) against a Bun REP echo server in a
 * separate process, over tcp://127.0.0.1, for each I/O core. Prints one JSON line per scenario
 * on stdout (notes go to stderr):
 *   {"scenario","p50_us","p99_us","msgs_per_s","loop_lag_p99_ms"}   round-trip scenarios
 *   {"scenario","cpu_percent"}                                       idle scenarios
 *
 *   bun run bench:transport
 *
 * The client selects its core with the `engine` option, the server with FASTWORKER_NNG_ENGINE;
 * both name the same core. Numbers on a shared 2-core VM vary by about ±30 % between runs.
 */
import { nng, ReqSocket, type EngineKind } from "../src/nng/index.ts";
import { freeAddress } from "../test/helpers/ports.ts";
import { killAll, startProcess, type Started } from "../test/helpers/processes.ts";

const MESSAGE_BYTES = 200;
const SEQUENTIAL = { warmup: 500, requests: 5_000 };
const PIPELINED = { warmup: 5_000, requests: 100_000, inFlight: 64 };
const IDLE_MS = 2_000;
/** The whole run must stay under a minute; past this, something is stuck: report and stop. */
const DEADLINE_MS = 55_000;

const message = new Uint8Array(MESSAGE_BYTES).fill(0x61);

interface RoundTrips {
  latenciesUs: Float64Array;
  elapsedMs: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

async function timedRequest(req: ReqSocket): Promise<number> {
  const start = Bun.nanoseconds();
  const reply = await req.request(message);
  const elapsedUs = (Bun.nanoseconds() - start) / 1_000;
  // An echo of the wrong size means a reply was mismatched: the numbers would be meaningless.
  if (reply.byteLength !== MESSAGE_BYTES) throw new Error(`reply of ${reply.byteLength} bytes, expected ${MESSAGE_BYTES}`);
  return elapsedUs;
}

/** Keeps `inFlight` requests outstanding until `requests` have completed. */
async function roundTrips(req: ReqSocket, requests: number, inFlight: number): Promise<RoundTrips> {
  const latenciesUs = new Float64Array(requests);
  let next = 0;
  const lane = async () => {
    while (next < requests) {
      const i = next++;
      latenciesUs[i] = await timedRequest(req);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { latenciesUs, elapsedMs: performance.now() - start };
}

/** How late a 1 ms interval fires in this process: how long the event loop was blocked. */
function watchLoopLag(): () => Float64Array {
  const lagsMs: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lagsMs.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  return () => {
    clearInterval(timer);
    return Float64Array.from(lagsMs).sort();
  };
}

function report(scenario: string, run: RoundTrips, lagsMs?: Float64Array): void {
  const sorted = run.latenciesUs.slice().sort();
  console.log(JSON.stringify({
    scenario,
    p50_us: round(percentile(sorted, 0.5), 1),
    p99_us: round(percentile(sorted, 0.99), 1),
    msgs_per_s: Math.round((run.latenciesUs.length * 1000) / run.elapsedMs),
    loop_lag_p99_ms: lagsMs && lagsMs.length > 0 ? round(percentile(lagsMs, 0.99), 2) : null,
  }));
}

async function startServer(engine: EngineKind, mode: "echo" | "silent"): Promise<{ address: string; server: Started }> {
  const address = await freeAddress();
  const server = startProcess(["bench/fixtures/rep-echo.ts", address, mode], { env: { FASTWORKER_NNG_ENGINE: engine } });
  const ready = await server.waitFor(/ready (shim|js)/);
  if (ready !== `ready ${engine}`) throw new Error(`server started the wrong I/O core: "${ready}"`);
  return { address, server };
}

async function roundTripScenarios(engine: EngineKind, suffix: string): Promise<void> {
  const { address, server } = await startServer(engine, "echo");
  const req = new ReqSocket({ engine }).dial(address);
  try {
    await roundTrips(req, SEQUENTIAL.warmup, 1);
    report(`sequential${suffix}`, await roundTrips(req, SEQUENTIAL.requests, 1));

    await roundTrips(req, PIPELINED.warmup, PIPELINED.inFlight);
    const stopWatching = watchLoopLag();
    const run = await roundTrips(req, PIPELINED.requests, PIPELINED.inFlight);
    report(`pipelined-${PIPELINED.inFlight}${suffix}`, run, stopWatching());
  } finally {
    await req.close();
    await server.stop();
  }
}

/** CPU this process spends over IDLE_MS while one request waits on a server that never answers. */
async function idleScenario(engine: EngineKind, suffix: string): Promise<void> {
  const { address, server } = await startServer(engine, "silent");
  const req = new ReqSocket({ engine }).dial(address);
  const pending = req.request(message, { timeoutMs: 60_000 }).then(
    () => { throw new Error("the silent server answered"); },
    (error: unknown) => error,
  );
  try {
    await Bun.sleep(300); // let the connection settle and the request reach the server
    const before = process.cpuUsage();
    await Bun.sleep(IDLE_MS);
    const used = process.cpuUsage(before);
    const cpuPercent = ((used.user + used.system) / 1_000 / IDLE_MS) * 100;
    console.log(JSON.stringify({ scenario: `idle${suffix}`, cpu_percent: round(cpuPercent, 2) }));
  } finally {
    await req.close();
    await pending; // settles with E_CLOSED once closed
    await server.stop();
  }
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${DEADLINE_MS} ms; stopping`);
  void killAll().finally(() => process.exit(1));
}, DEADLINE_MS);
watchdog.unref();

try {
  console.error(`bench: libnng ${nng().version}, Bun ${Bun.version}, ${MESSAGE_BYTES}-byte messages`);
  for (const engine of ["shim", "js"] as const) {
    const suffix = engine === "shim" ? "" : "-js";
    await roundTripScenarios(engine, suffix);
    await idleScenario(engine, suffix);
  }
} finally {
  clearTimeout(watchdog);
  await killAll();
}
