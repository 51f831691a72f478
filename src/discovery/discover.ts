import { UnavailableError } from "../errors.ts";
import { DEFAULT_DISCOVERY_ADDRESS, DISCOVERY_MAX_FRAME_BYTES } from "../model/defaults.ts";
import { MessageSocket } from "../nng/index.ts";
import { decodeAnnounce, encodeFrame, type Announce } from "../protocol/index.ts";

export { DEFAULT_DISCOVERY_ADDRESS };
const PROBE = encodeFrame({ v: 1, type: "status" });

/**
 * Finds a control plane: dials the discovery BUS, probes until the bus is connected, and
 * returns the first valid announcement. Rejects with E_UNAVAILABLE after `timeoutMs`.
 */
export async function discover(discoveryAddress = DEFAULT_DISCOVERY_ADDRESS, timeoutMs = 3000): Promise<Announce> {
  const bus = MessageSocket.bus({ reconnectMinMs: 50, reconnectMaxMs: 200, sendTimeoutMs: 100, recvMaxSize: DISCOVERY_MAX_FRAME_BYTES }).dial(discoveryAddress);
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let probe: ReturnType<typeof setInterval> | undefined;
  try {
    return await new Promise<Announce>((resolve, reject) => {
      deadline = setTimeout(() => reject(new UnavailableError(`no control plane announced itself on ${discoveryAddress} within ${timeoutMs} ms`)), timeoutMs);
      // A message sent before the pipe exists is dropped, so probe until an announcement arrives.
      // A failed send is just a probe lost (no peer yet); the deadline reports the outcome.
      probe = setInterval(() => void bus.send(PROBE).catch(() => undefined), 100);
      void bus.send(PROBE).catch(() => undefined);
      bus.onMessage((bytes) => {
        try {
          resolve(decodeAnnounce(bytes));
        } catch {
          // Other peers' probes and foreign frames on the bus are not announcements: keep listening.
        }
      });
    });
  } finally {
    // Both timers go on every path: a probe interval left running would keep the process alive.
    clearTimeout(deadline);
    clearInterval(probe);
    await bus.close();
  }
}
