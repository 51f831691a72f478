// The public API of the `fastworker` package.
export { task, isTaskDefinition } from "./tasks/index.ts";
export type { TaskDefinition, TaskOptions, TaskArgs, TaskResult, Priority } from "./tasks/index.ts";
export { Client } from "./client/index.ts";
export type { BatchItem, ClientOptions, ClusterStatus, SubmitOptions, TaskResultRecord } from "./client/index.ts";
export { ControlPlane, createControlPlane, EmbeddedClient, type ControlPlaneOptions, type ControlPlaneEvents, type EventName } from "./control-plane/index.ts";
export {
  FastWorkerError, TaskError, UnavailableError, ProtocolError, NngError, LibraryError, ConfigError,
  TaskDefinitionError, StateTransitionError, RetryLater, NonRetryable, type ErrorCode, type WireError,
} from "./errors.ts";
export type { TaskRecord, TaskState, WorkerInfo } from "./protocol/index.ts";
