import type { Announce, Reply, Request, TaskDone, TaskRecord } from "../../src/protocol/index.ts";

/**
 * One or more valid frames of every type, filled with every optional field somewhere (records with
 * history, errors, progress, logs, kwargs; callbacks), for test/protocol/schema-guard.test.ts.
 */

const hex64 = "0123456789abcdef".repeat(4);

export const fullRecord: TaskRecord = {
  taskId: "t-1", name: "add", status: "failure", priority: "high",
  args: [1, { deep: [1, 2, { x: null }] }, "s"], kwargs: { scale: 3, nested: { a: [true] } }, result: { sum: 3 },
  error: { code: "E_TASK_FAILED", message: "boom", stack: "Error: boom\n    at x", retryAfterMs: 10, leaderAddress: "tcp://127.0.0.1:1" },
  attempts: 2, workerId: "w-1",
  timings: { submittedAt: 1_000, dueAt: 1_001, startedAt: 1_005, finishedAt: 1_010.5 },
  history: [{ state: "pending", at: 1_000 }, { state: "queued", at: 1_001 }, { state: "running", at: 1_005 }, { state: "failure", at: 1_010 }],
  progress: { step: 3, of: 4 },
  logs: [{ at: 1_006, message: "starting" }, { at: 1_007, message: "" }],
};
const smallRecord: TaskRecord = {
  taskId: "t-2", name: "noop", status: "success", priority: "normal", result: null, attempts: 0,
  timings: { submittedAt: 0 }, history: [], progress: 100,
};

const outcomes = [
  { id: "t-1", attempt: 1, ok: true as const, result: [1, [2, [3]]], startedAt: 1, finishedAt: 2 },
  { id: "t-2", attempt: 2, ok: false as const, error: { code: "E_TASK_FAILED", message: "boom" }, retry: { delayMs: 50 }, startedAt: 1, finishedAt: 3 },
  { id: "t-3", attempt: 0, ok: false as const, error: { code: "E_TASK_TIMEOUT", message: "late" }, retry: "never" as const, finishedAt: 9 },
  { id: "t-4", attempt: 1, ok: false as const, error: { code: "E_X", message: "x" }, retry: "policy" as const, finishedAt: 9 },
];

export const requests: Request[] = [
  {
    v: 1, type: "submit", wait: true, waitFor: "any", waitMs: 5_000, clientId: "c-1",
    tasks: [
      { id: "t-1", name: "add", args: [1, 2] },
      {
        id: "t-2", name: "resize", args: ["a.png", { w: [1] }], kwargs: { width: 100, opts: { a: 1 } }, priority: "critical", retries: 3,
        timeoutMs: 1_000, etaMs: 2_000, countdownMs: 10, idempotencyKey: "k",
        callback: { address: "tcp://127.0.0.1:6000", data: { n: [1] } }, traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
      { id: "t-3", name: "cb", args: [], callback: { address: "x" } },
    ],
  },
  { v: 1, type: "result", ids: ["t-1", "t-2"], waitMs: 100, waitFor: "all", clientId: "c-1" },
  { v: 1, type: "collect", clientId: "c-1", waitMs: 0 },
  { v: 1, type: "cancel", ids: ["t-1"] },
  { v: 1, type: "status" },
  { v: 1, type: "status", workersOffset: 10, workersLimit: 5_000, standby: true },
  { v: 1, type: "hello", workerId: "w-1", capacity: 4, tasks: ["add"], protocol: 1, version: "0.1.0", host: "h", pid: 42 },
  { v: 1, type: "lease", workerId: "w-1", credits: 4, idle: 2, overtake: "high", waitMs: 1_000 },
  {
    v: 1, type: "report", workerId: "w-1", running: ["t-3"], credits: 2, waitMs: 500, outcomes,
    progress: [{ id: "t-3", attempt: 1, progress: 42.5 }, { id: "t-3", attempt: 1, progress: { phase: "b" } }],
    logs: [{ id: "t-3", attempt: 1, at: 7, message: "hello" }],
  },
  { v: 1, type: "bye", workerId: "w-1", outcomes },
  { v: 1, type: "watch", watchId: "w", ids: ["t-1"], waitMs: 10 },
  { v: 1, type: "auth_begin", role: "worker", nonce: hex64 },
  { v: 1, type: "auth_prove", proof: hex64 },
];

export const replies: Reply[] = [
  { v: 1, type: "submitted", tasks: [{ id: "t-1", status: "queued" }, { id: "t-2", error: { code: "E_DUPLICATE_ID", message: "dup" } }] },
  { v: 1, type: "results", results: [fullRecord, smallRecord], missing: [{ id: "t-9", error: { code: "E_TASK_NOT_FOUND", message: "no such task" } }] },
  { v: 1, type: "cancelled", outcomes: [{ id: "t-1", cancelled: true, status: "cancelled" }, { id: "t-2", cancelled: false, error: { code: "E_NOT_CANCELLABLE", message: "done" } }] },
  {
    v: 1, type: "status_reply", cpId: "cp-1", version: "0.1.0", protocol: 1, startedAt: 1,
    queues: { critical: 0, high: 1, normal: 2, low: 3 }, scheduled: 4, running: 5,
    workers: [{
      id: "w-1", kind: "subworker", state: "active", capacity: 4, running: 1, tasks: ["add"], lastSeenAt: 10, registeredAt: 1,
      completed: 7, host: "h", pid: 42,
    }],
    workersTotal: 1, cache: { size: 1, maxSize: 10_000, ttlMs: 3_600_000 }, tasks: ["add"],
    role: "standby", epoch: 3, leader: "tcp://127.0.0.1:2", journal: "sqlite",
  },
  { v: 1, type: "welcome", cpId: "cp-1", heartbeatMs: 1_000, workerTimeoutMs: 5_000 },
  {
    v: 1, type: "leased", cancel: ["t-0"], reregister: false,
    tasks: [{ id: "t-1", name: "add", args: [1, 2], attempt: 1, priority: "normal", timeoutMs: 100, traceparent: "tp" }],
  },
  { v: 1, type: "ack" },
  { v: 1, type: "error", error: { code: "E_UNKNOWN_TASK", message: "no task named nope", stack: "Error: ..." }, ids: ["t-1"] },
  {
    v: 1, type: "events", missed: 0, unknown: ["t-8"],
    events: [{ name: "task.succeeded", taskId: "t-1", at: 5, payload: { record: fullRecord } }, { name: "task.queued", taskId: "t-2", at: 6, payload: null }],
  },
  { v: 1, type: "auth_challenge", nonce: hex64, proof: hex64 },
  { v: 1, type: "authenticated", role: "client" },
];

export const announces: Announce[] = [
  { v: 1, type: "announce", cpId: "cp-1", address: "tcp://10.0.0.1:5555", version: "0.1.0", protocol: 1, guiUrl: "http://h:8000", at: 5 },
];

export const taskDones: TaskDone[] = [
  { v: 1, type: "task_done", record: fullRecord, callbackData: { n: [1, { m: 2 }] } },
  { v: 1, type: "task_done", record: smallRecord },
];
