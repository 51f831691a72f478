export { ControlPlane, createControlPlane, DEFAULT_ADDRESS, type ControlPlaneOptions, type SubmitReply } from "./control-plane.ts";
export type { ControlPlaneEvents, EventName } from "./events.ts";
