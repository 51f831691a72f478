/**
 * FASTWORKER_TELEMETRY_ENABLED with the standard OTEL_* variables: a real control plane exports
 * traces and metrics over OTLP (http/protobuf) to a collector stand-in, with no setup file.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../helpers/control-plane.ts";
import { freeAddress } from "../helpers/ports.ts";
import { killAll, startProcess } from "../helpers/processes.ts";
import { waitFor } from "../helpers/wait-for.ts";

afterAll(killAll);

interface Received {
  path: string;
  contentType: string | null;
  body: Buffer;
}

function collector() {
  const received: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      received.push({ path: new URL(request.url).pathname, contentType: request.headers.get("content-type"), body: Buffer.from(await request.arrayBuffer()) });
      return new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } });
    },
  });
  /** Waits until what the collector got so far passes `check`; the timeout names the paths received. */
  const until = (check: (r: Received[]) => boolean, timeoutMs = 15_000) =>
    waitFor(() => check(received), { timeoutMs, intervalMs: 50, message: () => `the collector's exports (got ${received.map((r) => r.path).join(", ") || "nothing"})` });
  return { server, received, until };
}

function startCp(address: string, env: Record<string, string>) {
  return startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", address, "--no-discovery", "--no-gui", "--no-journal", "--concurrency", "1"], { env });
}

describe("OTLP export from the environment", () => {
  test("traces and metrics reach OTEL_EXPORTER_OTLP_ENDPOINT, under OTEL_SERVICE_NAME; SIGTERM still exits 0", async () => {
    const otlp = collector();
    const address = await freeAddress();
    const cp = startCp(address, {
      FASTWORKER_TELEMETRY_ENABLED: "true",
      OTEL_SERVICE_NAME: "billing-workers",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.server.port}`,
      OTEL_BSP_SCHEDULE_DELAY: "100",
      OTEL_METRIC_EXPORT_INTERVAL: "300",
    });
    try {
      await cp.waitFor(/control plane .* ready/);
      const client = await connect(address);
      expect(await client.submit("add", [20, 22])).toBe(42);
      await client.stop();
      const traces = (r: Received[]) => r.filter((x) => x.path === "/v1/traces");
      // "enqueue" comes from the control plane's main thread, "execute" from its pool Worker.
      await otlp.until((r) => traces(r).some((x) => x.body.includes("enqueue add")) && traces(r).some((x) => x.body.includes("execute add")));
      await otlp.until((r) => r.some((x) => x.path === "/v1/metrics" && x.body.includes("billing-workers")));
      const spans = Buffer.concat(traces(otlp.received).map((x) => x.body));
      expect(traces(otlp.received)[0]!.contentType).toBe("application/x-protobuf");
      expect(spans.includes("billing-workers")).toBe(true);
      expect(await cp.stop("SIGTERM")).toBe(0);
    } finally {
      await cp.stop("SIGKILL");
      await otlp.server.stop(true);
    }
  });

  test("an unsupported protocol is refused with one line", async () => {
    const protocol = startCp(await freeAddress(), { FASTWORKER_TELEMETRY_ENABLED: "1", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" });
    expect(await protocol.proc.exited).toBe(2);
    expect(protocol.output().trim()).toStartWith("fastworker: E_CONFIG: OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the built-in export speaks http/protobuf");
  });

  test("without the SDK and exporter packages, one line names exactly the packages to add", async () => {
    const copy = installWithout(["sdk-trace", "sdk-metrics", "exporter-trace-otlp-proto", "exporter-metrics-otlp-proto"]);
    try {
      const cp = startProcess(["bin/fastworker.ts", "control-plane", "--task-modules", "test/fixtures/core-tasks.ts", "--base-address", await freeAddress(), "--no-discovery", "--no-gui", "--no-journal"], {
        cwd: copy, env: { FASTWORKER_TELEMETRY_ENABLED: "true" },
      });
      expect(await cp.proc.exited).toBe(2);
      const lines = cp.output().trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("FASTWORKER_TELEMETRY_ENABLED=true needs the OpenTelemetry SDK and OTLP exporter: bun add @opentelemetry/sdk-trace @opentelemetry/sdk-metrics @opentelemetry/exporter-trace-otlp-proto @opentelemetry/exporter-metrics-otlp-proto (");
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

/**
 * A copy of the program (src, bin, native, the test's task module) whose node_modules links
 * every installed package except the named @opentelemetry ones: an install without them.
 */
function installWithout(left: string[]): string {
  const root = join(import.meta.dir, "../..");
  const dir = mkdtempSync(join(tmpdir(), "fastworker-no-otel-"));
  for (const part of ["src", "bin", "native", "package.json", "test/fixtures/core-tasks.ts"]) cpSync(join(root, part), join(dir, part), { recursive: true });
  mkdirSync(join(dir, "node_modules/@opentelemetry"), { recursive: true });
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name !== "@opentelemetry" && name !== ".bin") symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name));
  }
  for (const name of readdirSync(join(root, "node_modules/@opentelemetry"))) {
    if (!left.includes(name)) symlinkSync(join(root, "node_modules/@opentelemetry", name), join(dir, "node_modules/@opentelemetry", name));
  }
  return dir;
}
