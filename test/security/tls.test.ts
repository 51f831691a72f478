import { afterAll, describe, expect, test } from "bun:test";
import { Client } from "../../src/client/index.ts";
import { FastWorkerError } from "../../src/errors.ts";
import { makeTestCa } from "../helpers/certs.ts";
import { freePort } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";

const ca = makeTestCa("cp");
const otherCa = makeTestCa("stranger");
afterAll(async () => {
  await killAll();
  ca.remove();
  otherCa.remove();
});

const TOKEN = "tls-test-token-0123456789";
const TASKS = "test/fixtures/core-tasks.ts";

async function startTlsControlPlane(extra: string[] = []) {
  const port = await freePort();
  const address = `tls+tcp://127.0.0.1:${port}`;
  const cp = startProcess([
    "bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", address, "--no-discovery", "--no-gui", "--no-journal",
    "--concurrency", "1", "--tls-cert", ca.serverCert, "--tls-key", ca.serverKey, ...extra,
  ], { env: { FASTWORKER_TOKEN: TOKEN } });
  await cp.waitFor(/control plane .* ready/);
  return { cp, address, port };
}

async function failure(promise: Promise<unknown>): Promise<FastWorkerError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof FastWorkerError)) throw new Error(`expected a FastWorkerError, got ${String(error)}`);
  return error;
}

describe("a control plane on tls+tcp://", () => {
  test("a client trusting its CA (with the token) works; another CA, or plain tcp:// to the TLS port, fails clearly", async () => {
    const { address, port } = await startTlsControlPlane();
    const client = await new Client({ address, token: TOKEN, tlsCa: ca.caCert }).start();
    expect(await client.submit("add", [40, 2])).toBe(42);
    await client.stop();

    const stranger = await failure(new Client({ address, token: TOKEN, tlsCa: otherCa.caCert, connectTimeoutMs: 1500 }).start());
    expect(stranger.code).toBe("E_UNAVAILABLE");
    expect(stranger.message).toContain("--tls-ca");

    const plain = await failure(new Client({ address: `tcp://127.0.0.1:${port}`, token: TOKEN, connectTimeoutMs: 1500 }).start());
    expect(plain.code).toBe("E_UNAVAILABLE");
    expect(plain.message).toContain("tls+tcp://");

    const noCa = await failure(new Client({ address, token: TOKEN }).start());
    expect(noCa.code).toBe("E_CONFIG");
  });

  test("nngcat --cacert (libnng's own TLS client) completes a handshake and is then asked to authenticate", async () => {
    const { address } = await startTlsControlPlane();
    const run = Bun.spawnSync(["nngcat", "--req", "--dial", address, "--cacert", ca.caCert, "--data", '{"v":1,"type":"status"}', "-A", "--recv-timeout", "5"], { stdout: "pipe", stderr: "pipe" });
    expect(JSON.parse(run.stdout.toString())).toEqual({ v: 1, type: "error", error: { code: "E_UNAUTHORIZED", message: expect.any(String) } });
    const stranger = Bun.spawnSync(["nngcat", "--req", "--dial", address, "--cacert", otherCa.caCert, "--data", "{}", "-A", "--recv-timeout", "2"], { stdout: "pipe", stderr: "pipe" });
    expect(stranger.stdout.toString()).toBe("");
  });

  test("--tls-client-auth required: a subworker without a client certificate never connects; with one it runs tasks", async () => {
    const { address } = await startTlsControlPlane(["--tls-ca", ca.caCert, "--tls-client-auth", "required", "--concurrency", "0"]);
    const anonymous = await failure(new Client({ address, token: TOKEN, tlsCa: ca.caCert, connectTimeoutMs: 1500 }).start());
    expect(anonymous.code).toBe("E_UNAVAILABLE");
    const tlsArgs = ["--tls-ca", ca.caCert, "--tls-cert", ca.clientCert, "--tls-key", ca.clientKey];
    const sw = startProcess(["bin/fastworker.ts", "subworker", "--task-modules", TASKS, "--control-plane-address", address, "--worker-id", "sw-mtls", "--concurrency", "1", ...tlsArgs], { env: { FASTWORKER_TOKEN: TOKEN } });
    await sw.waitFor(/subworker sw-mtls ready/);
    const client = await new Client({ address, token: TOKEN, tlsCa: ca.caCert, tlsCert: ca.clientCert, tlsKey: ca.clientKey }).start();
    expect(await client.submit("add", [1, 1])).toBe(2);
    await client.stop();
    await sw.stop();
  });

  test("discovery of a TLS control plane announces its tls+tcp:// address", async () => {
    const discovery = `tcp://127.0.0.1:${await freePort()}`;
    const port = await freePort();
    const address = `tls+tcp://127.0.0.1:${port}`;
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", address, "--discovery-address", discovery,
      "--no-gui", "--no-journal", "--concurrency", "1", "--tls-cert", ca.serverCert, "--tls-key", ca.serverKey], { env: { FASTWORKER_TOKEN: TOKEN } });
    await cp.waitFor(/control plane .* ready/);
    const client = await new Client({ discoveryAddress: discovery, token: TOKEN, tlsCa: ca.caCert }).start();
    expect(client.address).toBe(address);
    expect(await client.submit("add", [3, 4])).toBe(7);
    await client.stop();
    await cp.stop();
  });

  test("a certificate path that cannot be read stops the control plane at start: exit 2, the path in the message", async () => {
    const missing = `${ca.dir}/no-such-cert.pem`;
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", `tls+tcp://127.0.0.1:${await freePort()}`,
      "--no-discovery", "--no-gui", "--no-journal", "--tls-cert", missing, "--tls-key", ca.serverKey], { env: { FASTWORKER_TOKEN: TOKEN } });
    expect(await cp.proc.exited).toBe(2);
    expect(cp.output()).toContain(missing);
  });

  test("the dashboard serves HTTPS with --gui-tls-cert and marks its session cookie Secure", async () => {
    const guiPort = await freePort();
    const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", TASKS, "--base-address", `tcp://127.0.0.1:${await freePort()}`,
      "--no-discovery", "--no-journal", "--concurrency", "1", "--gui-port", String(guiPort), "--gui-tls-cert", ca.serverCert, "--gui-tls-key", ca.serverKey],
    { env: { FASTWORKER_GUI_TOKEN: "gui-token-0123456789abcdef" } });
    await cp.waitFor(/dashboard: +https:\/\//);
    const tls = { ca: await Bun.file(ca.caCert).text() };
    const login = await fetch(`https://127.0.0.1:${guiPort}/login`, {
      method: "POST", body: new URLSearchParams({ token: "gui-token-0123456789abcdef" }), redirect: "manual", tls,
      headers: { origin: `https://127.0.0.1:${guiPort}` },
    });
    expect(login.headers.get("set-cookie")).toMatch(/HttpOnly.*; Secure/);
    await cp.stop();
  });
});
