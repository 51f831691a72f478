import { describe, expect, test } from "bun:test";
import { CallbackPolicy } from "../../src/auth/callback-allow.ts";
import { isLoopbackAddress } from "../../src/auth/loopback.ts";
import { clientProof, proofsEqual, serverProof } from "../../src/auth/proofs.ts";

describe("callback targets", () => {
  const policy = new CallbackPolicy(["10.1.0.0/16", "hooks.example.com:7000", "relay.example.com:*", "fd00::/8"]);

  test("loopback and ipc are always allowed; listed CIDRs, endpoints and hosts are; everything else is not", () => {
    for (const ok of ["tcp://127.0.0.1:9000", "tcp://localhost:1", "tcp://[::1]:5", "ipc:///tmp/cb.ipc", "tcp://10.1.200.3:80", "tcp://hooks.example.com:7000", "tcp://relay.example.com:1234", "tcp://[fd12::1]:9"]) {
      expect(`${ok}: ${policy.allows(ok)}`).toBe(`${ok}: true`);
    }
    for (const no of ["tcp://10.2.0.1:80", "tcp://hooks.example.com:7001", "tcp://192.0.2.1:80", "tcp://0.0.0.0:80", "ws://127.0.0.1:80", "tcp://[fe80::1]:9", "tcp://127.0.0.1"]) {
      expect(`${no}: ${policy.allows(no)}`).toBe(`${no}: false`);
    }
  });

  test("a malformed entry is a configuration error naming it", () => {
    expect(() => new CallbackPolicy(["not a target"])).toThrow(/"not a target"/);
  });
});

test("loopback addresses: only this machine can reach them", () => {
  for (const a of ["tcp://127.0.0.1:5555", "tcp://127.3.4.5:1", "tcp://localhost:5555", "tcp://[::1]:5555", "ipc:///tmp/x", "tls+tcp://127.0.0.1:5"]) expect(isLoopbackAddress(a)).toBe(true);
  for (const a of ["tcp://0.0.0.0:5555", "tcp://*:5555", "tcp://:5555", "tcp://10.0.0.1:5555", "tls+tcp://cp.example.com:5555", "tcp://[::]:5555"]) expect(isLoopbackAddress(a)).toBe(false);
});

test("proofs depend on the direction, the role, both nonces and the token", () => {
  const [cn, sn] = ["a".repeat(64), "b".repeat(64)];
  const base = serverProof("t", "client", cn, sn);
  expect(proofsEqual(base, serverProof("t", "client", cn, sn))).toBe(true);
  for (const other of [clientProof("t", "client", cn, sn), serverProof("t", "worker", cn, sn), serverProof("t", "client", sn, cn), serverProof("u", "client", cn, sn)]) {
    expect(proofsEqual(base, other)).toBe(false);
  }
});
