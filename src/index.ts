// The public API of the `fastworker` package.
export { task, isTaskDefinition, defineMiddleware } from "./tasks/index.ts";
export type {
  TaskDefinition, TaskOptions, TaskArgs, TaskResult, Priority, CatchUpPolicy,
  TaskContext, HookOutcome, BeforeHook, AfterHook, Middleware,
  HandlerContext, TaskProgress, TaskLogLine,
} from "./tasks/index.ts";
export type { ScheduleInfo, ScheduleFired, ScheduleSkipped, SkipReason } from "./scheduler/index.ts";
export { EVENT_NAMES } from "./control-plane/events.ts";
export type { EventStream, EventStreamOptions, StreamedEvent } from "./control-plane/event-stream.ts";
export { Client, listenForCallbacks, type CallbackListener, type CallbackListenerOptions } from "./client/index.ts";
export type { BackpressureOptions, BatchItem, ClientOptions, ClusterStatus, SubmitOptions, TaskResultRecord } from "./client/index.ts";
export { ControlPlane, createControlPlane, EmbeddedClient, type ControlPlaneOptions, type ControlPlaneEvents, type EventName } from "./control-plane/index.ts";
export {
  FastWorkerError, TaskError, UnavailableError, ProtocolError, NngError, LibraryError, ConfigError,
  TaskDefinitionError, StateTransitionError, RetryLater, NonRetryable, QueueFullError, NotLeaderError, type ErrorCode, type WireError,
} from "./errors.ts";
export type { TaskRecord, TaskState, WorkerInfo } from "./protocol/index.ts";
export { Subworker, createSubworker, type SubworkerOptions } from "./subworker/index.ts";
// Telemetry: the Prometheus text of a control plane (spans and OpenTelemetry metrics need no API of ours).
export { createMetrics, PROMETHEUS_CONTENT_TYPE, type ControlPlaneMetrics } from "./telemetry/index.ts";
export { JournalStore, MemoryTaskStore, PostgresTaskStore, type PostgresStoreOptions, type TaskStore } from "./store/index.ts";
