import type { Logger } from "../log.ts";
import { DISCOVERY_MAX_FRAME_BYTES } from "../model/defaults.ts";
import { MessageSocket } from "../nng/index.ts";
import { encodeFrame, FASTWORKER_VERSION, PROTOCOL_VERSION } from "../protocol/index.ts";

export interface AnnouncerOptions {
  discoveryAddress: string;
  cpId: string;
  address: string;
  guiUrl?: string;
  intervalMs?: number;
  log: Logger;
}

/**
 * The control plane's side of discovery: an NNG BUS that announces {id, address, version}
 * every 2 s, and at once to anyone who says something on the bus (so a new client does not
 * wait for the next tick).
 */
export class Announcer {
  private readonly socket: MessageSocket;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly frame: () => Uint8Array;

  constructor(private readonly options: AnnouncerOptions) {
    this.frame = () => encodeFrame({
      v: PROTOCOL_VERSION, type: "announce", cpId: options.cpId, address: options.address, version: FASTWORKER_VERSION,
      protocol: PROTOCOL_VERSION, ...(options.guiUrl ? { guiUrl: options.guiUrl } : {}), at: Date.now(),
    });
    this.socket = MessageSocket.bus({ sendTimeoutMs: 1000, recvMaxSize: DISCOVERY_MAX_FRAME_BYTES }).listen(options.discoveryAddress);
    this.socket.onMessage(() => this.announce());
    this.timer = setInterval(() => this.announce(), options.intervalMs ?? 2000);
    this.timer.unref();
    this.announce();
  }

  private announce(): void {
    this.socket.send(this.frame()).catch((error: unknown) => {
      this.options.log("debug", "discovery announce not sent", { error: String(error) });
    });
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.socket.close();
  }
}
