import { type Pointer } from "bun:ffi";
import { ConfigError } from "../errors.ts";
import { check, nngError } from "./errors.ts";
import { nng } from "./library.ts";

/**
 * TLS material for a `tls+tcp://` endpoint, as PEM text (the caller reads the files, so a bad
 * path is reported with its name before NNG is involved). libnng does the TLS itself (mbedTLS).
 */
export interface TlsOptions {
  /** This side's certificate chain (required to listen). */
  certPem?: string;
  /** The private key of `certPem` (unencrypted PEM). */
  keyPem?: string;
  /** Certificates this side trusts to sign the peer's: needed by dialers, and by listeners that check clients. */
  caPem?: string;
  /** Listener only: ask clients for a certificate ("required" = mutual TLS). Dialers always verify the server. */
  clientAuth?: "none" | "optional" | "required";
  /** Dialer only: the name the server's certificate must carry; defaults to the address's host. */
  serverName?: string;
}

const MODE_CLIENT = 0;
const MODE_SERVER = 1;
const AUTH_MODE = { none: 0, optional: 1, required: 2 } as const;
const encoder = new TextEncoder();
const cstr = (s: string) => encoder.encode(`${s}\0`);

export function isTlsAddress(address: string): boolean {
  return address.startsWith("tls+tcp://") || address.startsWith("tls+tcp4://") || address.startsWith("tls+tcp6://");
}

/** Host part of a tls+tcp URL, for certificate name checks. */
export function hostOf(address: string): string {
  const rest = address.slice(address.indexOf("://") + 3);
  const bracketed = /^\[([^\]]+)\]/.exec(rest);
  if (bracketed) return bracketed[1]!;
  return rest.slice(0, rest.lastIndexOf(":"));
}

/**
 * Builds an nng_tls_config. The endpoint that receives it takes its own reference, so the
 * caller frees this one (freeConfig) once it has been set.
 */
export function createTlsConfig(side: "listen" | "dial", options: TlsOptions, address: string): Pointer {
  const s = nng().symbols;
  const out = new BigUint64Array(1);
  check(s.nng_tls_config_alloc(out, side === "listen" ? MODE_SERVER : MODE_CLIENT), "nng_tls_config_alloc");
  const cfg = Number(out[0]) as Pointer;
  try {
    if (side === "listen") {
      if (!options.certPem || !options.keyPem) throw new ConfigError(`listening on ${address} needs a TLS certificate and key (--tls-cert, --tls-key)`);
      must(s.nng_tls_config_own_cert(cfg, cstr(options.certPem), cstr(options.keyPem), null), "the TLS certificate or key was rejected (is the key the certificate's, in PEM?)");
      const mode = options.clientAuth ?? "none";
      if (mode !== "none" && !options.caPem) throw new ConfigError(`--tls-client-auth ${mode} needs --tls-ca to verify client certificates`);
      if (options.caPem) must(s.nng_tls_config_ca_chain(cfg, cstr(options.caPem), null), "the TLS CA certificate was rejected (is it PEM?)");
      must(s.nng_tls_config_auth_mode(cfg, AUTH_MODE[mode]), "could not set the TLS client-auth mode");
    } else {
      if (!options.caPem) throw new ConfigError(`dialing ${address} needs the CA that signed the control plane's certificate (--tls-ca)`);
      must(s.nng_tls_config_ca_chain(cfg, cstr(options.caPem), null), "the TLS CA certificate was rejected (is it PEM?)");
      must(s.nng_tls_config_auth_mode(cfg, AUTH_MODE.required), "could not set the TLS auth mode");
      must(s.nng_tls_config_server_name(cfg, cstr(options.serverName ?? hostOf(address))), "could not set the TLS server name");
      if (options.certPem && options.keyPem) {
        must(s.nng_tls_config_own_cert(cfg, cstr(options.certPem), cstr(options.keyPem), null), "the TLS client certificate or key was rejected");
      }
    }
  } catch (error) {
    s.nng_tls_config_free(cfg);
    throw error;
  }
  return cfg;
}

export function freeTlsConfig(cfg: Pointer): void {
  nng().symbols.nng_tls_config_free(cfg);
}

function must(rv: number, message: string): void {
  if (rv !== 0) throw new ConfigError(`${message}: ${nngError(rv, "tls").nngName}`);
}
