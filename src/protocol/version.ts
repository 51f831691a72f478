/** The wire version in every frame's `v`; bump on any incompatible change (like nng's reqrep0). */
export const PROTOCOL_VERSION = 1;

/** Read from package.json so `fastworker version` and the announce frame agree. */
export { version as FASTWORKER_VERSION } from "../../package.json";
