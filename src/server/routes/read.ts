/** The read-only JSON endpoints: each one copies data out of the view and serializes it. */
import { Elysia } from "elysia";
import type { DashboardContext } from "../context.ts";
import { json } from "../http.ts";
import { cacheJson, queuesJson, registeredTasksJson, statusJson, statusWorkersJson, workersJson } from "../serialize.ts";
import { parseInput, StatusQuerySchema } from "../schemas.ts";

/** Tasks listed per priority by /api/queues, as in the original. */
const QUEUE_PREVIEW = 10;

export function readRoutes(ctx: DashboardContext) {
  const { view } = ctx;
  return new Elysia({ name: "fastworker-read" })
    .get("/api/status", ({ query }) => {
      const page = parseInput(StatusQuerySchema, query, "query parameter");
      return json({ ...statusJson(view, ctx.status), ...statusWorkersJson(view, page) });
    })
    .get("/api/workers", () => {
      const workers = workersJson(view);
      return json({ workers, count: workers.length });
    })
    .get("/api/cache", () => json(cacheJson(view)))
    .get("/api/queues", () => json(queuesJson(view, QUEUE_PREVIEW)))
    .get("/api/registered-tasks", () => json(registeredTasksJson(view)))
    .get("/api/metrics", () => json(ctx.metrics.snapshot()));
}
