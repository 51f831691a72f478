import { isLoopbackAddress } from "../auth/loopback.ts";
import { loadTls } from "../auth/tls-files.ts";

export interface SecurityCheck {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

type Env = Record<string, string | undefined>;

/** Whether auth and TLS are on for the settings in the environment; never prints a token. */
export function securityChecks(env: Env): SecurityCheck[] {
  const base = env.FASTWORKER_BASE_ADDRESS || "tcp://127.0.0.1:5555";
  const token = Boolean(env.FASTWORKER_TOKEN);
  const workerToken = Boolean(env.FASTWORKER_WORKER_TOKEN);
  const insecure = /^(1|true|yes|on)$/i.test(env.FASTWORKER_INSECURE ?? "");
  const exposed = !isLoopbackAddress(base);
  const checks: SecurityCheck[] = [];
  const authDetail = token ? `on (FASTWORKER_TOKEN is set${workerToken ? ", subworkers need FASTWORKER_WORKER_TOKEN" : ""})` : "off (no FASTWORKER_TOKEN)";
  checks.push({
    check: "auth", ok: token || !exposed || insecure,
    detail: `${authDetail}; ${base} is ${exposed ? "reachable from other machines" : "loopback only"}`,
    ...(!token && exposed && !insecure ? { fix: "set FASTWORKER_TOKEN=$(openssl rand -hex 32) on the control plane and every client and subworker" } : {}),
  });
  const tlsAddress = /^tls\+tcp[46]?:\/\//.test(base);
  try {
    const tls = loadTls({
      ...(env.FASTWORKER_TLS_CERT ? { tlsCert: env.FASTWORKER_TLS_CERT } : {}),
      ...(env.FASTWORKER_TLS_KEY ? { tlsKey: env.FASTWORKER_TLS_KEY } : {}),
      ...(env.FASTWORKER_TLS_CA ? { tlsCa: env.FASTWORKER_TLS_CA } : {}),
    });
    const files = tls ? [tls.certPem && "certificate", tls.keyPem && "key", tls.caPem && "CA"].filter(Boolean).join(", ") : "";
    checks.push({
      check: "tls", ok: !tlsAddress || (tls?.certPem !== undefined || tls?.caPem !== undefined),
      detail: tlsAddress ? `on (${base}; ${files || "no FASTWORKER_TLS_* files"})` : `off (${base} is not tls+tcp://${files ? `; files readable: ${files}` : ""})`,
      ...(exposed && !tlsAddress ? { fix: "across untrusted networks use a tls+tcp:// address with FASTWORKER_TLS_CERT / FASTWORKER_TLS_KEY (docs/operations.md, Security)" } : {}),
    });
  } catch (error) {
    checks.push({ check: "tls", ok: false, detail: error instanceof Error ? error.message : String(error), fix: "point FASTWORKER_TLS_* at readable PEM files" });
  }
  return checks;
}
