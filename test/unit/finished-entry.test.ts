import { describe, expect, test } from "bun:test";
import { entryOfRecord, toRecord } from "../../src/control-plane/task-entry.ts";
import type { TaskRecord } from "../../src/protocol/index.ts";

// The result cache keeps finished entries and builds records when read; a result recovered from the
// journal arrives as a record, so record → entry → record must give back exactly what was stored.
describe("entryOfRecord", () => {
  test("a record with every field comes back unchanged through its entry", () => {
    const record: TaskRecord = {
      taskId: "t-1", name: "add", status: "failure", priority: "high", args: [1, { x: [2] }], kwargs: { scale: 3 },
      error: { code: "E_TASK_FAILED", message: "boom" }, attempts: 2, workerId: "sw-1",
      timings: { submittedAt: 1000, dueAt: 1100, startedAt: 1200, finishedAt: 1300 },
      history: [{ state: "pending", at: 1000 }, { state: "scheduled", at: 1000 }, { state: "running", at: 1200 }, { state: "failure", at: 1300 }],
      progress: { current: 3, total: 4 }, logs: [{ at: 1250, message: "half way" }],
    };
    expect(toRecord(entryOfRecord(record))).toEqual(record);
  });

  test("a success keeps its result, null included; absent optional fields stay absent", () => {
    for (const result of [7, null, { deep: ["x"] }]) {
      const record: TaskRecord = {
        taskId: "t-2", name: "add", status: "success", priority: "normal", args: [], result, attempts: 1,
        timings: { submittedAt: 5 }, history: [{ state: "pending", at: 5 }, { state: "success", at: 6 }],
      };
      const again = toRecord(entryOfRecord(record));
      expect(again).toEqual(record);
      expect(Object.keys(again).sort()).toEqual(Object.keys(record).sort());
    }
  });

  test("the entry's history and logs are its own: changing the record afterwards does not reach it", () => {
    const record: TaskRecord = {
      taskId: "t-3", name: "add", status: "cancelled", priority: "low", args: [], attempts: 0,
      timings: { submittedAt: 9 }, history: [{ state: "pending", at: 9 }, { state: "cancelled", at: 10 }],
      logs: [{ at: 9, message: "m" }],
    };
    const entry = entryOfRecord(record);
    record.history.push({ state: "queued", at: 11 });
    record.logs!.push({ at: 12, message: "later" });
    expect(toRecord(entry).history).toHaveLength(2);
    expect(toRecord(entry).logs).toHaveLength(1);
  });
});
