// The management dashboard: HTTP API, event stream and GUI, served from the control-plane process.
export { createDashboardApp, type DashboardApp, type DashboardAppOptions, type DashboardServices } from "./app.ts";
export { startDashboard, checkDashboardAccess, DEFAULT_GUI_HOST, DEFAULT_GUI_PORT, type Dashboard, type DashboardOptions } from "./start.ts";
export { defaultAssets, directoryAssets, embeddedAssets, mapAssets, DEFAULT_GUI_DIR, type GuiAssets } from "./static-assets.ts";
export type { EventHubOptions } from "./event-hub.ts";
export type * from "./api-types.ts";
