// The per-connection policy on the pipe registry, with a hand-moved clock and the closes recorded
// (the real nng_pipe_close and the real sockets are exercised by test/security/connections.test.ts).
import { describe, expect, test } from "bun:test";
import { checkConnectionLimits, ConnectionLimits, fitToDescriptors, type ConnectionLimitOptions } from "../../src/control-plane/connection-limits.ts";
import { HeldWaits } from "../../src/control-plane/held-waits.ts";
import { PipeRegistry } from "../../src/control-plane/pipe-registry.ts";
import { decodeReply, PROTOCOL_VERSION, type Request } from "../../src/protocol/index.ts";
import type { LogLevel } from "../../src/log.ts";

function setup(options: Partial<ConnectionLimitOptions> = {}, trusted: (pipe: number) => boolean = () => false) {
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const pipes = new PipeRegistry(clock.now);
  const closed: number[] = [];
  const logs: Array<{ level: LogLevel; msg: string; fields?: Record<string, unknown> }> = [];
  const limits = new ConnectionLimits(pipes, { maxConnections: 3, maxRequestsPerConnection: 2, maxHeldPerConnection: 2, idleTimeoutMs: 1000, ...options }, {
    // A closed pipe's removal follows, as NNG reports it.
    close: (pipe) => { closed.push(pipe); pipes.removed(pipe); return true; },
    trusted, log: (level, msg, fields) => void logs.push({ level, msg, ...(fields ? { fields } : {}) }), now: clock.now,
  });
  return { clock, pipes, closed, logs, limits };
}

const status: Request = { v: PROTOCOL_VERSION, type: "status" };
const collect: Request = { v: PROTOCOL_VERSION, type: "collect", clientId: "c", waitMs: 1000 };
const code = (frame: Uint8Array | undefined) => {
  const reply = frame && decodeReply(frame);
  return reply?.type === "error" ? reply.error.code : reply?.type;
};

describe("ConnectionLimits", () => {
  test("a request beyond the connection's cap is refused with E_TOO_MANY_REQUESTS; its own count frees as replies go", async () => {
    const { limits } = setup();
    let release!: () => void;
    const gate = new Promise<Uint8Array>((resolve) => (release = () => resolve(new Uint8Array([1]))));
    const running = [limits.serve(7, () => gate), limits.serve(7, () => gate)];
    let third: Uint8Array | undefined;
    limits.serve(7, () => (third = limits.refuse(status, 7)) ?? new Uint8Array());
    expect(code(third)).toBe("E_TOO_MANY_REQUESTS");
    let other: Uint8Array | undefined = new Uint8Array();
    limits.serve(8, () => (other = limits.refuse(status, 8)) ?? new Uint8Array()); // another pipe has its own share
    expect(other).toBeUndefined();
    release();
    await Promise.all(running);
    let after: Uint8Array | undefined = new Uint8Array();
    limits.serve(7, () => (after = limits.refuse(status, 7)) ?? new Uint8Array());
    expect(after).toBeUndefined();
  });

  test("a long-poll on a pipe at its held cap is left to HeldWaits (E_TOO_MANY_WAITS says more)", async () => {
    const { limits, pipes } = setup();
    const held = new HeldWaits(1000, 2, pipes);
    const never = (signal: AbortSignal) => new Promise<Uint8Array>((resolve) => signal.addEventListener("abort", () => resolve(new Uint8Array())));
    void limits.serve(7, () => held.hold(7, never));
    void limits.serve(7, () => held.hold(7, never));
    let decided: Uint8Array | undefined = new Uint8Array();
    limits.serve(7, () => (decided = limits.refuse(collect, 7)) ?? new Uint8Array());
    expect(decided).toBeUndefined();
    limits.serve(7, () => (decided = limits.refuse(status, 7)) ?? new Uint8Array());
    expect(code(decided)).toBe("E_TOO_MANY_REQUESTS");
    held.release(7);
  });

  test("beyond --max-connections a new pipe is closed at once, with one warning per 10 s carrying the count", () => {
    const { limits, pipes, closed, logs, clock } = setup({ idleTimeoutMs: 0 });
    for (const pipe of [1, 2, 3]) limits.added(pipe);
    expect(pipes.connected).toBe(3);
    for (const pipe of [4, 5, 6]) limits.added(pipe);
    expect(closed).toEqual([4, 5, 6]);
    expect(pipes.connected).toBe(3);
    expect(logs.filter((l) => l.level === "warn").map((l) => l.fields?.refused)).toEqual([1]);
    clock.advance(10_000);
    limits.sweep(); // the two refused since the line above are reported once the 10 s are up
    expect(logs.filter((l) => l.level === "warn").map((l) => l.fields?.refused)).toEqual([1, 2]);
    pipes.removed(1);
    limits.added(7); // room again
    expect(pipes.connected).toBe(3);
    expect(closed).toEqual([4, 5, 6]);
  });

  test("an idle pipe is closed after the idle timeout, a busy one never, a trusted one after 10 ×", async () => {
    const { limits, pipes, closed, clock } = setup({ maxConnections: 10 }, (pipe) => pipe === 3);
    for (const pipe of [1, 2, 3]) limits.added(pipe);
    let release!: () => void;
    const busy = limits.serve(2, () => new Promise<Uint8Array>((resolve) => (release = () => resolve(new Uint8Array()))));
    clock.advance(999);
    expect(limits.sweep()).toBe(0);
    clock.advance(1);
    expect(limits.sweep()).toBe(1);
    expect(closed).toEqual([1]);
    clock.advance(5000);
    limits.sweep();
    expect(closed).toEqual([1]); // pipe 2 has a request in progress, pipe 3 is trusted
    release();
    await busy;
    clock.advance(1000);
    limits.sweep();
    expect(closed).toEqual([1, 2]);
    clock.advance(4000);
    limits.sweep();
    expect(closed).toEqual([1, 2, 3]);
    expect(pipes.connected).toBe(0);
  });

  test("--idle-timeout-ms 0 never closes; state of a pipe NNG already removed is forgotten", () => {
    const { limits, pipes, closed, clock } = setup({ idleTimeoutMs: 0 });
    limits.added(1);
    void limits.serve(9, () => new Uint8Array()); // a late request of a pipe whose removal came first
    clock.advance(60_000);
    limits.sweep();
    expect(closed).toEqual([9]);
    expect(pipes.peek(9)).toBeUndefined();
    expect(pipes.connected).toBe(1);
  });

  test("limits out of range are E_CONFIG", () => {
    for (const bad of [{ maxConnections: 0 }, { maxRequestsPerConnection: 0 }, { maxRequestsPerConnection: 4097 }, { idleTimeoutMs: -1 }, { idleTimeoutMs: 1.5 }]) {
      expect(() => checkConnectionLimits({ maxConnections: 10, maxRequestsPerConnection: 10, idleTimeoutMs: 10, ...bad })).toThrow(expect.objectContaining({ code: "E_CONFIG" }));
    }
  });
});

describe("fitToDescriptors", () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
  test("keeps a limit the descriptors allow; lowers one they do not, with one warning", () => {
    const lines: string[] = [];
    const log = (_level: LogLevel, msg: string) => void lines.push(msg);
    expect(fitToDescriptors(4096, log, limits("20000"))).toBe(4096);
    expect(fitToDescriptors(4096, log, limits("unlimited"))).toBe(4096);
    expect(fitToDescriptors(4096, log, undefined)).toBe(4096);
    expect(lines).toEqual([]);
    expect(fitToDescriptors(4096, log, limits("1024"))).toBe(1024 - 128);
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("--max-connections");
  });
});
