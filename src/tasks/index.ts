export { PRIORITIES, isPriority, priorityRank, type Priority } from "./priority.ts";
export {
  TASK_KIND,
  isTaskDefinition,
  task,
  type ArgsSchema,
  type BackoffOptions,
  type ResolvedTaskOptions,
  type TaskArgs,
  type TaskDefinition,
  type TaskOptions,
  type TaskResult,
} from "./definition.ts";
export { DEFAULT_BACKOFF, DEFAULT_PRIORITY, DEFAULT_RETRIES } from "./validate-options.ts";
export { TASK_MODULE_EXTENSIONS, resolveTaskModuleFiles } from "./discover.ts";
export type { CatalogEntry, TaskCatalog } from "./catalog.ts";
export { loadTaskModules, type LoadTaskModulesOptions } from "./loader.ts";
export { parseTaskModulesArg } from "./module-arg.ts";
