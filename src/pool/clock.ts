// The pool reads time through the one clock primitive (model/clock.ts), injected as WorkerPoolOptions.clock.
export { systemClock, type Clock, type ClockTimer } from "../model/clock.ts";
