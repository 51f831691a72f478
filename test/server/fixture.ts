// An in-process control plane with the dashboard app on top, driven through app.handle() (no port).
import { createCommands, createControlPlane, createView, type ControlPlane } from "../../src/control-plane/index.ts";
import { silentLogger } from "../../src/log.ts";
import { createDashboardApp, type DashboardApp, type DashboardAppOptions } from "../../src/server/index.ts";
import type { TaskDetailJson } from "../../src/server/api-types.ts";
import { freeAddress } from "../helpers/ports.ts";
import { waitFor } from "../helpers/wait-for.ts";

export interface InProcess {
  cp: ControlPlane;
  app: DashboardApp;
  call(path: string, init?: RequestInit): Promise<Response>;
  json<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  waitFor(id: string, done?: (d: TaskDetailJson) => boolean, timeoutMs?: number): Promise<TaskDetailJson>;
  stop(): Promise<void>;
}

export const ROOT = `${import.meta.dir}/../..`;

export async function startInProcess(options: DashboardAppOptions = {}, concurrency = 2, taskModules = ["test/fixtures/core-tasks.ts"]): Promise<InProcess> {
  const cp = await createControlPlane({
    taskModules, cwd: ROOT, address: await freeAddress(), discoveryAddress: null, concurrency, log: silentLogger,
  });
  const app = createDashboardApp(createView(cp), createCommands(cp), { log: silentLogger, ...options });
  const call = (path: string, init?: RequestInit) => app.handle(new Request(`http://127.0.0.1${path}`, init));
  const json = async <T>(path: string, init?: RequestInit) => {
    const response = await call(path, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = <T>(path: string, body?: unknown) =>
    json<T>(path, { method: "POST", ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
  const waitForTask = async (id: string, done = (d: TaskDetailJson) => ["success", "failure", "cancelled"].includes(d.status), timeoutMs = 10_000) => {
    let last: TaskDetailJson | undefined;
    return waitFor(async () => {
      const { status, body } = await json<TaskDetailJson>(`/api/tasks/${id}`);
      last = body;
      return status === 200 && done(body) ? body : undefined;
    }, { timeoutMs, intervalMs: 10, message: () => `task ${id} to reach the expected state; last: ${JSON.stringify(last)}` });
  };
  return {
    cp, app, call, json, post, waitFor: waitForTask,
    stop: async () => {
      app.store.dashboard.close();
      await cp.stop();
    },
  };
}

/** Reads an SSE body until `until` says stop (or the time runs out); returns the parsed events. */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  until: (events: Array<{ event: string; data: unknown }>, raw: string) => boolean,
  timeoutMs = 10_000,
): Promise<{ events: Array<{ event: string; data: unknown }>; raw: string; ended: boolean }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let ended = false;
  const events: Array<{ event: string; data: unknown }> = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => null)]); // the bound on this read
    if (next === null) break;
    if (next.done) {
      ended = true;
      break;
    }
    raw += decoder.decode(next.value, { stream: true });
    events.length = 0;
    const frames = raw.split("\n\n");
    frames.pop(); // the last piece is an unfinished frame (or empty)
    for (const frame of frames) {
      const name = /^event: (.+)$/m.exec(frame)?.[1];
      const data = /^data: (.+)$/m.exec(frame)?.[1];
      if (name && data) events.push({ event: name, data: JSON.parse(data) as unknown });
    }
    if (until(events, raw)) break;
  }
  if (!ended) await reader.cancel();
  return { events, raw, ended };
}
