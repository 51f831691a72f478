// Needs root and `ip netns` (iproute2): it makes network namespaces. Where they are missing it
// FAILS, never skips — CI runs as root, and a skipped multi-host test would look like a pass.
import { describe, expect, test } from "bun:test";
import type { Host } from "../helpers/netns.ts";
import { useHosts } from "./setup.ts";

const TOKEN = "multihost-test-token-0123456789";
const TASKS = "test/fixtures/core-tasks.ts";
// A fresh namespace has no other listener, so a fixed port cannot collide.
const PORT = 7400;

const multi = useHosts(3, "multihost");

describe("hosts in separate network namespaces", () => {
  test("each host has only the test subnet's on-link route: nothing it runs can reach another network", () => {
    const [cpHost, workerHost, clientHost] = multi.hosts as [Host, Host, Host];
    const subnet = cpHost.ip.replace(/\.\d+$/, ".0/24");
    for (const host of [cpHost, workerHost, clientHost]) {
      const routes = Bun.spawnSync(["ip", "-n", host.ns, "route", "show"], { stdout: "pipe" }).stdout.toString().trim().split("\n");
      expect(routes).toEqual([expect.stringMatching(new RegExp(`^${subnet.replaceAll(".", "\\.")} dev eth0 .*src ${host.ip.replaceAll(".", "\\.")}`))]);
    }
  });

  test("a subworker on another host leases a task over tls+tcp:// with the token and reports its result", async () => {
    const [cpHost, workerHost, clientHost] = multi.hosts as [Host, Host, Host];
    const tls = multi.ca;
    const address = `tls+tcp://${cpHost.ip}:${PORT}`;
    const env = { FASTWORKER_TOKEN: TOKEN };
    // --concurrency 0: the control plane runs nothing itself, so a result can only come from the remote subworker.
    const cp = cpHost.start(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", address, "--no-discovery", "--no-gui", "--no-journal",
      "--concurrency", "0", "--tls-cert", tls.serverCert, "--tls-key", tls.serverKey], env);
    await cp.waitFor(/control plane .* ready/);
    const sw = workerHost.start(["bin/fastworker.ts", "subworker", "--task-modules", TASKS, "--control-plane-address", address, "--worker-id", "sw-remote",
      "--concurrency", "1", "--tls-ca", tls.caCert], env);
    await sw.waitFor(/subworker sw-remote ready/);

    const submit = clientHost.run(["bin/fastworker.ts", "submit", "--task-name", "add", "--args", "40", "2", "--control-plane-address", address, "--tls-ca", tls.caCert, "--json"], env);
    expect(submit.code, submit.err).toBe(0);
    const outcome = JSON.parse(submit.out) as Record<string, unknown>;
    expect(outcome).toMatchObject({ result: 42 });

    const status = clientHost.run(["bin/fastworker.ts", "status", "--task-id", String(outcome.taskId), "--control-plane-address", address, "--tls-ca", tls.caCert, "--json"], env);
    expect(status.code, status.err).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ status: "success", result: 42, attempts: 1, workerId: "sw-remote" });
  }, 30_000);
});
