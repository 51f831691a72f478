// An Elysia app that hands work to a FastWorker control plane running elsewhere.
//
//   bun bin/fastworker.ts control-plane --task-modules examples/tasks.ts
//   bun examples/elysia-app.ts                      # in another terminal; PORT=3000 by default
//   curl 'http://127.0.0.1:3000/add?x=2&y=3'        # {"sum":5}
//   curl -X POST http://127.0.0.1:3000/report/q3    # {"id":"..."}: the report runs in the background
//   curl 'http://127.0.0.1:3000/tasks/<id>?wait=5000'
//   curl http://127.0.0.1:3000/workers
//
// The control plane is found by discovery, or set FASTWORKER_CONTROL_PLANE_ADDRESS=tcp://host:port.
import { Elysia, t } from "elysia";
import { TaskError } from "fastworker";
import { fastworker } from "fastworker/elysia";
import { add, report } from "./tasks.ts";

const port = Number(process.env.PORT ?? 3000);

const app = new Elysia()
  // Starts a Client with the app and stops it with the app; handlers get `fw`. The Client reads
  // FASTWORKER_CONTROL_PLANE_ADDRESS / FASTWORKER_DISCOVERY_ADDRESS itself.
  .use(fastworker())
  .onError(({ error, set }) => {
    // A task that failed, or was never found, is the caller's 4xx-ish problem, with the library's code.
    if (error instanceof TaskError) {
      set.status = error.code === "E_TASK_NOT_FOUND" ? 404 : 422;
      return { error: { code: error.code, message: error.message } };
    }
  })
  // Submit and wait: typed from the definition, so `sum` is a number.
  .get("/add", async ({ fw, query }) => ({ sum: await fw.submit(add, [query.x, query.y]) }), {
    query: t.Object({ x: t.Numeric(), y: t.Numeric() }),
  })
  // Submit without waiting: the id comes back at once.
  .post("/report/:q", async ({ fw, params, set }) => {
    set.status = 202;
    return { id: await fw.delay(report, params.q) };
  })
  .get("/tasks/:id", async ({ fw, params, query }) => {
    const record = await fw.result(params.id, { wait: query.wait ?? 0 });
    return { id: record.taskId, status: record.status, result: record.result ?? null };
  }, { query: t.Object({ wait: t.Optional(t.Numeric()) }) })
  .get("/workers", ({ fw }) => ({ workers: fw.workerCount }))
  .listen({ port, hostname: "127.0.0.1" });

console.log(`elysia-app listening on http://127.0.0.1:${app.server?.port}`);

// Stop the server (closing open connections) and then FastWorker's client, on Ctrl-C or SIGTERM.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.stop(true);
    await app.decorator.fw.stop();
    process.exit(0);
  });
}
