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
