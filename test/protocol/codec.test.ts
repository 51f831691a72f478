import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../src/errors.ts";
import {
  decodeAnnounce, decodeReply, decodeRequest, decodeTaskDone, encodeFrame, errorFrame,
  type Announce, type TaskDone, type TaskRecord,
} from "../../src/protocol/index.ts";
import { replies, requests } from "./frame-corpus.ts";

const enc = new TextEncoder();
const bytes = (text: string) => enc.encode(text);
const json = (value: unknown) => bytes(JSON.stringify(value));

const record: TaskRecord = {
  taskId: "t-1",
  name: "add",
  status: "success",
  priority: "high",
  args: [1, 2],
  kwargs: { scale: 3 },
  result: { sum: 3 },
  attempts: 1,
  workerId: "w-1",
  timings: { submittedAt: 1_000, startedAt: 1_005, finishedAt: 1_010 },
  history: [{ state: "pending", at: 1_000 }, { state: "queued", at: 1_001 }, { state: "running", at: 1_005 }, { state: "success", at: 1_010 }],
};

describe("codec round trips", () => {
  test.each(requests.map((frame) => [frame.type, frame] as const))("request %s", (_, frame) => {
    expect(decodeRequest(encodeFrame(frame))).toEqual(frame);
  });

  test.each(replies.map((frame) => [frame.type, frame] as const))("reply %s", (_, frame) => {
    expect(decodeReply(encodeFrame(frame))).toEqual(frame);
  });

  test("every request and reply type is covered (frame-corpus.ts, shared with the guard's tests)", () => {
    expect(new Set(requests.map((f) => f.type)).size).toBe(12);
    expect(new Set(replies.map((f) => f.type)).size).toBe(11);
  });

  test("announce and task_done", () => {
    const announce: Announce = { v: 1, type: "announce", cpId: "cp-1", address: "tcp://10.0.0.1:5555", version: "0.1.0", protocol: 1, guiUrl: "http://h:8000", at: 5 };
    const done: TaskDone = { v: 1, type: "task_done", record, callbackData: { n: 1 } };
    expect(decodeAnnounce(encodeFrame(announce))).toEqual(announce);
    expect(decodeTaskDone(encodeFrame(done))).toEqual(done);
  });

  test("errorFrame carries the typed code and the ids it answers", () => {
    const reply = decodeReply(errorFrame(new ProtocolError("E_DECODE", "bad bytes"), ["t-1"]));
    expect(reply).toMatchObject({ type: "error", error: { code: "E_DECODE", message: "bad bytes" }, ids: ["t-1"] });
  });
});

/** Decodes and returns the ProtocolError it must throw. */
function rejection(input: Uint8Array, decode: (b: Uint8Array) => unknown = decodeRequest): ProtocolError {
  try {
    decode(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error(`decoding ${JSON.stringify(new TextDecoder().decode(input))} did not throw`);
}

describe("bad input becomes a typed ProtocolError", () => {
  test.each([
    ["garbage bytes", Uint8Array.from([0x00, 0x13, 0x37, 0x42, 0x7f])],
    ["plain text", bytes("hello there")],
    ["an empty message", new Uint8Array(0)],
    ["invalid UTF-8 inside a JSON string", Uint8Array.from([...bytes('{"v":1,"type":"status","x":"'), 0xc3, 0x28, ...bytes('"}')])],
    ["a lone continuation byte", Uint8Array.from([0x80])],
    ["truncated JSON", bytes('{"v":1,"type":"sub')],
    ["a JSON array", bytes('[{"v":1,"type":"status"}]')],
    ["a JSON number", bytes("42")],
    ["JSON null", bytes("null")],
    ["a JSON string", bytes('"status"')],
  ])("%s: E_DECODE", (_, input) => {
    expect(rejection(input).code).toBe("E_DECODE");
  });

  test("wrong field types: E_INVALID_FRAME naming the path", () => {
    const args = rejection(json({ v: 1, type: "submit", tasks: [{ id: "t-1", name: "add", args: "not an array" }] }));
    expect(args.code).toBe("E_INVALID_FRAME");
    expect(args.message).toContain("tasks.0.args");

    const credits = rejection(json({ v: 1, type: "lease", workerId: "w-1", credits: -1, waitMs: 0 }));
    expect(credits.code).toBe("E_INVALID_FRAME");
    expect(credits.message).toContain("credits");

    const nested = rejection(json({ v: 1, type: "results", results: [{ ...record, timings: { submittedAt: "yesterday" } }], missing: [] }), decodeReply);
    expect(nested.code).toBe("E_INVALID_FRAME");
    expect(nested.message).toContain("results.0.timings.submittedAt");
  });

  test("a missing required field: E_INVALID_FRAME", () => {
    const error = rejection(json({ v: 1, type: "hello", capacity: 1, tasks: [], protocol: 1 }));
    expect(error.code).toBe("E_INVALID_FRAME");
    expect(error.message).toContain("workerId");
  });

  test("oversize: E_FRAME_TOO_LARGE, checked before parsing", () => {
    const frame = encodeFrame({ v: 1, type: "status" });
    const error = rejection(frame, (b) => decodeRequest(b, frame.byteLength - 1));
    expect(error.code).toBe("E_FRAME_TOO_LARGE");
    expect(error.message).toContain(`${frame.byteLength} bytes`);
    // Not parsed at all: even garbage over the limit reports its size, not a decode error.
    expect(rejection(new Uint8Array(2_000).fill(0xff), (b) => decodeRequest(b, 1_024)).code).toBe("E_FRAME_TOO_LARGE");
    // Exactly at the limit is accepted.
    expect(decodeRequest(frame, frame.byteLength)).toEqual({ v: 1, type: "status" });
  });

  test("unknown type: E_UNKNOWN_FRAME, including a reply type sent as a request and vice versa", () => {
    expect(rejection(json({ v: 1, type: "launch_missiles" })).code).toBe("E_UNKNOWN_FRAME");
    expect(rejection(json({ v: 1 })).code).toBe("E_UNKNOWN_FRAME");
    expect(rejection(json({ v: 1, type: 7 })).code).toBe("E_UNKNOWN_FRAME");
    expect(rejection(json({ v: 1, type: "ack" })).code).toBe("E_UNKNOWN_FRAME");
    expect(rejection(json({ v: 1, type: "status" }), decodeReply).code).toBe("E_UNKNOWN_FRAME");
  });

  test("unknown v: E_UNSUPPORTED_VERSION, checked before the type", () => {
    expect(rejection(json({ v: 2, type: "status" })).code).toBe("E_UNSUPPORTED_VERSION");
    expect(rejection(json({ v: "1", type: "status" })).code).toBe("E_UNSUPPORTED_VERSION");
    expect(rejection(json({ type: "status" })).code).toBe("E_UNSUPPORTED_VERSION");
    expect(rejection(json({ v: 99, type: "no_such_type" })).code).toBe("E_UNSUPPORTED_VERSION");
  });
});

test("error frames carry a code and a message, never the server's stack", async () => {
  const { decodeReply, errorFrame } = await import("../../src/protocol/index.ts");
  const reply = decodeReply(errorFrame(new Error("boom")));
  expect(reply.type).toBe("error");
  if (reply.type !== "error") return;
  expect(reply.error).toEqual({ code: "E_INTERNAL", message: "Error: boom" });
});
