// Several control plane addresses: how they are given (flag, env, ClientOptions) and checked.
import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { addressList } from "../../src/config.ts";
import { failoverCause, leaderHint } from "../../src/connection/failover.ts";
import { FastWorkerError, NngError, NotLeaderError, TaskError, UnavailableError } from "../../src/errors.ts";
import { cli } from "../helpers/cli.ts";
import { startControlPlane } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll } from "../helpers/processes.ts";

afterAll(killAll);

describe("address lists", () => {
  test("addressList takes one address or several comma-separated, and refuses empty or malformed entries", () => {
    expect(addressList("tcp://127.0.0.1:5555")).toBe("tcp://127.0.0.1:5555");
    expect(addressList("tcp://a:1, tls+tcp://b:2")).toBe("tcp://a:1,tls+tcp://b:2");
    expect(() => addressList("tcp://a:1,")).toThrow(/empty entry/);
    expect(() => addressList("tcp://a:1,b:2")).toThrow(/expected an NNG address/);
  });

  test("what makes a request move: a standby, no answer, a reset connection; never a task's own failure. A named leader is used only when it is an NNG address", () => {
    expect(failoverCause(new NotLeaderError("standby", "tcp://10.0.0.1:5555"))).toBe("not-leader");
    expect(failoverCause(new UnavailableError("no answer"))).toBe("unavailable");
    expect(failoverCause(new NngError("E_NNG", 19, "NNG_ECONNRESET", "reset"))).toBe("unavailable");
    expect(failoverCause(new FastWorkerError("E_TIMEOUT", "late"))).toBe("unavailable");
    expect(failoverCause(new TaskError("E_TASK_FAILED", "boom"))).toBeUndefined();
    expect(failoverCause(new FastWorkerError("E_CLOSED", "client stopped"))).toBeUndefined();
    expect(failoverCause(new FastWorkerError("E_UNAUTHORIZED", "bad token"))).toBeUndefined();
    expect(leaderHint(new NotLeaderError("standby", "tls+tcp://10.0.0.1:5555"))).toBe("tls+tcp://10.0.0.1:5555");
    expect(leaderHint(new NotLeaderError("standby", "10.0.0.1:5555; rm -rf /"))).toBeUndefined();
    expect(leaderHint(new NotLeaderError("standby"))).toBeUndefined();
  });

  test("ClientOptions.addresses must name at least one valid address (E_CONFIG before any socket)", async () => {
    const empty = await new Client({ addresses: [] }).start().then(() => undefined, (e: unknown) => e);
    expect(empty).toBeInstanceOf(FastWorkerError);
    expect((empty as FastWorkerError).code).toBe("E_CONFIG");
    const bad = await new Client({ addresses: ["127.0.0.1:5555"] }).start().then(() => undefined, (e: unknown) => e);
    expect((bad as FastWorkerError).code).toBe("E_CONFIG");
    expect((bad as Error).message).toContain("ClientOptions.addresses");
  });

  test("the CLI's --control-plane-address a,b (and FASTWORKER_CONTROL_PLANE_ADDRESS) moves past a control plane that is not there", async () => {
    const { cp, address } = await startControlPlane();
    const dead = await freeAddress();
    try {
      const run = cli(["status", "--control-plane-address", `${dead},${address}`, "--connect-timeout", "4", "--json"]);
      expect(run.err).toBe("");
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toHaveProperty("workers");
      const viaEnv = cli(["status", "--connect-timeout", "4", "--json"], { FASTWORKER_CONTROL_PLANE_ADDRESS: `${dead},${address}` });
      expect(viaEnv.code).toBe(0);
      const refused = cli(["status", "--control-plane-address", `${address},`]);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain("control-plane-address");
    } finally {
      await cp.stop();
    }
  });
});
