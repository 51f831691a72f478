import { BlockList, isIP } from "node:net";
import { ConfigError } from "../errors.ts";
import { isLoopbackHost } from "./loopback.ts";

/**
 * Where completion callbacks may dial. Without it any submitter could make the control plane
 * connect to any host and send it a task record. Entries: CIDRs (10.0.0.0/8, fd00::/8), exact
 * host:port, or host:* ; names are matched as text, never resolved. Loopback (and ipc://) is
 * always allowed: it is where submitters on this machine listen.
 */
export class CallbackPolicy {
  private readonly cidrs = new BlockList();
  private readonly endpoints = new Set<string>();
  private readonly anyPortHosts = new Set<string>();

  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const cidr = /^(.+)\/(\d{1,3})$/.exec(entry);
      if (cidr && isIP(cidr[1]!)) {
        this.cidrs.addSubnet(cidr[1]!, Number(cidr[2]), isIP(cidr[1]!) === 6 ? "ipv6" : "ipv4");
        continue;
      }
      const hostPort = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5}|\*)$/.exec(entry);
      if (!hostPort) throw new ConfigError(`--callback-allow: "${entry}" is not a CIDR (10.0.0.0/8), host:port or host:*`);
      const host = hostPort[1]!.replace(/^\[|\]$/g, "").toLowerCase();
      if (hostPort[2] === "*") this.anyPortHosts.add(host);
      else this.endpoints.add(`${host}:${Number(hostPort[2])}`);
    }
  }

  allows(address: string): boolean {
    if (/^ipc:\/\//.test(address)) return true;
    const match = /^(?:tcp|tls\+tcp)[46]?:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(address);
    if (!match) return false;
    const host = match[1]!.replace(/^\[|\]$/g, "").toLowerCase();
    if (isLoopbackHost(host)) return true;
    if (this.endpoints.has(`${host}:${Number(match[2])}`) || this.anyPortHosts.has(host)) return true;
    const family = isIP(host);
    return family !== 0 && this.cidrs.check(host, family === 6 ? "ipv6" : "ipv4");
  }
}

/** Splits a comma/space separated list (the flag and env var form). */
export function parseCallbackAllow(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((s) => s.length > 0);
}
