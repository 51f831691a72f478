// ERROR_CODES is the one table of how each ErrorCode crosses the wire and what the CLI exits with.
import { describe, expect, test } from "bun:test";
import { exitCodeFor } from "../../src/cli/exit-codes.ts";
import {
  ERROR_CODES, FastWorkerError, fromWireError, NotLeaderError, ProtocolError, TaskError, toWireError, UnavailableError, type ErrorCode,
} from "../../src/errors.ts";
import { decodeReply, encodeFrame, errorFrame } from "../../src/protocol/index.ts";

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const CLASS = { task: TaskError, protocol: ProtocolError, unavailable: UnavailableError, general: FastWorkerError } as const;

/** What a client rebuilds from a submit reply that carries `error` for one task, as it travels (encoded frame). */
function acrossTheWire(error: unknown): FastWorkerError {
  const bytes = encodeFrame({ v: 1, type: "submitted", tasks: [{ id: "t1", error: toWireError(error) }] });
  const reply = decodeReply(bytes);
  if (reply.type !== "submitted") throw new Error(`unexpected reply ${reply.type}`);
  const wire = reply.tasks[0]?.error;
  if (wire === undefined) throw new Error("the reply lost the error");
  return fromWireError(wire, "t1");
}

describe("ERROR_CODES", () => {
  test("a journal failure reaches a remote submitter as E_JOURNAL, not E_INTERNAL", () => {
    const rebuilt = acrossTheWire(new FastWorkerError("E_JOURNAL", "disk full; the tasks were not accepted"));
    expect(rebuilt.code).toBe("E_JOURNAL");
    expect(rebuilt.message).toBe("disk full; the tasks were not accepted");
    expect(exitCodeFor(rebuilt)).toBe(2);
  });

  test.each(CODES.filter((code) => ERROR_CODES[code].remote))("%s keeps its code and class across the wire", (code) => {
    const rebuilt = acrossTheWire(new FastWorkerError(code, `raised as ${code}`));
    expect(rebuilt.code).toBe(code);
    expect(rebuilt).toBeInstanceOf(CLASS[ERROR_CODES[code].kind]);
    if (rebuilt instanceof TaskError) expect(rebuilt.taskId).toBe("t1");
  });

  test.each(CODES.filter((code) => !ERROR_CODES[code].remote))("%s describes the sender's own process: it arrives as E_INTERNAL", (code) => {
    const rebuilt = acrossTheWire(new FastWorkerError(code, "address in use on the server"));
    expect(rebuilt.code).toBe("E_INTERNAL");
    expect(rebuilt.message).toBe("address in use on the server");
  });

  test("E_NOT_LEADER carries the active control plane's address across the wire, in an error frame too, and is bounded", () => {
    const rebuilt = acrossTheWire(new NotLeaderError("a standby", "tcp://10.0.0.2:5555"));
    expect(rebuilt).toBeInstanceOf(NotLeaderError);
    expect((rebuilt as NotLeaderError).leaderAddress).toBe("tcp://10.0.0.2:5555");
    expect(exitCodeFor(rebuilt)).toBe(3);
    const frame = decodeReply(errorFrame(new NotLeaderError("a standby", "tcp://10.0.0.3:5555")));
    expect(frame.type === "error" && frame.error.leaderAddress).toBe("tcp://10.0.0.3:5555");
    expect(fromWireError({ code: "E_NOT_LEADER", message: "no leader known" })).toMatchObject({ code: "E_NOT_LEADER", leaderAddress: undefined });
    const huge = encodeFrame({ v: 1, type: "error", error: { code: "E_NOT_LEADER", message: "x", leaderAddress: `tcp://${"a".repeat(5_000)}:1` } });
    expect(() => decodeReply(huge)).toThrow(/leaderAddress/);
  });

  test("a code no version of FastWorker defines arrives as E_INTERNAL", () => {
    expect(fromWireError({ code: "E_FROM_THE_FUTURE", message: "x" }).code).toBe("E_INTERNAL");
    expect(fromWireError({ code: "toString", message: "x" }).code).toBe("E_INTERNAL");
  });

  test("the CLI's exit status comes from the same table", () => {
    expect(exitCodeFor(new FastWorkerError("E_CONFIG", "x"))).toBe(2);
    expect(exitCodeFor(new UnavailableError("x"))).toBe(3);
    expect(exitCodeFor(new TaskError("E_TASK_FAILED", "x"))).toBe(1);
    expect(exitCodeFor(new Error("not ours"))).toBe(1);
    for (const code of CODES) expect([1, 2, 3]).toContain(exitCodeFor(new FastWorkerError(code, "x")));
  });
});
