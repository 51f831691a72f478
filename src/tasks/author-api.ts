/**
 * The task-author API: what a task module loaded by FastWorker gets from `import … from
 * "fastworker"` (tasks/self-module.ts provides it). Defining tasks and middleware, and the errors
 * a handler throws or catches; nothing that starts a control plane, a client or a subworker, so
 * tasks/ stays below those layers (docs/architecture.md). The package root re-exports every
 * name here, so the same classes are seen from either side (test/architecture/layering.test.ts).
 */
export { task, isTaskDefinition } from "./definition.ts";
export { defineMiddleware } from "./middleware.ts";
export {
  FastWorkerError, TaskError, UnavailableError, ProtocolError, NngError, LibraryError, ConfigError,
  TaskDefinitionError, StateTransitionError, RetryLater, NonRetryable,
} from "../errors.ts";
