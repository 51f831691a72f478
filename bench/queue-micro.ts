/**
 * Micro-benchmarks for the pure queue/store structures. Prints one JSON line
 * per scenario. One "op" is one item pushed and later taken (or one cache
 * set+get pair), so ops_per_s compares directly with the 50 000 tasks/s target.
 *
 *   bun bench/queue-micro.ts
 */
import { DelayedQueue, PRIORITIES, ReadyQueue, type Priority } from "../src/queue/index.ts";
import { ResultCache } from "../src/store/index.ts";

interface Item {
  id: string;
  name: string;
  priority: Priority;
}

const N = Number(process.env.BENCH_N ?? 1_000_000);
const ROUNDS = 5;

function best(run: () => number): number {
  run(); // warm-up so the JIT has compiled the hot paths
  let top = 0;
  for (let r = 0; r < ROUNDS; r++) top = Math.max(top, run());
  return Math.round(top);
}

function report(scenario: string, opsPerS: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ scenario, ops_per_s: opsPerS, n: N, ...extra }));
}

// Items are built once: the benchmark measures the queue, not object creation.
const items: Item[] = Array.from({ length: N }, (_, i) => ({
  id: `t${i}`,
  name: ["resize", "email", "report"][i % 3],
  priority: PRIORITIES[(i * 7) % 4],
}));

function readyQueueRun(filter: ReadonlySet<string> | null, batch: number): () => number {
  return () => {
    const q = new ReadyQueue<Item>();
    const start = Bun.nanoseconds();
    let taken = 0;
    for (let i = 0; i < N; i += batch) {
      const end = Math.min(N, i + batch);
      for (let j = i; j < end; j++) q.push(items[j]);
      taken += q.take(filter, batch).length;
    }
    while (q.size > 0) taken += q.take(null, 1024).length;
    const s = (Bun.nanoseconds() - start) / 1e9;
    if (taken !== N) throw new Error(`took ${taken} of ${N}`);
    return N / s;
  };
}

function backlogRun(): number {
  // Fill first, then drain: exercises deep lanes and the cross-name merge.
  const q = new ReadyQueue<Item>();
  const start = Bun.nanoseconds();
  for (let i = 0; i < N; i++) q.push(items[i]);
  let taken = 0;
  while (q.size > 0) taken += q.take(null, 64).length;
  const s = (Bun.nanoseconds() - start) / 1e9;
  if (taken !== N) throw new Error(`took ${taken} of ${N}`);
  return N / s;
}

function delayedRun(): number {
  const d = new DelayedQueue();
  const start = Bun.nanoseconds();
  for (let i = 0; i < N; i++) d.push(items[i].id, (i * 7919) % 100_000);
  let popped = 0;
  for (let now = 0; now < 100_000; now += 100) popped += d.popDue(now + 99).length;
  const s = (Bun.nanoseconds() - start) / 1e9;
  if (popped !== N) throw new Error(`popped ${popped} of ${N}`);
  return N / s;
}

function delayedSteadyRun(): number {
  // ~1 000 tasks waiting at any time: the usual shape of retries in backoff.
  const d = new DelayedQueue();
  const start = Bun.nanoseconds();
  let popped = 0;
  for (let i = 0; i < N; i++) {
    d.push(items[i].id, i + 1000 + ((i * 7919) % 500));
    popped += d.popDue(i).length;
  }
  popped += d.popDue(Infinity).length;
  const s = (Bun.nanoseconds() - start) / 1e9;
  if (popped !== N) throw new Error(`popped ${popped} of ${N}`);
  return N / s;
}

function cacheRun(): number {
  let t = 0;
  const cache = new ResultCache<number>({ maxSize: 10_000, ttlMs: 60_000, now: () => t });
  const start = Bun.nanoseconds();
  let hits = 0;
  for (let i = 0; i < N; i++) {
    t++;
    cache.set(items[i].id, i);
    // Read back a recent result, as a client awaiting it would.
    if (cache.get(items[i - (i % 100)].id) !== undefined) hits++;
  }
  cache.sweep();
  const s = (Bun.nanoseconds() - start) / 1e9;
  if (hits !== N) throw new Error(`hits ${hits} of ${N}`);
  return N / s;
}

report("ready-queue push+take", best(readyQueueRun(null, 64)), { batch: 64, names: 3 });
report("ready-queue push+take (name filter)", best(readyQueueRun(new Set(["resize", "email", "report"]), 64)), {
  batch: 64,
  names: 3,
});
report("ready-queue fill then drain", best(backlogRun), { batch: 64, names: 3 });
report("delayed-queue push+popDue (1M deep)", best(delayedRun));
report("delayed-queue push+popDue (steady, ~1k waiting)", best(delayedSteadyRun));
report("result-cache set+get", best(cacheRun), { maxSize: 10_000 });
