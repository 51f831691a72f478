/**
 * Whether the dashboard may listen where it was asked to, checked before anything starts. Kept apart
 * from start.ts so the CLI can refuse a bad --gui-host without loading Elysia (the dashboard's code is
 * imported only when the dashboard is on).
 */
import { ConfigError } from "../errors.ts";
import { isLoopbackHost } from "./auth.ts";

/**
 * Beyond loopback the dashboard must have a token: it can cancel, retry and submit tasks.
 * @throws ConfigError (E_CONFIG) naming FASTWORKER_GUI_TOKEN.
 */
export function checkDashboardAccess(host: string, token: string | undefined): void {
  if (isLoopbackHost(host) || (token !== undefined && token !== "")) return;
  throw new ConfigError(
    `the dashboard would listen on ${host}, reachable from other machines, without a token: ` +
    "set FASTWORKER_GUI_TOKEN to a long random secret (then every page and API call needs it), or keep --gui-host 127.0.0.1",
  );
}
