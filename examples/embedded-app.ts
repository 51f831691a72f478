// One process: an Elysia app with the control plane inside it (its Bun Worker pool runs the
// tasks of examples/tasks.ts) and the dashboard on the same port under /fastworker.
//
//   bun examples/embedded-app.ts                     # PORT=3000 by default
//   curl 'http://127.0.0.1:3000/add?x=2&y=3'         # {"sum":5}, no network hop to the control plane
//   open http://127.0.0.1:3000/fastworker/           # the dashboard
//
// It still listens on its NNG address (FASTWORKER_BASE_ADDRESS, default tcp://127.0.0.1:5555), so
// subworkers and other processes can join:
//   bun bin/fastworker.ts submit --task-name add --args 1 2 --control-plane-address tcp://127.0.0.1:5555
//   bun bin/fastworker.ts subworker --task-modules examples/tasks.ts --control-plane-address tcp://127.0.0.1:5555
import { join } from "node:path";
import { Elysia, t } from "elysia";
import { fastworker } from "fastworker/elysia";
import { add, report } from "./tasks.ts";

const port = Number(process.env.PORT ?? 3000);
// Where it announces itself for discovery (default tcp://127.0.0.1:5550), like the CLI's control plane.
const discovery = process.env.FASTWORKER_DISCOVERY_ADDRESS;

const app = new Elysia()
  .use(fastworker({
    embedded: {
      // A path from this file, so the app runs from any working directory.
      taskModules: [join(import.meta.dir, "tasks.ts")],
      concurrency: Number(process.env.FASTWORKER_CONCURRENCY ?? 2),
      address: process.env.FASTWORKER_BASE_ADDRESS ?? "tcp://127.0.0.1:5555",
      ...(discovery ? { discoveryAddress: discovery } : {}),
      dashboard: { prefix: "/fastworker" },
    },
  }))
  .get("/add", async ({ fw, query }) => ({ sum: await fw.submit(add, [query.x, query.y]) }), {
    query: t.Object({ x: t.Numeric(), y: t.Numeric() }),
  })
  .get("/report/:q", async ({ fw, params }) => fw.submit(report, [params.q]))
  .get("/workers", ({ fw }) => ({ workers: fw.workerCount }))
  .listen({ port, hostname: "127.0.0.1" });

// The control plane is started with the app; its events are there to subscribe to.
const fw = app.decorator.fw;
await fw.start();
fw.controlPlane!.on("task.failed", (event) => console.error(`task ${event.record.taskId} (${event.record.name}) failed: ${event.record.error?.message}`));
console.log(`embedded-app listening on http://127.0.0.1:${app.server?.port} (dashboard: http://127.0.0.1:${app.server?.port}/fastworker/, control plane: ${fw.controlPlane!.address})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.stop(true);
    await fw.stop(); // stops the control plane and closes the dashboard's streams
    process.exit(0);
  });
}
