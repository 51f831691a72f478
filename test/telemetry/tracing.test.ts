/**
 * One trace from the client to the Bun Worker that ran the task, across three processes: the
 * test (client spans, in memory), the control plane (enqueue and dispatch spans) and a
 * subworker or the control plane's pool (execute spans), the last two exporting to files.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { Client } from "../../src/client/index.ts";
import { TaskError } from "../../src/errors.ts";
import { killAll } from "../helpers/processes.ts";
import { one, startCp, startSubworker, tracedEnv, waitForSpans, type SpanLine } from "./helpers.ts";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  // Later test files in this bun process must not find an SDK they did not register.
  trace.disable();
  context.disable();
  await provider.shutdown();
  await killAll();
});

function clientSpan(taskId: string): ReadableSpan {
  const found = exporter.getFinishedSpans().filter((s) => s.attributes["messaging.message.id"] === taskId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const inTrace = (traceId: string, name: string) => (s: SpanLine) => s.traceId === traceId && s.name === name;

describe("a trace from client to subworker", () => {
  test("submit → enqueue → dispatch → execute share one trace id, each the parent of the next", async () => {
    const cpSpans = tracedEnv();
    const swSpans = tracedEnv();
    const { address } = await startCp(0, cpSpans.env);
    const { id: workerId, proc: sw } = await startSubworker(address, swSpans.env);
    const client = await new Client({ address }).start();
    try {
      const id = "trace-ok-1";
      expect(await client.submit<number>("ok", [21], { id, priority: "high" })).toBe(42);

      const submit = clientSpan(id);
      const traceId = submit.spanContext().traceId;
      expect(submit.name).toBe("submit ok");
      expect(submit.kind).toBe(SpanKind.PRODUCER);
      expect(submit.attributes).toMatchObject({
        "messaging.system": "fastworker", "messaging.operation.name": "submit", "messaging.operation.type": "send",
        "messaging.destination.name": "ok", "messaging.message.id": id, "fastworker.task.priority": "high",
      });

      const cp = await waitForSpans(cpSpans.file, [inTrace(traceId, "enqueue ok"), inTrace(traceId, "dispatch ok")]);
      const enqueue = one(cp, inTrace(traceId, "enqueue ok"));
      const dispatch = one(cp, inTrace(traceId, "dispatch ok"));
      expect(enqueue.parentSpanId).toBe(submit.spanContext().spanId);
      expect(enqueue.kind).toBe(SpanKind.CONSUMER);
      expect(enqueue.attributes).toMatchObject({ "messaging.operation.name": "enqueue", "messaging.message.id": id, "fastworker.task.priority": "high" });
      expect(dispatch.parentSpanId).toBe(enqueue.spanId);
      expect(dispatch.kind).toBe(SpanKind.PRODUCER);
      expect(dispatch.attributes).toMatchObject({ "messaging.operation.name": "dispatch", "fastworker.task.attempt": 1, "fastworker.worker.id": workerId });

      const executed = await waitForSpans(swSpans.file, [inTrace(traceId, "execute ok")]);
      const execute = one(executed, inTrace(traceId, "execute ok"));
      expect(execute.parentSpanId).toBe(dispatch.spanId);
      expect(execute.kind).toBe(SpanKind.CONSUMER);
      expect(execute.thread).toBe("worker");
      expect(execute.pid).toBe(sw.pid);
      expect(execute.attributes).toMatchObject({
        "messaging.system": "fastworker", "messaging.operation.name": "execute", "messaging.operation.type": "process",
        "messaging.destination.name": "ok", "messaging.message.id": id, "fastworker.task.attempt": 1, "fastworker.task.priority": "high",
      });
      expect(execute.status.code).toBe(SpanStatusCode.UNSET);
    } finally {
      await client.stop();
    }
  });

  test("a failure is recorded on every span of its trace: exception event and status ERROR", async () => {
    const cpSpans = tracedEnv();
    const swSpans = tracedEnv();
    const { address } = await startCp(0, cpSpans.env);
    await startSubworker(address, swSpans.env);
    const client = await new Client({ address }).start();
    try {
      const error = await client.submit("refuse", [], { id: "trace-refuse-1" }).catch((e: unknown) => e);
      expect((error as TaskError).code).toBe("E_TASK_FAILED");
      const submit = clientSpan("trace-refuse-1");
      expect(submit.status.code).toBe(SpanStatusCode.ERROR);
      expect(submit.events.map((e) => e.name)).toContain("exception");
      const traceId = submit.spanContext().traceId;

      const dispatch = one(await waitForSpans(cpSpans.file, [inTrace(traceId, "dispatch refuse")]), inTrace(traceId, "dispatch refuse"));
      const execute = one(await waitForSpans(swSpans.file, [inTrace(traceId, "execute refuse")]), inTrace(traceId, "execute refuse"));
      for (const span of [dispatch, execute]) {
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.status.message).toContain("refused on purpose");
        expect(span.attributes["error.type"]).toBe("E_TASK_FAILED");
        const exception = span.events.find((e) => e.name === "exception");
        expect(exception?.attributes?.["exception.type"]).toBe("E_TASK_FAILED");
        expect(String(exception?.attributes?.["exception.message"])).toContain("refused on purpose");
      }
      expect(execute.parentSpanId).toBe(dispatch.spanId);
    } finally {
      await client.stop();
    }
  });

  test("a control plane without an SDK passes the client's traceparent through: execute is the submit span's child", async () => {
    const swSpans = tracedEnv();
    const { address } = await startCp(0);
    await startSubworker(address, swSpans.env);
    const client = await new Client({ address }).start();
    try {
      expect(await client.submit<number>("ok", [1], { id: "trace-passthrough-1" })).toBe(2);
      const submit = clientSpan("trace-passthrough-1");
      const traceId = submit.spanContext().traceId;
      const execute = one(await waitForSpans(swSpans.file, [inTrace(traceId, "execute ok")]), inTrace(traceId, "execute ok"));
      expect(execute.parentSpanId).toBe(submit.spanContext().spanId);
    } finally {
      await client.stop();
    }
  });
});

describe("a trace through the control plane's own pool", () => {
  test("each attempt of a retried task gets its dispatch span under the one enqueue span, with its execute span below", async () => {
    const cpSpans = tracedEnv();
    const { address, proc } = await startCp(1, cpSpans.env);
    const client = await new Client({ address }).start();
    try {
      await client.submit("fails", [], { id: "trace-fails-1" }).catch((e: unknown) => e);
      const traceId = clientSpan("trace-fails-1").spanContext().traceId;
      const spans = await waitForSpans(cpSpans.file, [
        (s) => s.traceId === traceId && s.name === "execute fails" && s.attributes["fastworker.task.attempt"] === 2,
        (s) => s.traceId === traceId && s.name === "dispatch fails" && s.attributes["fastworker.task.attempt"] === 2,
      ]);
      const enqueue = one(spans, inTrace(traceId, "enqueue fails"));
      const dispatches = spans.filter(inTrace(traceId, "dispatch fails")).sort((a, b) => Number(a.attributes["fastworker.task.attempt"]) - Number(b.attributes["fastworker.task.attempt"]));
      expect(dispatches.map((d) => d.attributes["fastworker.task.attempt"])).toEqual([1, 2]);
      expect(dispatches[0]!.attributes["fastworker.task.retrying"]).toBe(true);
      for (const dispatch of dispatches) {
        expect(dispatch.parentSpanId).toBe(enqueue.spanId);
        expect(dispatch.status.code).toBe(SpanStatusCode.ERROR);
        const execute = one(spans, (s) => s.name === "execute fails" && s.parentSpanId === dispatch.spanId);
        expect(execute.thread).toBe("worker");
        expect(execute.pid).toBe(proc.pid);
        expect(execute.attributes["fastworker.task.attempt"]).toBe(dispatch.attributes["fastworker.task.attempt"]!);
      }
    } finally {
      await client.stop();
    }
  });

  test("the submit span is a child of the caller's active span, and spans a handler starts are children of execute", async () => {
    const cpSpans = tracedEnv();
    const { address } = await startCp(1, cpSpans.env);
    const client = await new Client({ address }).start();
    try {
      const tracer = trace.getTracer("test");
      const parentSpanId = await tracer.startActiveSpan("checkout", async (span) => {
        expect(await client.submit<string>("nested", [], { id: "trace-nested-1" })).toBe("done");
        span.end();
        return span.spanContext().spanId;
      });
      const submit = clientSpan("trace-nested-1");
      expect(submit.parentSpanContext?.spanId).toBe(parentSpanId);
      const traceId = submit.spanContext().traceId;
      const spans = await waitForSpans(cpSpans.file, [inTrace(traceId, "execute nested"), inTrace(traceId, "inner work")]);
      expect(one(spans, inTrace(traceId, "inner work")).parentSpanId).toBe(one(spans, inTrace(traceId, "execute nested")).spanId);
    } finally {
      await client.stop();
    }
  });
});
