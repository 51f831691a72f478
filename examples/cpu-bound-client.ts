// Submits many CPU-bound tasks at once and prints the throughput as one JSON line.
//
//   bun bin/fastworker.ts control-plane --task-modules examples/cpu-bound.ts
//   bun examples/cpu-bound-client.ts 32 1000000      # tasks (default 32), primes below (default 1 000 000)
//
// The control plane is found by discovery, or set FASTWORKER_CONTROL_PLANE_ADDRESS=tcp://host:port.
import { Client } from "fastworker";
import { countPrimes } from "./cpu-bound.ts";

const tasks = Number(process.argv[2] ?? 32);
const limit = Number(process.argv[3] ?? 1_000_000);
const address = process.env.FASTWORKER_CONTROL_PLANE_ADDRESS;

const client = await new Client(address ? { address } : {}).start();
try {
  const workers = await client.workerCount();
  const started = performance.now();
  // All at once: the control plane queues them and keeps every Worker (and subworker) busy.
  const counts = await Promise.all(Array.from({ length: tasks }, () => client.submit(countPrimes, [limit])));
  const seconds = (performance.now() - started) / 1000;
  // Every task computed the same thing: one answer means none went missing or wrong.
  const answers = [...new Set(counts)];
  console.log(JSON.stringify({ tasks, limit, primes: answers.length === 1 ? answers[0] : answers, workers, seconds: Number(seconds.toFixed(3)), tasksPerSecond: Number((tasks / seconds).toFixed(1)) }));
} finally {
  await client.stop();
}
