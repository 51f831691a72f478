// The server's JSON contract, imported type-only so the page and the API cannot drift apart.
export type * from "../../../src/server/api-types.ts";
export type { TaskRecord } from "../../../src/protocol/frames.ts";

import type { StreamEvents } from "../../../src/server/api-types.ts";

/**
 * What a handler reports while it runs (the handler context's progress() and log()). Spelled
 * out here, matching the server's contract, so the page builds whether or not the server's
 * event list names them yet; the stream simply never sends them then.
 */
export interface TaskProgressEvent { id: string; name: string; progress: number | Record<string, unknown> }
export interface TaskLogEvent { id: string; name: string; at: number; message: string }
export interface PageStreamEvents extends StreamEvents {
  "task.progress": TaskProgressEvent;
  "task.log": TaskLogEvent;
}
