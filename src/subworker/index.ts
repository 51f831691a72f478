export { Subworker, createSubworker, type SubworkerState, type SubworkerStats } from "./subworker.ts";
export type { SubworkerOptions } from "./options.ts";
export type { SubworkerEvents, SubworkerEventName } from "./events.ts";
export type { SubworkerCounters } from "./counters.ts";
