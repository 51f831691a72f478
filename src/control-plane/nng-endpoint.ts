/**
 * The control plane's NNG side: the REP socket on its address with every per-connection bound
 * wired to one pipe registry — authentication (the gate), held waits and request caps
 * (connection-limits), replies past their deadline (slow-readers) — and the request router.
 */
import { AuthGate } from "../auth/gate.ts";
import { envToken } from "../auth/peer-security.ts";
import type { Logger } from "../log.ts";
import { closePipe, RepSocket, type TlsOptions } from "../nng/index.ts";
import { errorFrame } from "../protocol/index.ts";
import { ConnectionLimits, fitToDescriptors } from "./connection-limits.ts";
import type { ResolvedOptions } from "./options.ts";
import { PipeRegistry } from "./pipe-registry.ts";
import { RequestRouter, type RouterHost } from "./request-router.ts";
import { SlowReaders } from "./slow-readers.ts";

export interface EndpointSettings {
  resolved: ResolvedOptions;
  token?: string;
  workerToken?: string;
  tls?: TlsOptions;
  log: Logger;
}

export interface Endpoint {
  readonly rep: RepSocket;
  readonly router: RequestRouter;
  readonly connections: ConnectionLimits;
}

/** Listens and serves; throws (E_ADDRINUSE, TLS errors) with nothing left open. */
export function openEndpoint(host: RouterHost, settings: EndpointSettings): Endpoint {
  const { resolved, log } = settings;
  const token = envToken(settings.token, "FASTWORKER_TOKEN").token;
  const workerToken = envToken(settings.workerToken, "FASTWORKER_WORKER_TOKEN").token;
  const gate = new AuthGate({ ...(token ? { token } : {}), ...(workerToken ? { workerToken } : {}) }, log);
  // One table of connections (pipe-registry.ts): the held waits, the connection limits and the close hooks share it.
  const pipes = new PipeRegistry();
  const connections = new ConnectionLimits(pipes, {
    ...resolved.connectionLimits, maxConnections: fitToDescriptors(resolved.connectionLimits.maxConnections, log), maxHeldPerConnection: resolved.waitLimits.maxHeldPerConnection,
  }, { close: closePipe, trusted: (pipe): boolean => router.trusted(pipe), log });
  const router: RequestRouter = new RequestRouter(host, gate, resolved.waitLimits, pipes, connections);
  // NNG's receive limit IS the frame limit: a peer can never make NNG buffer more than one frame's
  // worth per connection (a larger frame closes its connection; docs/protocol.md).
  const slowReaders = new SlowReaders(resolved.replyTimeoutMs, { close: closePipe, log });
  const rep = new RepSocket({
    recvMaxSize: resolved.maxFrameBytes, onHandlerError: (error) => errorFrame(error),
    replyTimeoutMs: resolved.replyTimeoutMs, onReplyTimeout: (pipe) => slowReaders.replyTimedOut(pipe),
  });
  try {
    rep.onPipeEvent("added", (pipe) => connections.added(pipe)).onPipeEvent("removed", (pipe) => pipes.removed(pipe));
    rep.listen(resolved.address, settings.tls ? { tls: settings.tls } : {});
  } catch (error) {
    void rep.close();
    throw error;
  }
  rep.serve((bytes, pipe) => connections.serve(pipe, () => router.handle(bytes, pipe)));
  connections.start();
  return { rep, router, connections };
}
