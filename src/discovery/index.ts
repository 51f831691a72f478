export { Announcer, type AnnouncerOptions } from "./announcer.ts";
export { discover, DEFAULT_DISCOVERY_ADDRESS } from "./discover.ts";
