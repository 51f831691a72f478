import { defineCommand } from "citty";
import { FASTWORKER_VERSION, PROTOCOL_VERSION } from "../protocol/index.ts";
import { loadTaskModules } from "../tasks/index.ts";
import { formatPreview, previewSchedules } from "../scheduler/index.ts";
import type { CliContext } from "./context.ts";
import { EXIT } from "./exit-codes.ts";
import { memberLines, memberStatuses, roleLine } from "./cluster-status.ts";
import { connectClient, connectionArgs, controlPlaneAddresses, emit, flag, taskModules, warnEmptyModules, type Args } from "./shared.ts";
import { UsageError } from "./strict-args.ts";

export function statusCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "status", description: "Show a task (--task-id) or the control plane's queues and workers" },
    args: { "task-id": { type: "string", description: "A task id" }, ...connectionArgs },
    async run({ args }) {
      const a = args as Args;
      const client = await connectClient(a, ctx);
      try {
        const id = flag(a, "task-id");
        if (typeof id === "string") {
          const record = await client.result(id);
          emit(ctx, a, record, () => [
            `task ${record.taskId} (${record.name}): ${record.status}`,
            ...(record.status === "success" ? [`result: ${JSON.stringify(record.result)}`] : []),
            ...(record.error ? [`error: ${record.error.code} ${record.error.message}`] : []),
            `attempts: ${record.attempts}${record.workerId ? `, worker ${record.workerId}` : ""}`,
          ].join("\n"));
          if (record.status === "failure" || record.status === "cancelled") ctx.exitCode = EXIT.taskFailed;
          return;
        }
        const status = await client.status();
        // Several addresses (active/standby): each says what it is, standbys included.
        const addresses = controlPlaneAddresses(a, ctx);
        const members = addresses.length > 1 ? await memberStatuses(a, ctx, addresses) : undefined;
        const role = roleLine(status);
        emit(ctx, a, members ? { ...status, controlPlanes: members } : status, () => [
          `control plane ${status.cpId} (FastWorker ${status.version}), up ${Math.round((Date.now() - status.startedAt) / 1000)} s`,
          ...(role ? [role] : []),
          ...(members ? ["control planes:", ...memberLines(members)] : []),
          `queued: ${Object.entries(status.queues).map(([p, n]) => `${p} ${n}`).join(", ")}; scheduled ${status.scheduled}; running ${status.running}`,
          `results cached: ${status.cache.size}/${status.cache.maxSize}`,
          "workers:",
          ...status.workers.map((w) => `  ${w.id} [${w.kind}] ${w.state}${w.state === "inactive" ? ` (last seen ${new Date(w.lastSeenAt).toISOString()})` : ""} running ${w.running}/${w.capacity}, completed ${w.completed}`),
          // The reply lists one page of workers (docs/protocol.md): say how many it left out.
          ...(status.workersTotal > status.workers.length ? [`  … and ${status.workersTotal - status.workers.length} more`] : []),
        ].join("\n"));
      } finally {
        await client.stop();
      }
    },
  });
}

export function cancelCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "cancel", description: "Cancel a queued, scheduled or running task" },
    args: { "task-id": { type: "string", description: "The task id", required: true }, ...connectionArgs },
    async run({ args }) {
      const a = args as Args;
      const client = await connectClient(a, ctx);
      try {
        const id = String(flag(a, "task-id"));
        const cancelled = await client.cancel(id);
        emit(ctx, a, { taskId: id, cancelled }, () => (cancelled ? `cancelled ${id}` : `${id} had already finished; nothing to cancel`));
        if (!cancelled) ctx.exitCode = EXIT.taskFailed;
      } finally {
        await client.stop();
      }
    },
  });
}

export function listCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "list", description: "List the tasks defined in task modules, or (without --task-modules) those of the running control plane" },
    args: {
      "task-modules": { type: "string", description: "Task module files or folders, space- or comma-separated [FASTWORKER_TASK_MODULES]" },
      tree: { type: "boolean", description: "Group by module (needs --task-modules)" },
      "list-periodic": { type: "boolean", description: "Only periodic tasks (repeatIntervalMs or cron), with their next 3 run times (needs --task-modules)" },
      ...connectionArgs,
    },
    async run({ args }) {
      const a = args as Args;
      const modules = taskModules(a, ctx, false);
      if (modules.length === 0) return listRegistered(a, ctx);
      const catalog = await loadTaskModules(modules);
      warnEmptyModules(ctx, catalog);
      if (flag(a, "list-periodic")) {
        const periodic = previewSchedules(catalog, Date.now());
        emit(ctx, a, { periodic }, () => formatPreview(periodic));
        return;
      }
      const entries = catalog.entries().map((e) => ({
        name: e.definition.name, module: e.modulePath, export: e.exportName, priority: e.definition.options.priority,
        retries: e.definition.options.retries, timeoutMs: e.definition.options.timeoutMs ?? null,
      }));
      emit(ctx, a, { tasks: entries }, () => {
        if (!flag(a, "tree")) return entries.map((e) => `${e.name}  (${e.priority}, retries ${e.retries}${e.timeoutMs ? `, timeout ${e.timeoutMs} ms` : ""})`).join("\n");
        const byModule = Map.groupBy(entries, (e) => e.module);
        return [...byModule].map(([module, list]) => `${module}\n${list.map((e) => `  └─ ${e.name} (export ${e.export})`).join("\n")}`).join("\n");
      });
    },
  });
}

/** The names the running control plane has registered: all it reports, so --tree and --list-periodic need the modules. */
async function listRegistered(a: Args, ctx: CliContext): Promise<void> {
  for (const needsModules of ["tree", "list-periodic"]) {
    if (flag(a, needsModules)) throw new UsageError(`--${needsModules} needs --task-modules: the control plane reports task names only`);
  }
  const client = await connectClient(a, ctx);
  try {
    const status = await client.status();
    emit(ctx, a, { controlPlane: status.cpId, address: client.address, tasks: status.tasks.map((name) => ({ name })) }, () => status.tasks.join("\n"));
  } finally {
    await client.stop();
  }
}

export function versionCommand(ctx: CliContext) {
  return defineCommand({
    meta: { name: "version", description: "Print FastWorker's version" },
    args: { json: { type: "boolean", description: "JSON output" } },
    run({ args }) {
      emit(ctx, args as Args, { version: FASTWORKER_VERSION, protocol: PROTOCOL_VERSION, bun: Bun.version }, () => `fastworker ${FASTWORKER_VERSION} (protocol v${PROTOCOL_VERSION}, bun ${Bun.version})`);
    },
  });
}

