export { ControlPlane, DEFAULT_ADDRESS, type ControlPlaneOptions, type SubmitReply } from "./control-plane.ts";
export { createControlPlane } from "./create-control-plane.ts";
export type { ControlPlaneEvents, EventName } from "./events.ts";
export { createView, createCommands, type ControlPlaneView, type ControlPlaneCommands, type TaskQuery, type TaskPage, type RegisteredTask } from "./view.ts";
export { EmbeddedClient } from "./embedded-client.ts";
