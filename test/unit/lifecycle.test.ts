// The start/stop primitive (src/control-plane/lifecycle.ts), without sockets or Workers.
import { describe, expect, test } from "bun:test";
import { Lifecycle } from "../../src/control-plane/lifecycle.ts";
import type { Logger } from "../../src/log.ts";

const silent: Logger = () => {};

function recorder() {
  const released: string[] = [];
  const gate = Promise.withResolvers<void>();
  const steps = () => [
    { name: "first", run: () => void released.push("first") },
    { name: "slow", run: async () => (await gate.promise, released.push("slow")) },
  ];
  return { released, gate, steps };
}

describe("Lifecycle", () => {
  test("a second stop() waits for the first to finish instead of returning early", async () => {
    const { released, gate, steps } = recorder();
    const life = new Lifecycle("thing", silent, steps);
    await life.start(async () => {});
    expect(life.running).toBe(true);
    let secondDone = false;
    const first = life.stop();
    const second = life.stop().then(() => (secondDone = true));
    await Promise.resolve();
    expect(secondDone).toBe(false);
    gate.resolve();
    await Promise.all([first, second]);
    expect(released).toEqual(["first", "slow"]); // released once, not twice
    expect(life.state).toBe("stopped");
  });

  test("a caller's deadline bounds its own wait with E_TIMEOUT naming the step still pending", async () => {
    const { gate, steps } = recorder();
    const life = new Lifecycle("thing", silent, steps);
    await life.start(async () => {});
    const bounded = life.stop({ deadlineMs: 20 }); // the deadline is the behaviour under test
    await expect(bounded).rejects.toMatchObject({ code: "E_TIMEOUT", message: expect.stringContaining("slow") });
    gate.resolve();
    await life.stop(); // the release itself went on and ends
  });

  test("a failed start releases what it acquired and rethrows the start error", async () => {
    const { released, gate, steps } = recorder();
    gate.resolve();
    const life = new Lifecycle("thing", silent, steps);
    await expect(life.start(async () => { throw new Error("no disk"); })).rejects.toThrow("no disk");
    expect(released).toEqual(["first", "slow"]);
    expect(life.state).toBe("stopped");
    await expect(life.start(async () => {})).rejects.toThrow("thing already stopped");
  });

  test("a stop during start releases again once start has acquired the rest, and start reports E_SHUTTING_DOWN", async () => {
    const { released, gate, steps } = recorder();
    gate.resolve();
    const life = new Lifecycle("thing", silent, steps);
    const acquired = Promise.withResolvers<void>();
    const starting = life.start(() => acquired.promise);
    const stopping = life.stop();
    acquired.resolve();
    await expect(starting).rejects.toMatchObject({ code: "E_SHUTTING_DOWN" });
    await stopping;
    expect(released).toEqual(["first", "slow", "first", "slow"]);
  });
});
