// The per-rank counts behind overtaking (src/pool/assigned-jobs.ts): they must follow every way a
// job enters or leaves a slot, or a job would overtake nothing (priority inversion) or be sent past
// the prefetch limit for a job that already started.
import { describe, expect, test } from "bun:test";
import { AssignedJobs } from "../../src/pool/assigned-jobs.ts";
import type { Entry } from "../../src/pool/entry.ts";

function entry(seq: number, rank: number): Entry {
  return {
    job: { id: `job-${seq}`, name: "add", args: [], attempt: 1, priority: "normal" },
    seq, encoded: "[]", rank, resolve: () => {}, slot: undefined,
  };
}

describe("AssignedJobs", () => {
  test("the highest rank follows set, delete and clear", () => {
    const jobs = new AssignedJobs();
    expect(jobs.highestRank()).toBe(-1);
    jobs.set(1, entry(1, 0));
    jobs.set(2, entry(2, 2));
    jobs.set(3, entry(3, 2));
    expect(jobs.highestRank()).toBe(2);
    expect(jobs.delete(2)).toBe(true);
    expect(jobs.highestRank()).toBe(2);
    expect(jobs.delete(3)).toBe(true);
    expect(jobs.highestRank()).toBe(0);
    expect(jobs.delete(3)).toBe(false); // a second delete changes no count
    expect(jobs.highestRank()).toBe(0);
    jobs.set(4, entry(4, 3));
    jobs.clear();
    expect(jobs.highestRank()).toBe(-1);
    expect(jobs.size).toBe(0);
  });

  test("setting a seq again replaces its rank, not adds one", () => {
    const jobs = new AssignedJobs();
    jobs.set(1, entry(1, 3));
    jobs.set(1, entry(1, 1));
    expect(jobs.highestRank()).toBe(1);
    jobs.delete(1);
    expect(jobs.highestRank()).toBe(-1);
  });

  test("running jobs do not count as waiting, whatever their rank", () => {
    const jobs = new AssignedJobs();
    jobs.set(1, entry(1, 3)); // low, running
    jobs.set(2, entry(2, 2)); // normal, waiting
    jobs.set(3, entry(3, 2)); // normal, running
    expect(jobs.highestWaitingRank([])).toBe(3);
    expect(jobs.highestWaitingRank([1])).toBe(2);
    expect(jobs.highestWaitingRank([1, 3])).toBe(2);
    expect(jobs.highestWaitingRank([1, 2, 3])).toBe(-1);
    // A seq the Worker reports running but that left the slot (its result is being handled) is ignored.
    expect(jobs.highestWaitingRank([1, 2, 3, 99])).toBe(-1);
    // Asking does not change the counts.
    expect(jobs.highestRank()).toBe(3);
  });

  test("matches a walk over every job for random contents", () => {
    let state = 7;
    const random = (n: number) => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31), state % n);
    for (let round = 0; round < 200; round++) {
      const jobs = new AssignedJobs();
      for (let i = 0; i < random(40); i++) jobs.set(1 + random(60), entry(0, random(4)));
      for (let i = 0; i < random(20); i++) jobs.delete(1 + random(60));
      const running = [...jobs.keys()].filter(() => random(3) === 0);
      let expected = -1;
      for (const [seq, e] of jobs) if (!running.includes(seq) && e.rank > expected) expected = e.rank;
      expect(jobs.highestWaitingRank(running)).toBe(expected);
    }
  });
});
