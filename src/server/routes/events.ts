/**
 * GET /api/events: Server-Sent Events. `event:` is the control plane's event name (task.queued,
 * task.succeeded, worker.joined, ...) and `data:` its JSON payload; `status`, `workers` and
 * `queues` bring those endpoints' documents every second, `: heartbeat` comments keep idle proxies from closing the
 * stream, and `dropped` says why the server ended a stream whose reader fell behind.
 */
import { Elysia } from "elysia";
import type { DashboardContext } from "../context.ts";
import { SECURITY_HEADERS } from "../http.ts";

export function eventRoutes(ctx: DashboardContext) {
  return new Elysia({ name: "fastworker-events" }).get("/api/events", ({ request }) => {
    const subscriber = ctx.hub.subscribe();
    // A client that disconnects cancels the body; the abort signal covers servers that only abort.
    request.signal.addEventListener("abort", () => subscriber.close("the client went away"), { once: true });
    return new Response(subscriber.stream, {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        // Tells nginx-style proxies not to buffer the stream.
        "x-accel-buffering": "no",
      },
    });
  });
}
