export { CONTROL_PLANE_LEASE, LeaderLease, type Grant, type LeaderInfo, type LeaseOptions } from "./leader-lease.ts";
export { fence, fencedWrite, FENCE_PREDICATE, type FencingToken } from "./fencing.ts";
export { LeaderElector, type ElectorOptions, type Role } from "./elector.ts";
