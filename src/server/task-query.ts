/**
 * GET /api/tasks over the view. The view filters by status, name and free text itself; it has no
 * priority filter yet, so a priority query pages through the view's results and filters here,
 * scanning at most MAX_SCAN records (the answer then says `truncated`).
 * TODO: move the priority filter into ControlPlaneView.tasks (TaskQuery.priority) and drop the scan.
 */
import type { ControlPlaneView, TaskQuery } from "../control-plane/index.ts";
import type { TaskRecord } from "../protocol/index.ts";
import type { TaskListJson } from "./api-types.ts";
import type { TaskListQuery } from "./schemas.ts";
import { taskSummaryJson } from "./serialize.ts";

const VIEW_PAGE = 1000;
export const MAX_SCAN = 10_000;

export function listTasks(view: ControlPlaneView, query: TaskListQuery): TaskListJson {
  const base: TaskQuery = {
    sort: query.sort,
    ...(query.status ? { status: query.status } : {}),
    ...(query.name ? { name: query.name } : {}),
    ...(query.q ? { q: query.q } : {}),
  };
  if (!query.priority) {
    const page = view.tasks({ ...base, limit: query.limit, offset: query.offset });
    return { tasks: page.tasks.map(taskSummaryJson), total: page.total, limit: query.limit, offset: query.offset };
  }
  const wanted: TaskRecord[] = [];
  let total = 0;
  let scanned = 0;
  let viewTotal = Infinity;
  while (scanned < viewTotal && scanned < MAX_SCAN) {
    const page = view.tasks({ ...base, limit: VIEW_PAGE, offset: scanned });
    viewTotal = page.total;
    if (page.tasks.length === 0) break;
    scanned += page.tasks.length;
    for (const record of page.tasks) {
      if (record.priority !== query.priority) continue;
      if (total >= query.offset && wanted.length < query.limit) wanted.push(record);
      total++;
    }
  }
  return {
    tasks: wanted.map(taskSummaryJson), total, limit: query.limit, offset: query.offset,
    ...(scanned < viewTotal ? { truncated: true } : {}),
  };
}
