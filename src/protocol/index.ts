export * from "./frames.ts";
export * from "./codec.ts";
export { PROTOCOL_VERSION, FASTWORKER_VERSION } from "./version.ts";
export { buildSpec, type SubmitOptions, type TaskRef } from "./spec.ts";
export { isFinished, unwrapRecord } from "./record.ts";
export { AuthRoleSchema, type AuthRole } from "./auth-frames.ts";
export * from "./limits.ts";
export { withinDepth } from "./depth.ts";
export { encodeResults, type MissingResult, type PackedResults } from "./results-frame.ts";
