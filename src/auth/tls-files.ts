import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import type { TlsOptions } from "../nng/index.ts";

/** TLS file paths as users give them (flags, env vars, options). */
export interface TlsFiles {
  /** Certificate chain (PEM): the control plane's, or a client's for mutual TLS. */
  tlsCert?: string;
  /** Its private key (PEM, unencrypted). */
  tlsKey?: string;
  /** CA certificate(s) (PEM) that sign the peer's certificate. */
  tlsCa?: string;
  /** Control plane only: "required" = clients must present a certificate signed by tlsCa. */
  tlsClientAuth?: "none" | "optional" | "required";
}

/** Reads one PEM file; a missing or non-PEM file is a ConfigError naming the path and its flag. */
export function readPem(path: string, what: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new ConfigError(`cannot read the ${what} ${path} (${flag}): ${reason}`);
  }
  if (!text.includes("-----BEGIN ")) throw new ConfigError(`the ${what} ${path} (${flag}) is not PEM text`);
  return text;
}

/** Reads the files (so a wrong path is named before anything listens), or undefined when no TLS file is given. */
export function loadTls(files: TlsFiles): TlsOptions | undefined {
  if (!files.tlsCert && !files.tlsKey && !files.tlsCa) {
    if (files.tlsClientAuth && files.tlsClientAuth !== "none") throw new ConfigError("--tls-client-auth needs --tls-ca (and --tls-cert / --tls-key)");
    return undefined;
  }
  if (Boolean(files.tlsCert) !== Boolean(files.tlsKey)) throw new ConfigError("--tls-cert and --tls-key go together: give both");
  return {
    ...(files.tlsCert ? { certPem: readPem(files.tlsCert, "TLS certificate", "--tls-cert") } : {}),
    ...(files.tlsKey ? { keyPem: readPem(files.tlsKey, "TLS key", "--tls-key") } : {}),
    ...(files.tlsCa ? { caPem: readPem(files.tlsCa, "TLS CA certificate", "--tls-ca") } : {}),
    ...(files.tlsClientAuth ? { clientAuth: files.tlsClientAuth } : {}),
  };
}

export function parseClientAuth(raw: string): "none" | "optional" | "required" {
  if (raw === "none" || raw === "optional" || raw === "required") return raw;
  throw new Error(`expected none, optional or required, got "${raw}"`);
}
