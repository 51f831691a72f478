import type { PeerSecurity } from "../client/connection.ts";
import type { AuthRole } from "../protocol/index.ts";
import { loadTls, type TlsFiles } from "./tls-files.ts";

/** A client's or subworker's token and TLS files -> what its Connection uses (files are read now). */
export function peerSecurity(options: { token?: string } & TlsFiles, role: AuthRole): PeerSecurity {
  const tls = loadTls({
    ...(options.tlsCert ? { tlsCert: options.tlsCert } : {}),
    ...(options.tlsKey ? { tlsKey: options.tlsKey } : {}),
    ...(options.tlsCa ? { tlsCa: options.tlsCa } : {}),
  });
  return { role, ...(options.token ? { token: options.token } : {}), ...(tls ? { tls } : {}) };
}

/**
 * An explicit token, else the environment's (FASTWORKER_TOKEN / FASTWORKER_WORKER_TOKEN), as the
 * CLI does: a process started with the variable set speaks to its cluster without code changes.
 */
export function envToken(explicit: string | undefined, name: "FASTWORKER_TOKEN" | "FASTWORKER_WORKER_TOKEN", env: Record<string, string | undefined> = process.env): { token?: string } {
  const token = explicit ?? (env[name] || undefined);
  return token ? { token } : {};
}
