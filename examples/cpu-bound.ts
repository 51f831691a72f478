// A CPU-heavy task: counting primes by trial division keeps one core busy for as long as the
// limit asks. The control plane runs it on its Bun Worker pool (one Worker per core by default),
// so its own event loop keeps answering clients while every core computes.
//
//   bun bin/fastworker.ts control-plane --task-modules examples/cpu-bound.ts
//   bun examples/cpu-bound-client.ts 32 1000000       # in another terminal: 32 tasks, primes below 1 000 000
//
// Add subworkers on other machines (same module) and the same client gets more throughput:
//   bun bin/fastworker.ts subworker --task-modules examples/cpu-bound.ts --control-plane-address tcp://<cp-host>:5555
import { task } from "fastworker";

export const countPrimes = task({ name: "count_primes", timeoutMs: 120_000 }, (limit: number): number => {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
});
