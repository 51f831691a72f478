/**
 * Deep links: the open task and the table's filters live in the page's query string
 * (`?task=<id>`, `?status=failure&name=send_email&q=…&priority=high&sort=oldest`), so a link
 * opens the same view in a fresh page. Filters replace the current history entry (typing does
 * not flood Back); opening a task pushes one, so Back closes it.
 */
import { watch } from "vue";
import { tasks } from "./tasks-store.ts";
import type { TaskFilters } from "./task-rows.ts";

const FILTER_KEYS = ["status", "name", "priority", "q"] as const;
/** Longest value taken from the URL: the server refuses longer filters anyway. */
const MAX_VALUE = 200;

function read(params: URLSearchParams): { filters: Partial<TaskFilters>; task: string | null } {
  const filters: Partial<TaskFilters> = {};
  for (const key of FILTER_KEYS) {
    const value = params.get(key);
    if (value) filters[key] = value.slice(0, MAX_VALUE);
  }
  if (params.get("sort") === "oldest") filters.sort = "oldest";
  return { filters, task: params.get("task")?.slice(0, MAX_VALUE) || null };
}

function urlFor(): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (tasks.filters[key]) params.set(key, tasks.filters[key]);
  if (tasks.filters.sort === "oldest") params.set("sort", "oldest");
  if (tasks.selected.id) params.set("task", tasks.selected.id);
  const query = params.toString();
  return `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
}

function apply(state: ReturnType<typeof read>): void {
  Object.assign(tasks.filters, { status: "", name: "", priority: "", q: "", sort: "newest" }, state.filters);
  if (state.task && state.task !== tasks.selected.id) void tasks.open(state.task);
  else if (!state.task && tasks.selected.id) tasks.close();
}

/**
 * Applies the URL once (call before the table mounts, so its first load already uses the
 * filters), then keeps URL and page in step. Returns the function that stops it.
 */
export function syncWithUrl(): () => void {
  apply(read(new URLSearchParams(window.location.search)));
  const stopFilters = watch(() => FILTER_KEYS.map((k) => tasks.filters[k]).concat(tasks.filters.sort), () => {
    const next = urlFor();
    if (next !== `${window.location.pathname}${window.location.search}${window.location.hash}`) history.replaceState(history.state, "", next);
  });
  const stopTask = watch(() => tasks.selected.id, (id, previous) => {
    const next = urlFor();
    if (next === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
    // Opening a task from the table is a step Back can undo; switching or closing replaces it.
    if (id && !previous) history.pushState(history.state, "", next);
    else history.replaceState(history.state, "", next);
  });
  const onPop = () => apply(read(new URLSearchParams(window.location.search)));
  window.addEventListener("popstate", onPop);
  return () => {
    stopFilters();
    stopTask();
    window.removeEventListener("popstate", onPop);
  };
}
