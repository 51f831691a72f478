/**
 * The names every span and instrument of FastWorker shares. Kept apart from tracing.ts so that
 * code which only names things (Prometheus text, the instruments' attributes) does not load
 * @opentelemetry/api.
 */
export const TRACER_NAME = "fastworker";

/** Attribute names: OpenTelemetry messaging semantic conventions, then FastWorker's own. */
export const ATTR = {
  system: "messaging.system",
  operationName: "messaging.operation.name",
  operationType: "messaging.operation.type",
  destination: "messaging.destination.name",
  messageId: "messaging.message.id",
  priority: "fastworker.task.priority",
  attempt: "fastworker.task.attempt",
  workerId: "fastworker.worker.id",
  errorType: "error.type",
  threadName: "thread.name",
} as const;

export const MESSAGING_SYSTEM = "fastworker";

/**
 * The messaging attributes every FastWorker span starts with (OpenTelemetry's conventions): the
 * operation, its kind, the task it is about and, when known, that task's id.
 */
export function messagingAttributes(operation: string, type: "send" | "receive" | "process", task: string, messageId?: string): Record<string, string> {
  const attributes: Record<string, string> = {
    [ATTR.system]: MESSAGING_SYSTEM, [ATTR.operationName]: operation, [ATTR.operationType]: type, [ATTR.destination]: task,
  };
  if (messageId !== undefined) attributes[ATTR.messageId] = messageId;
  return attributes;
}
