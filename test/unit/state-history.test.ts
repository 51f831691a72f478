import { describe, expect, test } from "bun:test";
import {
  appendHistory,
  dropAfterFirst,
  historyEntries,
  historyLength,
  packHistory,
  startHistory,
  stateBack,
  timeBack,
} from "../../src/model/state-history.ts";
import { TASK_STATES, type StateHistoryEntry } from "../../src/model/task-state.ts";

describe("packed state history", () => {
  test("starts with one entry and unpacks to the entries appended, in order", () => {
    const history = startHistory("pending", 1_000);
    expect(historyLength(history)).toBe(1);
    expect(historyEntries(history)).toEqual([{ state: "pending", at: 1_000 }]);
    appendHistory(history, "queued", 1_000.5);
    appendHistory(history, "running", 1_002);
    expect(historyLength(history)).toBe(3);
    expect(historyEntries(history)).toEqual([
      { state: "pending", at: 1_000 },
      { state: "queued", at: 1_000.5 },
      { state: "running", at: 1_002 },
    ]);
  });

  test("every state survives the round trip through its code", () => {
    const entries: StateHistoryEntry[] = TASK_STATES.map((state, i) => ({ state, at: 1_700_000_000_000 + i }));
    const packed = packHistory(entries);
    expect(historyEntries(packed)).toEqual(entries);
    expect(historyEntries(packHistory([]))).toEqual([]);
  });

  test("stateBack and timeBack read from the end; undefined before the first entry", () => {
    const history = startHistory("pending", 1);
    expect(stateBack(history, 0)).toBe("pending");
    expect(stateBack(history, 1)).toBeUndefined();
    expect(timeBack(history, 1)).toBeUndefined();
    appendHistory(history, "queued", 2);
    appendHistory(history, "running", 7);
    expect([stateBack(history, 0), timeBack(history, 0)]).toEqual(["running", 7]);
    expect([stateBack(history, 1), timeBack(history, 1)]).toEqual(["queued", 2]);
    expect([stateBack(history, 2), timeBack(history, 2)]).toEqual(["pending", 1]);
    expect(stateBack(history, 3)).toBeUndefined();
  });

  test("dropAfterFirst keeps the first entry and drops the oldest of the rest", () => {
    const history = startHistory("pending", 0);
    for (let t = 1; t <= 5; t++) appendHistory(history, t % 2 === 1 ? "queued" : "running", t);
    dropAfterFirst(history, 3);
    expect(historyEntries(history)).toEqual([
      { state: "pending", at: 0 },
      { state: "running", at: 4 },
      { state: "queued", at: 5 },
    ]);
    dropAfterFirst(history, 0);
    expect(historyLength(history)).toBe(3);
  });

  test("unpacked entries are fresh: changing them leaves the history as it was", () => {
    const history = startHistory("pending", 1);
    const entries = historyEntries(history);
    entries[0]!.at = 99;
    entries.push({ state: "queued", at: 2 });
    expect(historyEntries(history)).toEqual([{ state: "pending", at: 1 }]);
  });
});
