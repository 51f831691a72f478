import { isIP } from "node:net";

/** True for 127.0.0.0/8, ::1 and "localhost". */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/**
 * True when only this machine can reach the NNG address: ipc:// and inproc://, or tcp with a
 * loopback host. Wildcards (0.0.0.0, *, empty) and every other host are reachable from outside.
 */
export function isLoopbackAddress(address: string): boolean {
  if (/^(ipc|inproc):\/\//.test(address)) return true;
  const match = /^[a-z0-9+]+:\/\/(\[[^\]]*\]|[^:/]*)(?::\d+)?/i.exec(address);
  return match !== null && isLoopbackHost(match[1]!);
}
