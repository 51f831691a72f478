export * from "./frames.ts";
export * from "./codec.ts";
export { PROTOCOL_VERSION, FASTWORKER_VERSION } from "./version.ts";
