/**
 * Task endpoints: list and detail (through the view), and the three commands (submit, cancel,
 * retry), which go through the same control-plane paths as NNG clients.
 */
import { Elysia } from "elysia";
import { FastWorkerError } from "../../errors.ts";
import type { TaskSpec } from "../../protocol/index.ts";
import type { CancelJson, RetryJson, SubmitJson } from "../api-types.ts";
import type { DashboardContext } from "../context.ts";
import { ApiError, json, readJsonBody } from "../http.ts";
import { parseInput, SubmitBodySchema, TaskIdSchema, TaskListQuerySchema } from "../schemas.ts";
import { taskDetailJson } from "../serialize.ts";
import { listTasks } from "../task-query.ts";

/** HTTP status for the error codes the control plane answers commands with. */
const STATUS_OF: Record<string, number> = {
  E_TASK_NOT_FOUND: 404,
  E_UNKNOWN_TASK: 400,
  E_INVALID_ARGS: 400,
  E_DUPLICATE_ID: 409,
  E_NOT_CANCELLABLE: 409,
  E_NOT_RETRYABLE: 409,
  E_SHUTTING_DOWN: 503,
  // --max-queued reached: the caller may try again (the error's message says so).
  E_QUEUE_FULL: 429,
};

export function taskRoutes(ctx: DashboardContext) {
  const { view, commands } = ctx;
  return new Elysia({ name: "fastworker-tasks" })
    .get("/api/tasks", ({ query }) => json(listTasks(view, parseInput(TaskListQuerySchema, query, "query parameter"))))
    .get("/api/tasks/:id", ({ params }) => {
      const id = parseInput(TaskIdSchema, params.id, "task id");
      const record = view.task(id);
      if (!record) throw new ApiError(404, "E_TASK_NOT_FOUND", `task ${id} is not known (or its result expired)`);
      return json(taskDetailJson(record));
    })
    .post("/api/tasks", async ({ request }) => {
      const body = parseInput(SubmitBodySchema, await readJsonBody(request), "body");
      const spec: TaskSpec = {
        id: crypto.randomUUID(),
        name: body.name,
        args: body.args ?? [],
        ...(body.kwargs ? { kwargs: body.kwargs } : {}),
        ...(body.priority ? { priority: body.priority } : {}),
        ...(body.countdownMs !== undefined ? { countdownMs: body.countdownMs } : {}),
      };
      const [reply] = await commands.submit([spec]);
      if (!reply) throw new ApiError(500, "E_INTERNAL", "the control plane gave no answer for the submitted task");
      if (reply.error) throw new ApiError(STATUS_OF[reply.error.code] ?? 400, reply.error.code, reply.error.message);
      const answer: SubmitJson = { task_id: reply.id, status: reply.status ?? "pending" };
      ctx.log("info", "task submitted from the dashboard", { id: reply.id, name: spec.name });
      return json(answer, 201);
    }, { parse: "none" })
    .post("/api/tasks/:id/cancel", ({ params }) => {
      const id = parseInput(TaskIdSchema, params.id, "task id");
      const outcome = commands.cancel(id);
      if (outcome.error) throw new ApiError(STATUS_OF[outcome.error.code] ?? 409, outcome.error.code, outcome.error.message);
      if (!outcome.cancelled) {
        throw new ApiError(409, "E_NOT_CANCELLABLE", `task ${id} already finished (${outcome.status ?? "done"}); only unfinished tasks can be cancelled`);
      }
      const answer: CancelJson = { task_id: id, cancelled: true, status: outcome.status ?? "cancelled" };
      ctx.log("info", "task cancelled from the dashboard", { id });
      return json(answer);
    }, { parse: "none" })
    .post("/api/tasks/:id/retry", ({ params }) => {
      const id = parseInput(TaskIdSchema, params.id, "task id");
      try {
        const record = commands.retry(id);
        const answer: RetryJson = { task_id: id, retrying: true, status: record.status };
        ctx.log("info", "task retried from the dashboard", { id });
        return json(answer);
      } catch (error) {
        if (error instanceof FastWorkerError && error.code in STATUS_OF) {
          throw new ApiError(error.code === "E_UNKNOWN_TASK" ? 409 : STATUS_OF[error.code]!, error.code, error.message);
        }
        throw error;
      }
    }, { parse: "none" });
}

