import * as v from "valibot";
import { Millis, Version } from "./fields.ts";
import { TaskRecordSchema } from "./frames.ts";

/**
 * Frames that do not go over a control plane's REP socket: discovery announcements (BUS) and
 * completion callbacks (task_done, sent to the address a task names).
 */
export const AnnounceSchema = v.object({
  v: Version, type: v.literal("announce"),
  cpId: v.string(),
  address: v.string(),
  version: v.string(),
  protocol: v.number(),
  guiUrl: v.optional(v.string()),
  at: Millis,
});

export const TaskDoneSchema = v.object({
  v: Version, type: v.literal("task_done"),
  record: TaskRecordSchema,
  callbackData: v.optional(v.unknown()),
});

export type Announce = v.InferOutput<typeof AnnounceSchema>;
export type TaskDone = v.InferOutput<typeof TaskDoneSchema>;
