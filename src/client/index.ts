export { Client } from "./client.ts";
export type { BatchItem, ClientOptions, ClusterStatus, SubmitOptions, TaskResultRecord } from "./types.ts";
