import { boolean, resolve, text } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { loadTls, parseClientAuth, readPem } from "../auth/tls-files.ts";
import { parseCallbackAllow } from "../auth/callback-allow.ts";
import { isLoopbackAddress } from "../auth/loopback.ts";
import type { TlsOptions } from "../nng/index.ts";
import { flag, type Args } from "./shared.ts";
export { controlPlaneSecurityArgs, peerSecurityArgs } from "./security-flags.ts";

type Env = Record<string, string | undefined>;

function str(args: Args, env: Env, name: string, envName: string): string {
  return resolve({ flag: name, env: envName, parse: text, fallback: "" }, flag(args, name), env);
}

/** Token and TLS files of a client or subworker (files are read when it connects). */
export function peerSecurityOptions(args: Args, env: Env): { token?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string } {
  const token = str(args, env, "token", "FASTWORKER_TOKEN");
  const tlsCa = str(args, env, "tls-ca", "FASTWORKER_TLS_CA");
  const tlsCert = str(args, env, "tls-cert", "FASTWORKER_TLS_CERT");
  const tlsKey = str(args, env, "tls-key", "FASTWORKER_TLS_KEY");
  return { ...(token ? { token } : {}), ...(tlsCa ? { tlsCa } : {}), ...(tlsCert ? { tlsCert } : {}), ...(tlsKey ? { tlsKey } : {}) };
}

export interface ControlPlaneSecurity {
  token?: string;
  workerToken?: string;
  tls?: TlsOptions;
  insecure: boolean;
  callbackAllow: string[];
  guiTls?: { certPem: string; keyPem: string };
}

/**
 * Resolves and checks the control plane's security settings before anything listens: a
 * non-loopback address needs a token (or an explicit --insecure), TLS files must be readable.
 */
export function controlPlaneSecurityOptions(args: Args, env: Env, baseAddress: string): ControlPlaneSecurity {
  const token = str(args, env, "token", "FASTWORKER_TOKEN");
  const workerToken = str(args, env, "worker-token", "FASTWORKER_WORKER_TOKEN");
  const insecure = flag(args, "insecure") === true || resolve({ flag: "insecure", env: "FASTWORKER_INSECURE", parse: boolean, fallback: false }, undefined, env);
  if (workerToken && !token) throw new ConfigError("--worker-token needs --token too (clients use the token, subworkers the worker token): set FASTWORKER_TOKEN");
  if (!token && !insecure && !isLoopbackAddress(baseAddress)) {
    throw new ConfigError(`${baseAddress} is reachable beyond this machine, so it needs a token: set FASTWORKER_TOKEN=$(openssl rand -hex 32) (or --token), or pass --insecure on a network you trust`);
  }
  const clientAuth = str(args, env, "tls-client-auth", "FASTWORKER_TLS_CLIENT_AUTH");
  const tls = loadTls({
    ...optional("tlsCert", str(args, env, "tls-cert", "FASTWORKER_TLS_CERT")),
    ...optional("tlsKey", str(args, env, "tls-key", "FASTWORKER_TLS_KEY")),
    ...optional("tlsCa", str(args, env, "tls-ca", "FASTWORKER_TLS_CA")),
    ...(clientAuth ? { tlsClientAuth: parseClientAuthFlag(clientAuth) } : {}),
  });
  if (tls && !/^tls\+tcp[46]?:\/\//.test(baseAddress)) throw new ConfigError(`--tls-cert/--tls-key are for a tls+tcp:// --base-address, not ${baseAddress}`);
  if (!tls && /^tls\+tcp[46]?:\/\//.test(baseAddress)) throw new ConfigError(`${baseAddress} needs --tls-cert and --tls-key (or FASTWORKER_TLS_CERT / FASTWORKER_TLS_KEY)`);
  const callbackAllow = parseCallbackAllow(resolve({ flag: "callback-allow", env: "FASTWORKER_CALLBACK_ALLOW", parse: text, fallback: "" }, flag(args, "callback-allow"), env));
  const guiCert = str(args, env, "gui-tls-cert", "FASTWORKER_GUI_TLS_CERT");
  const guiKey = str(args, env, "gui-tls-key", "FASTWORKER_GUI_TLS_KEY");
  if (Boolean(guiCert) !== Boolean(guiKey)) throw new ConfigError("--gui-tls-cert and --gui-tls-key go together: give both");
  return {
    ...(token ? { token } : {}),
    ...(workerToken ? { workerToken } : {}),
    ...(tls ? { tls } : {}),
    insecure,
    callbackAllow,
    ...(guiCert && guiKey ? { guiTls: { certPem: readPem(guiCert, "dashboard TLS certificate", "--gui-tls-cert"), keyPem: readPem(guiKey, "dashboard TLS key", "--gui-tls-key") } } : {}),
  };
}

function optional<K extends string>(key: K, value: string): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function parseClientAuthFlag(raw: string): "none" | "optional" | "required" {
  try {
    return parseClientAuth(raw);
  } catch (error) {
    throw new ConfigError(`--tls-client-auth: ${error instanceof Error ? error.message : String(error)}`);
  }
}


/** One banner line: what protects the task port. Never the token itself. */
export function describeSecurity(security: ControlPlaneSecurity): string {
  const auth = security.token ? `token required${security.workerToken ? " (subworkers: worker token)" : ""}` : "no token (anyone who reaches the port may do anything)";
  const tls = security.tls ? `TLS${security.tls.clientAuth === "required" ? " with client certificates" : ""}` : "no TLS";
  return `${auth}; ${tls}`;
}
