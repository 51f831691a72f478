export { PRIORITIES, isPriority, priorityRank, type Priority } from "../model/priority.ts";
export {
  TASK_KIND,
  isTaskDefinition,
  task,
  type ArgsSchema,
  type BackoffOptions,
  type CatchUpPolicy,
  type ResolvedSchedule,
  type ResolvedTaskOptions,
  type TaskArgs,
  type TaskDefinition,
  type TaskOptions,
  type TaskResult,
} from "./definition.ts";
export { DEFAULT_BACKOFF, DEFAULT_PRIORITY, DEFAULT_RETRIES } from "./validate-options.ts";
export { TASK_MODULE_EXTENSIONS, resolveTaskModuleFiles } from "./discover.ts";
export type { CatalogEntry, MiddlewareEntry, TaskCatalog } from "./catalog.ts";
export {
  defineMiddleware,
  isMiddleware,
  type AfterHook,
  type BeforeHook,
  type HookOutcome,
  type Middleware,
  type TaskContext,
  type TaskHooks,
} from "./middleware.ts";
export {
  MAX_LOG_LINES, MAX_LOG_MESSAGE_CHARS, MAX_PROGRESS_JSON_CHARS, MAX_TASKS_PER_WORKER,
  type HandlerContext, type TaskLogLine, type TaskProgress,
} from "./context.ts";
export { loadTaskModules, type LoadTaskModulesOptions } from "./loader.ts";
export { parseTaskModulesArg } from "./module-arg.ts";
