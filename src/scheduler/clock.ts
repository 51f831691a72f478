// The scheduler reads time through the one clock primitive (model/clock.ts); the control plane passes its own.
export { systemClock, type Clock, type ClockTimer } from "../model/clock.ts";
