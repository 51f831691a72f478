import { Announcer, DEFAULT_DISCOVERY_ADDRESS } from "../discovery/index.ts";
import type { Logger } from "../log.ts";

export interface AnnounceSettings {
  /** undefined: the default address; null: discovery off. */
  discoveryAddress: string | null | undefined;
  cpId: string;
  address: string;
  guiUrl?: string;
  log: Logger;
}

/** Starts announcing this control plane; undefined when discovery is off or its address is taken (logged). */
export function startAnnouncing(settings: AnnounceSettings): Announcer | undefined {
  const discoveryAddress = settings.discoveryAddress === undefined ? DEFAULT_DISCOVERY_ADDRESS : settings.discoveryAddress;
  if (discoveryAddress === null) return undefined;
  try {
    return new Announcer({
      discoveryAddress, cpId: settings.cpId, address: settings.address, log: settings.log,
      ...(settings.guiUrl ? { guiUrl: settings.guiUrl } : {}),
    });
  } catch (error) {
    // Another control plane (or a squatter) may own the discovery address: serving matters more than
    // announcing, but whoever holds it answers our clients' discovery, so say so loudly.
    settings.log("error", "discovery is OFF: could not listen on the discovery address; whoever holds it answers discovery instead of this control plane (clients with a token still refuse an impostor)", { discoveryAddress, error: String(error) });
    return undefined;
  }
}
