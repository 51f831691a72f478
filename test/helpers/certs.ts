import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCa {
  dir: string;
  caCert: string;
  /** Server certificate for localhost and `serverIps` (default 127.0.0.1), signed by this CA. */
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by this CA (for mutual TLS). */
  clientCert: string;
  clientKey: string;
  remove: () => void;
}

function openssl(args: string[], cwd: string): void {
  const run = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (!run.success) throw new Error(`openssl ${args.join(" ")} failed: ${run.stderr.toString()}`);
}

/**
 * A throw-away CA with a server and a client certificate, made with the same openssl commands
 * docs/operations.md gives users (so the docs' commands are tested too).
 */
export function makeTestCa(name = "ca", serverIps: readonly string[] = ["127.0.0.1"]): TestCa {
  const dir = mkdtempSync(join(tmpdir(), `fastworker-${name}-`));
  // `DNS:<ip>` too: NNG's TLS checks the dialed host as a name, not only as an IP SAN.
  const sans = ["DNS:localhost", ...serverIps.flatMap((ip) => [`DNS:${ip}`, `IP:${ip}`])];
  writeFileSync(join(dir, "server.ext"), `subjectAltName=${sans.join(",")}\n`);
  writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=FastWorker test ${name}`, "-keyout", "ca.key", "-out", "ca.crt"], dir);
  for (const who of ["server", "client"]) {
    openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${who === "server" ? "127.0.0.1" : "fastworker-client"}`, "-keyout", `${who}.key`, "-out", `${who}.csr`], dir);
    openssl(["x509", "-req", "-in", `${who}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", `${who}.ext`, "-out", `${who}.crt`], dir);
  }
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
