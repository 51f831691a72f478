/** What every route of the dashboard is built from; assembled once by createDashboardApp. */
import type { ControlPlaneCommands, ControlPlaneView } from "../control-plane/index.ts";
import type { Logger } from "../log.ts";
import type { EventHub } from "./event-hub.ts";
import type { MetricsRecorder } from "./metrics.ts";
import type { StatusContext } from "./serialize.ts";

export interface DashboardContext {
  view: ControlPlaneView;
  commands: ControlPlaneCommands;
  hub: EventHub;
  metrics: MetricsRecorder;
  status: StatusContext;
  log: Logger;
}
