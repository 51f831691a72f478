/**
 * The security flags' declarations (citty style), apart from their resolution in
 * security-args.ts so src/cli/shared.ts can spread them without an import cycle at load time.
 */
/** Flags every command that talks to a control plane takes (clients and subworkers). */
export const peerSecurityArgs = {
  token: { type: "string", description: "Shared secret of the control plane (prefer the env var: flags show in ps) [FASTWORKER_TOKEN]" },
  "tls-ca": { type: "string", description: "CA certificate (PEM) that signed the control plane's, for tls+tcp:// [FASTWORKER_TLS_CA]" },
  "tls-cert": { type: "string", description: "Client certificate (PEM), when the control plane requires one [FASTWORKER_TLS_CERT]" },
  "tls-key": { type: "string", description: "Key of --tls-cert (PEM) [FASTWORKER_TLS_KEY]" },
} as const;

/** The control plane's extra security flags. */
export const controlPlaneSecurityArgs = {
  token: { type: "string", description: "Shared secret clients and subworkers must prove (prefer the env var) [FASTWORKER_TOKEN]" },
  "worker-token": { type: "string", description: "Only its holders may register subworkers, lease and report [FASTWORKER_WORKER_TOKEN]" },
  "tls-cert": { type: "string", description: "Certificate (PEM) for a tls+tcp:// --base-address [FASTWORKER_TLS_CERT]" },
  "tls-key": { type: "string", description: "Key of --tls-cert (PEM) [FASTWORKER_TLS_KEY]" },
  "tls-ca": { type: "string", description: "CA (PEM) that signs client certificates, with --tls-client-auth [FASTWORKER_TLS_CA]" },
  "tls-client-auth": { type: "string", description: "none (default), optional or required: ask clients for a certificate [FASTWORKER_TLS_CLIENT_AUTH]" },
  insecure: { type: "boolean", description: "Listen beyond loopback without a token (anyone who reaches the port can do anything) [FASTWORKER_INSECURE]" },
  "callback-allow": { type: "string", description: "Where completion callbacks may dial: CIDRs, host:port, host:* (default loopback only) [FASTWORKER_CALLBACK_ALLOW]" },
  "gui-tls-cert": { type: "string", description: "Certificate (PEM): serve the dashboard over HTTPS [FASTWORKER_GUI_TLS_CERT]" },
  "gui-tls-key": { type: "string", description: "Key of --gui-tls-cert (PEM) [FASTWORKER_GUI_TLS_KEY]" },
} as const;
