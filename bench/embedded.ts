/**
 * Embedded mode: a control plane in this process, driven through cp.client() (no network hop),
 * against the same control plane through a loopback NNG Client, and through an Elysia route
 * (fastworker/elysia, app.handle()). Prints one JSON line per scenario:
 *   {"scenario","n","p50_ms","p99_ms"}            submit-and-wait, one task at a time
 *   {"scenario","n","in_flight","tasks_per_s"}    pipelined: `in_flight` submit-and-waits kept going
 *
 *   bun bench/embedded.ts
 *
 * BENCH_TASKS (pipelined, default 50 000), BENCH_SEQUENTIAL (default 2 000), BENCH_IN_FLIGHT
 * (default 1 024), BENCH_CONCURRENCY (Bun Workers, default 2). Numbers on a shared VM vary by ±30 %.
 */
import { Elysia } from "elysia";
import { Client } from "../src/client/index.ts";
import { createControlPlane } from "../src/control-plane/index.ts";
import { silentLogger } from "../src/log.ts";
import { fastworker } from "../src/elysia/elysia-plugin.ts";
import { freeAddress } from "../test/helpers/ports.ts";
import { noop } from "./fixtures/tasks.ts";
import { percentile } from "./lib.ts";

const PIPELINED = Number(process.env.BENCH_TASKS ?? 50_000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 1_024);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

type Submit = (i: number) => Promise<number>;

async function sequential(scenario: string, submit: Submit): Promise<void> {
  for (let i = 0; i < Math.min(200, SEQUENTIAL); i++) await submit(i); // warm-up: JIT, Worker start-up, sockets
  const times: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = performance.now();
    const value = await submit(i);
    times.push(performance.now() - start);
    if (value !== i) throw new Error(`${scenario}: task ${i} returned ${value}`);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ scenario, n: SEQUENTIAL, p50_ms: percentile(times, 0.5), p99_ms: percentile(times, 0.99) }));
}

async function pipelined(scenario: string, submit: Submit, total = PIPELINED): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      const value = await submit(i);
      if (value !== i) throw new Error(`${scenario}: task ${i} returned ${value}`);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, total) }, lane));
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ scenario, n: total, in_flight: IN_FLIGHT, tasks_per_s: Math.round(total / seconds) }));
}

const cpOptions = { taskModules: ["bench/fixtures/tasks.ts"], cwd: `${import.meta.dir}/..`, discoveryAddress: null, concurrency: CONCURRENCY, log: silentLogger };

{
  const address = await freeAddress();
  const cp = await createControlPlane({ ...cpOptions, address });
  const local = cp.client();
  const remote = await new Client({ address }).start();
  try {
    const viaEmbedded: Submit = (i) => local.submit(noop, [i]);
    const viaNng: Submit = (i) => remote.submit(noop, [i]);
    await sequential("embedded_submit_wait", viaEmbedded);
    await sequential("loopback_nng_submit_wait", viaNng);
    await pipelined("embedded_pipelined", viaEmbedded);
    await pipelined("loopback_nng_pipelined", viaNng);
  } finally {
    await remote.stop();
    await cp.stop();
  }
}

{
  // The plugin in embedded mode behind an Elysia route, through app.handle(): what routing and `fw` add.
  const app = new Elysia()
    .use(fastworker({ embedded: { ...cpOptions, address: await freeAddress(), dashboard: false } }))
    .get("/noop/:i", async ({ fw, params }) => String(await fw.submit(noop, [Number(params.i)])));
  const viaRoute: Submit = async (i) => Number(await (await app.handle(new Request(`http://localhost/noop/${i}`))).text());
  try {
    await sequential("elysia_route_embedded_submit_wait", viaRoute);
    await pipelined("elysia_route_embedded_pipelined", viaRoute);
  } finally {
    await app.decorator.fw.stop();
  }
}
