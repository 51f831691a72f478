// Every bound of docs/protocol.md "Limits", at the bound and one past it.
import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../src/errors.ts";
import {
  decodeRequest, MAX_CAPACITY, MAX_HELLO_TASKS, MAX_ID_CHARS, MAX_IDEMPOTENCY_KEY_CHARS, MAX_IDS_PER_CANCEL,
  MAX_IDS_PER_POLL, MAX_JSON_DEPTH, MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_OUTCOMES_PER_REPORT, MAX_TASKS_PER_SUBMIT,
  withinDepth, type Request,
} from "../../src/protocol/index.ts";

const enc = new TextEncoder();
const BIG = 64 * 1024 * 1024;
const decode = (frame: unknown): Request => decodeRequest(enc.encode(JSON.stringify(frame)), BIG);
/** Frames too deep for JSON.stringify are written by hand. */
const decodeRaw = (text: string): Request => decodeRequest(enc.encode(text), BIG);

function refusal(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error("the frame was accepted");
}

/** `depth` nested arrays: depth 1 is [], depth 2 is [[]]. */
const nested = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const ids = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const spec = (i: number) => ({ id: `t${i}`, name: "add", args: [] });
const outcome = (i: number) => ({ id: `t${i}`, attempt: 1, ok: true, result: null, startedAt: 1, finishedAt: 2 });
const report = (extra: Record<string, unknown>) => ({ v: 1, type: "report", workerId: "w", outcomes: [], running: [], credits: 0, waitMs: 0, ...extra });
const hello = (extra: Record<string, unknown>) => ({ v: 1, type: "hello", workerId: "w", capacity: 1, tasks: ["add"], protocol: 1, ...extra });

describe("list bounds", () => {
  const cases: Array<[string, number, (n: number) => unknown, string]> = [
    ["cancel.ids", MAX_IDS_PER_CANCEL, (n) => ({ v: 1, type: "cancel", ids: ids(n) }), "ids"],
    ["result.ids", MAX_IDS_PER_POLL, (n) => ({ v: 1, type: "result", ids: ids(n) }), "ids"],
    ["watch.ids", MAX_IDS_PER_POLL, (n) => ({ v: 1, type: "watch", watchId: "w", ids: ids(n), waitMs: 0 }), "ids"],
    ["hello.tasks", MAX_HELLO_TASKS, (n) => hello({ tasks: ids(n) }), "tasks"],
    ["submit.tasks", MAX_TASKS_PER_SUBMIT, (n) => ({ v: 1, type: "submit", tasks: Array.from({ length: n }, (_, i) => spec(i)) }), "tasks"],
    ["report.outcomes", MAX_OUTCOMES_PER_REPORT, (n) => report({ outcomes: Array.from({ length: n }, (_, i) => outcome(i)) }), "outcomes"],
    ["report.running", MAX_OUTCOMES_PER_REPORT, (n) => report({ running: ids(n) }), "running"],
    ["bye.outcomes", MAX_OUTCOMES_PER_REPORT, (n) => ({ v: 1, type: "bye", workerId: "w", outcomes: Array.from({ length: n }, (_, i) => outcome(i)) }), "outcomes"],
  ];
  test.each(cases)("%s: %d items pass, one more is E_INVALID_FRAME naming the field and the bound", (_, max, frame, field) => {
    expect(() => decode(frame(max))).not.toThrow();
    const error = refusal(() => decode(frame(max + 1)));
    expect(error.code).toBe("E_INVALID_FRAME");
    expect(error.message).toContain(`${field}: at most ${max} items`);
  });
});

describe("number bounds", () => {
  const cases: Array<[string, (n: number) => unknown, string]> = [
    ["hello.capacity", (n) => hello({ capacity: n }), "capacity"],
    ["lease.credits", (n) => ({ v: 1, type: "lease", workerId: "w", credits: n, waitMs: 0 }), "credits"],
    ["lease.idle", (n) => ({ v: 1, type: "lease", workerId: "w", credits: 1, idle: n, waitMs: 0 }), "idle"],
    ["report.credits", (n) => report({ credits: n }), "credits"],
  ];
  test.each(cases)("%s: MAX_CAPACITY passes, one more is E_INVALID_FRAME naming the field and the bound", (_, frame, field) => {
    expect(() => decode(frame(MAX_CAPACITY))).not.toThrow();
    const error = refusal(() => decode(frame(MAX_CAPACITY + 1)));
    expect(error.code).toBe("E_INVALID_FRAME");
    expect(error.message).toContain(`${field}: at most ${MAX_CAPACITY}`);
  });
});

describe("string bounds", () => {
  const task = (extra: Record<string, unknown>) => ({ v: 1, type: "submit", tasks: [{ ...spec(0), ...extra }] });
  const failed = (message: string) => report({ outcomes: [{ id: "t", attempt: 1, ok: false, error: { code: "E_TASK_FAILED", message }, retry: "never", finishedAt: 2 }] });
  const cases: Array<[string, number, (s: string) => unknown, string]> = [
    ["task id", MAX_ID_CHARS, (s) => task({ id: s }), "tasks.0.id"],
    ["task name", MAX_NAME_CHARS, (s) => task({ name: s }), "tasks.0.name"],
    ["idempotency key", MAX_IDEMPOTENCY_KEY_CHARS, (s) => task({ idempotencyKey: s }), "tasks.0.idempotencyKey"],
    ["worker id", MAX_ID_CHARS, (s) => hello({ workerId: s }), "workerId"],
    ["hello task name", MAX_NAME_CHARS, (s) => hello({ tasks: [s] }), "tasks.0"],
    ["error message", MAX_MESSAGE_CHARS, (s) => failed(s), "outcomes.0.error.message"],
  ];
  test.each(cases)("%s: %d characters pass, one more is E_INVALID_FRAME naming the field and the bound", (_, max, frame, path) => {
    expect(() => decode(frame("x".repeat(max)))).not.toThrow();
    const error = refusal(() => decode(frame("x".repeat(max + 1))));
    expect(error.code).toBe("E_INVALID_FRAME");
    expect(error.message).toContain(`${path}: at most ${max} characters`);
  });
});

describe("nesting depth", () => {
  const submitArgs = (args: string) => `{"v":1,"type":"submit","tasks":[{"id":"t","name":"add","args":${args}}]}`;
  const submitKwargs = (value: string) => `{"v":1,"type":"submit","tasks":[{"id":"t","name":"add","args":[],"kwargs":{"k":${value}}}]}`;
  const reportResult = (value: string) => `{"v":1,"type":"report","workerId":"w","outcomes":[{"id":"t","attempt":1,"ok":true,"result":${value},"startedAt":1,"finishedAt":2}],"running":[],"credits":0,"waitMs":0}`;

  test("args: MAX_JSON_DEPTH levels (the args array included) pass, one more is E_INVALID_ARGS naming the field and the bound", () => {
    expect(() => decodeRaw(submitArgs(nested(MAX_JSON_DEPTH)))).not.toThrow();
    const error = refusal(() => decodeRaw(submitArgs(nested(MAX_JSON_DEPTH + 1))));
    expect(error.code).toBe("E_INVALID_ARGS");
    expect(error.message).toContain(`tasks.0.args: nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  test("kwargs: the kwargs object is the first level", () => {
    expect(() => decodeRaw(submitKwargs(nested(MAX_JSON_DEPTH - 1)))).not.toThrow();
    const error = refusal(() => decodeRaw(submitKwargs(nested(MAX_JSON_DEPTH))));
    expect(error.code).toBe("E_INVALID_ARGS");
    expect(error.message).toContain("tasks.0.kwargs");
  });

  test("a result nesting too deep is E_INVALID_FRAME (a subworker's fault, not the caller's arguments)", () => {
    expect(() => decodeRaw(reportResult(nested(MAX_JSON_DEPTH)))).not.toThrow();
    const error = refusal(() => decodeRaw(reportResult(nested(MAX_JSON_DEPTH + 1))));
    expect(error.code).toBe("E_INVALID_FRAME");
    expect(error.message).toContain(`outcomes.0.result: nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  test("callback data is bounded too", () => {
    const frame = (depth: number) => `{"v":1,"type":"submit","tasks":[{"id":"t","name":"add","args":[],"callback":{"address":"tcp://127.0.0.1:1","data":${nested(depth)}}}]}`;
    expect(() => decodeRaw(frame(MAX_JSON_DEPTH))).not.toThrow();
    expect(refusal(() => decodeRaw(frame(MAX_JSON_DEPTH + 1))).message).toContain("tasks.0.callback.data");
  });

  test("100 000 levels are refused quickly, without overflowing the stack", () => {
    const started = performance.now();
    expect(refusal(() => decodeRaw(submitArgs(nested(100_000)))).code).toBe("E_INVALID_ARGS");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("withinDepth counts arrays and objects, not scalars, and walks wide values whole", () => {
    expect(withinDepth(42, 0)).toBe(true);
    expect(withinDepth(null, 0)).toBe(true);
    expect(withinDepth([], 0)).toBe(false);
    expect(withinDepth({ a: [1, { b: "x" }] }, 3)).toBe(true);
    expect(withinDepth({ a: [1, { b: [] }] }, 3)).toBe(false);
    // The deep branch is the last of many siblings: the walk must not stop at the first shallow one.
    expect(withinDepth([1, 2, [], {}, [[[[]]]]], 4)).toBe(false);
    expect(withinDepth([1, 2, [], {}, [[[[]]]]], 5)).toBe(true);
    expect(withinDepth(JSON.parse(nested(100_000)), MAX_JSON_DEPTH)).toBe(false);
  });
});
