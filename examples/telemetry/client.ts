/**
 * A client that traces its submissions: every task becomes a `submit <task>` span under the
 * caller's active span, and the trace continues in the control plane and the Worker that runs it.
 *
 *   bun examples/telemetry/client.ts [tcp://127.0.0.1:5555]
 */
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { Client } from "fastworker";

// Register before the client starts: it looks for an SDK once, in start().
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

const client = await new Client({ address: process.argv[2] ?? "tcp://127.0.0.1:5555" }).start();
try {
  await trace.getTracer("example").startActiveSpan("nightly report", async (span) => {
    const sum = await client.submit<number>("add", [2, 3]);
    const id = await client.enqueue("report", ["q3"], { priority: "high" });
    console.log(`add → ${sum}; report queued as ${id}; trace ${span.spanContext().traceId}`);
    span.end();
  });
} finally {
  await client.stop();
  await provider.shutdown();
}
