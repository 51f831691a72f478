// `bun bench/queued-heap.ts`: where the memory of a queued task goes, in the JS heap (not RSS).
// An in-process control plane (--concurrency 1, its Worker held by one long task) queues
// BENCH_QUEUED tasks (default 100 000) the way a submit frame would, once without a dashboard and
// once with its task index (createView); prints heap bytes per task (heapStats after a full GC) and,
// from a heap snapshot, the object classes that grew, per task. The figure bench/bounded.ts reports
// is RSS, which adds allocator slack and the garbage of ingestion on top of these.
import { heapStats } from "bun:jsc";
import { createControlPlane, createView } from "../src/control-plane/index.ts";
import { silentLogger } from "../src/log.ts";
import type { TaskSpec } from "../src/protocol/index.ts";
import { freePort, print } from "./lib.ts";

const QUEUED = Number(process.env.BENCH_QUEUED ?? 100_000);

/** Object classes in a heap snapshot (JSC "Inspector" format: nodes are [id, size, class, flags]) → count and bytes. */
function classes(): Map<string, { count: number; bytes: number }> {
  Bun.gc(true);
  const snapshot = Bun.generateHeapSnapshot() as unknown as { nodes: number[]; nodeClassNames: string[] };
  const out = new Map<string, { count: number; bytes: number }>();
  const nodes = snapshot.nodes;
  for (let i = 0; i < nodes.length; i += 4) {
    const name = snapshot.nodeClassNames[nodes[i + 2]!] ?? "?";
    const row = out.get(name) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += nodes[i + 1]!;
    out.set(name, row);
  }
  return out;
}

async function measure(withIndex: boolean): Promise<void> {
  const cp = await createControlPlane({
    taskModules: ["bench/fixtures/tasks.ts"], cwd: `${import.meta.dir}/..`, address: `tcp://127.0.0.1:${await freePort()}`,
    discoveryAddress: null, concurrency: 1, log: silentLogger,
  });
  try {
    if (withIndex) createView(cp);
    await cp.submit([{ id: "blocker", name: "hold", args: [3_600_000] }]);
    await Bun.sleep(300);
    const classesBefore = classes();
    const heapBefore = heapStats().heapSize;
    for (let done = 0; done < QUEUED; done += 10_000) {
      const specs: TaskSpec[] = [];
      for (let i = done; i < Math.min(QUEUED, done + 10_000); i++) specs.push({ id: crypto.randomUUID(), name: "noop", args: [i] });
      await cp.submit(specs);
    }
    Bun.gc(true);
    const heapBytes = heapStats().heapSize - heapBefore;
    const grown = [...classes()]
      .map(([name, row]) => ({ name, count: row.count - (classesBefore.get(name)?.count ?? 0), bytes: row.bytes - (classesBefore.get(name)?.bytes ?? 0) }))
      .filter((row) => row.bytes > QUEUED)
      .sort((a, b) => b.bytes - a.bytes);
    print({
      scenario: `queued-task heap, ${QUEUED} queued, ${withIndex ? "dashboard index on" : "no dashboard"}`,
      heap_bytes_per_task: Math.round(heapBytes / QUEUED),
      snapshot_per_task: Object.fromEntries(grown.map((row) => [row.name, { objects: Number((row.count / QUEUED).toFixed(2)), bytes: Math.round(row.bytes / QUEUED) }])),
    });
  } finally {
    cp.cancel("blocker");
    await cp.stop();
  }
}

await measure(false);
await measure(true);
