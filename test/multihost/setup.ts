// Shared by the multi-host tests: N fresh network-namespace hosts and a test CA whose server
// certificate names the first host's address (where the control plane listens), removed afterwards.
import { afterAll, beforeAll } from "bun:test";
import { makeTestCa, type TestCa } from "../helpers/certs.ts";
import { createHosts, type Host, type Hosts } from "../helpers/netns.ts";
import { killAll } from "../helpers/processes.ts";

export interface MultiHost {
  /** hosts[0] runs the control plane. */
  readonly hosts: readonly Host[];
  readonly ca: TestCa;
}

/** Registers beforeAll/afterAll for `count` hosts; read the returned object inside tests only. */
export function useHosts(count: number, caName: string): MultiHost {
  let net: Hosts | undefined;
  let ca: TestCa | undefined;
  beforeAll(() => {
    net = createHosts(count);
    ca = makeTestCa(caName, [net.hosts[0]!.ip]);
  });
  afterAll(async () => {
    await killAll();
    ca?.remove();
    net?.remove();
  });
  return {
    get hosts() {
      if (!net) throw new Error("the hosts exist only inside tests (after beforeAll)");
      return net.hosts;
    },
    get ca() {
      if (!ca) throw new Error("the CA exists only inside tests (after beforeAll)");
      return ca;
    },
  };
}
