export { Client } from "./client.ts";
export { listenForCallbacks, type CallbackListener, type CallbackListenerOptions } from "./callbacks.ts";
export type { BackpressureOptions, BatchItem, ClientOptions, ClusterStatus, SubmitOptions, TaskResultRecord } from "./types.ts";
