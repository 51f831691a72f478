import { afterEach, describe, expect, test } from "bun:test";
import { TraceFlags } from "@opentelemetry/api";
import { createControlPlane, type ControlPlane } from "../../src/control-plane/index.ts";
import { ConfigError } from "../../src/errors.ts";
import { createLogger, logEnabled, silentLogger, type LogLevel, type Logger } from "../../src/log.ts";
import { createMetrics, formatTraceparent, loadOtelSetup, logTaskArgs, parseTraceparent, telemetryEnabled } from "../../src/telemetry/index.ts";
import { freeAddress } from "../helpers/ports.ts";
import { TASKS } from "./helpers.ts";
import { parsePrometheus, sampleValue } from "./prom-parse.ts";

const VALID = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("traceparent", () => {
  test("parses a W3C traceparent and formats it back", () => {
    const ctx = parseTraceparent(VALID);
    expect(ctx).toEqual({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(formatTraceparent(ctx!)).toBe(VALID);
    expect(parseTraceparent(VALID.replace(/-01$/, "-00"))?.traceFlags).toBe(TraceFlags.NONE);
  });

  test("refuses what is not one, so a bad frame costs only its trace", () => {
    for (const bad of [
      undefined, "", "garbage", VALID.replace(/^00/, "ff"), `${VALID}-extra`,
      "00-00000000000000000000000000000000-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",
    ]) expect(parseTraceparent(bad)).toBeUndefined();
    // A later version may add fields; its first four still parse.
    expect(parseTraceparent(`01${VALID.slice(2)}-more`)?.spanId).toBe("b7ad6b7169203331");
  });
});

describe("configuration", () => {
  test("FASTWORKER_TELEMETRY and FASTWORKER_LOG_TASK_ARGS", () => {
    expect(telemetryEnabled({})).toBe(true);
    for (const off of ["off", "false", "0", "NO"]) expect(telemetryEnabled({ FASTWORKER_TELEMETRY: off })).toBe(false);
    expect(telemetryEnabled({ FASTWORKER_TELEMETRY: "on" })).toBe(true);
    expect(logTaskArgs({})).toBe(false);
    expect(logTaskArgs({ FASTWORKER_LOG_TASK_ARGS: "true" })).toBe(true);
    expect(logTaskArgs({ FASTWORKER_LOG_TASK_ARGS: "nope" })).toBe(false);
  });

  test("a FASTWORKER_OTEL_SETUP that cannot be imported is a ConfigError naming it", async () => {
    const error = await loadOtelSetup({ FASTWORKER_OTEL_SETUP: "test/fixtures/telemetry/no-such-setup.ts" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("no-such-setup.ts");
    // Switched off, the module is not even looked at.
    await loadOtelSetup({ FASTWORKER_OTEL_SETUP: "test/fixtures/telemetry/no-such-setup.ts", FASTWORKER_TELEMETRY: "off" });
  });

  test("loggers say their level; FASTWORKER_LOG_LEVEL sets the default", () => {
    const saved = process.env.FASTWORKER_LOG_LEVEL;
    try {
      expect(createLogger({ level: "warn" }).level).toBe("warn");
      process.env.FASTWORKER_LOG_LEVEL = "debug";
      const log = createLogger();
      expect(logEnabled(log, "debug")).toBe(true);
      expect(logEnabled(createLogger({ level: "info" }), "debug")).toBe(false);
      expect(logEnabled(silentLogger, "error")).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.FASTWORKER_LOG_LEVEL;
      else process.env.FASTWORKER_LOG_LEVEL = saved;
    }
  });
});

function capture(level: LogLevel): { log: Logger; lines: Array<{ msg: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ msg: string; fields: Record<string, unknown> }> = [];
  const write = (_: LogLevel, msg: string, fields?: Record<string, unknown>) => void lines.push({ msg, fields: fields ?? {} });
  return { log: Object.assign(write, { level }), lines };
}

describe("lifecycle logs and the off switch", () => {
  let cp: ControlPlane | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await cp?.stop();
    cp = undefined;
    for (const key of ["FASTWORKER_LOG_TASK_ARGS", "FASTWORKER_TELEMETRY"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  const start = async (log: Logger) =>
    (cp = await createControlPlane({ taskModules: [TASKS], address: await freeAddress(), discoveryAddress: null, concurrency: 1, log }));

  test("at debug level each task event is one line, without arguments unless FASTWORKER_LOG_TASK_ARGS=true", async () => {
    const { log, lines } = capture("debug");
    await (await start(log)).client().submit("ok", [1234567]);
    const events = lines.filter((l) => l.msg.startsWith("task "));
    expect(events.map((l) => l.msg)).toEqual(["task queued", "task started", "task succeeded"]);
    expect(events[1]!.fields).toMatchObject({ task: "ok", priority: "normal", attempt: 1 });
    expect(JSON.stringify(lines)).not.toContain("1234567");
    await cp!.stop();

    process.env.FASTWORKER_LOG_TASK_ARGS = "true";
    const withArgs = capture("debug");
    await (await start(withArgs.log)).client().submit("ok", [1234567]);
    expect(withArgs.lines.find((l) => l.msg === "task queued")?.fields.args).toEqual([1234567]);
  });

  test("at info level there are no per-task lines", async () => {
    const { log, lines } = capture("info");
    await (await start(log)).client().submit("ok", [1]);
    expect(lines.filter((l) => l.msg.startsWith("task "))).toEqual([]);
  });

  test("FASTWORKER_TELEMETRY=off: no hooks, and /metrics shows only the live gauges", async () => {
    process.env.FASTWORKER_TELEMETRY = "off";
    const plane = await start(silentLogger);
    expect(plane.telemetry).toBeUndefined();
    await plane.client().submit("ok", [1]);
    const families = parsePrometheus(createMetrics(plane).render());
    expect(families.get("fastworker_tasks_succeeded_total")?.samples).toEqual([]);
    expect(sampleValue(families, "fastworker_workers_active")).toBe(1);
  });
});
