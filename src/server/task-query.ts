/**
 * GET /api/tasks over the view, whose index pages, filters and counts in bounded time whatever
 * the number of tasks. Free text (`q`) and `priority` examine only the newest SEARCH_WINDOW
 * candidates of the status/name selection; the answer then says `truncated` when older ones exist.
 */
import type { ControlPlaneView } from "../control-plane/index.ts";
import type { TaskListJson } from "./api-types.ts";
import type { TaskListQuery } from "./schemas.ts";
import { taskSummaryJson } from "./serialize.ts";

export function listTasks(view: ControlPlaneView, query: TaskListQuery): TaskListJson {
  const page = view.tasks({
    sort: query.sort, limit: query.limit, offset: query.offset,
    ...(query.status ? { status: query.status } : {}),
    ...(query.name ? { name: query.name } : {}),
    ...(query.q ? { q: query.q } : {}),
    ...(query.priority ? { priority: query.priority } : {}),
  });
  return {
    tasks: page.tasks.map(taskSummaryJson), total: page.total, limit: query.limit, offset: query.offset,
    ...(page.truncated ? { truncated: true } : {}),
  };
}
