// A named import: bundles keep only this field, not the whole package.json.
import { version } from "../../package.json" with { type: "json" };

/** The wire version in every frame's `v`; bump on any incompatible change (like nng's reqrep0). */
export const PROTOCOL_VERSION = 1;

/**
 * Read from package.json so `fastworker version` and the announce frame agree. A typed constant
 * rather than a re-export, so the published declarations need no package.json at a relative path.
 */
export const FASTWORKER_VERSION: string = version;
