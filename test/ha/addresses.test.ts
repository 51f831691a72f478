// Several control plane addresses: how they are given (flag, env, ClientOptions) and checked.
import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { addressList } from "../../src/config.ts";
import { FastWorkerError } from "../../src/errors.ts";
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
