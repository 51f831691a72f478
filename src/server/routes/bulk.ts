/**
 * Bulk task commands: retry every failed task, and clean finished tasks out of the result cache.
 * Both act on what the result cache holds now (at most MAX_BULK tasks per call, the answer says
 * how many), optionally narrowed to one task name, and go through the same commands as the
 * per-task buttons. Access control and the CSRF check run before (app.ts).
 */
import { Elysia } from "elysia";
import * as v from "valibot";
import { FastWorkerError } from "../../errors.ts";
import type { ControlPlaneView } from "../../control-plane/index.ts";
import { TERMINAL_STATES } from "../../model/task-state.ts";
import type { TaskState } from "../../protocol/index.ts";
import type { CleanJson, RetryFailedJson } from "../api-types.ts";
import type { DashboardContext } from "../context.ts";
import { json, readJsonBody } from "../http.ts";
import { parseInput } from "../schemas.ts";

/** Most tasks one bulk call touches: bounds the work done in one request (the cache holds 10 000 by default). */
export const MAX_BULK = 10_000;
const LISTED_ERRORS = 10;
const PAGE = 1000;

const TaskName = v.optional(v.pipe(v.string("expected the task name as a string"), v.minLength(1), v.maxLength(200)));
export const RetryFailedBodySchema = v.strictObject({ name: TaskName }, 'expected a JSON object like {} or {"name": "send_email"}');
export const CleanBodySchema = v.strictObject({
  name: TaskName,
  status: v.optional(v.picklist(TERMINAL_STATES, `expected ${TERMINAL_STATES.slice(0, -1).join(", ")} or ${TERMINAL_STATES.at(-1)}`)),
}, 'expected a JSON object like {} or {"status": "success"}');

/** Ids of finished tasks with `status` (and `name`), collected before anything changes them. */
function idsOf(view: ControlPlaneView, status: TaskState, name: string | undefined): string[] {
  const ids: string[] = [];
  for (let offset = 0; ids.length < MAX_BULK; offset += PAGE) {
    const page = view.tasks({ status, ...(name ? { name } : {}), sort: "oldest", limit: PAGE, offset });
    for (const record of page.tasks) if (ids.length < MAX_BULK) ids.push(record.taskId);
    if (page.tasks.length < PAGE) break;
  }
  return ids;
}

export function bulkRoutes(ctx: DashboardContext) {
  const { view, commands } = ctx;
  return new Elysia({ name: "fastworker-bulk" })
    .post("/api/tasks/retry-failed", async ({ request }) => {
      const body = parseInput(RetryFailedBodySchema, await readJsonBody(request), "body");
      const answer: RetryFailedJson = { retried: 0, skipped: 0, errors: [] };
      for (const id of idsOf(view, "failure", body.name)) {
        try {
          commands.retry(id);
          answer.retried++;
        } catch (error) {
          if (!(error instanceof FastWorkerError)) throw error;
          // Expired or retried by someone else meanwhile, or its task is gone: counted, and the first few say why.
          answer.skipped++;
          if (answer.errors.length < LISTED_ERRORS) answer.errors.push({ task_id: id, code: error.code, message: error.message });
        }
      }
      ctx.log("info", "failed tasks retried from the dashboard", { retried: answer.retried, skipped: answer.skipped, ...(body.name ? { name: body.name } : {}) });
      return json(answer);
    }, { parse: "none" })
    .post("/api/tasks/clean", async ({ request }) => {
      const body = parseInput(CleanBodySchema, await readJsonBody(request), "body");
      const answer: CleanJson = { removed: 0 };
      for (const status of body.status ? [body.status] : TERMINAL_STATES) {
        for (const id of idsOf(view, status, body.name)) if (answer.removed < MAX_BULK && commands.forget(id)) answer.removed++;
      }
      ctx.log("info", "finished tasks cleaned from the dashboard", { removed: answer.removed, ...(body.status ? { status: body.status } : {}), ...(body.name ? { name: body.name } : {}) });
      return json(answer);
    }, { parse: "none" });
}
