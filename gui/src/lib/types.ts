// The server's JSON contract, imported type-only so the page and the API cannot drift apart.
export type * from "../../../src/server/api-types.ts";
export type { TaskRecord } from "../../../src/protocol/frames.ts";
