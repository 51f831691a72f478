// Completion callbacks: submit without waiting, and be told when each task ends. The control plane
// connects to our address (NNG PAIR) and sends the finished task's record with our callbackData.
//
//   bun bin/fastworker.ts control-plane --task-modules examples/tasks.ts
//   bun examples/callbacks.ts                        # in another terminal
//
// FASTWORKER_CONTROL_PLANE_ADDRESS picks the control plane (default: discovery);
// FASTWORKER_CALLBACK_ADDRESS where we listen (default tcp://127.0.0.1:5601).
import { Client, listenForCallbacks, type TaskResultRecord } from "fastworker";

const address = process.env.FASTWORKER_CONTROL_PLANE_ADDRESS;
const callbackAddress = process.env.FASTWORKER_CALLBACK_ADDRESS ?? "tcp://127.0.0.1:5601";
const jobs = [
  { task: "add", args: [2, 3], orderId: 1 },
  { task: "report", args: ["q3"], orderId: 2 },
  { task: "validate", args: ["not-an-email"], orderId: 3 }, // fails: the callback says so too
];

const done = new Map<string, { record: TaskResultRecord; data: unknown }>();
let allDone: () => void = () => {};
const finished = new Promise<void>((resolve) => (allDone = resolve));

// Listen before submitting, so no notice can arrive before anyone is there.
const callbacks = listenForCallbacks(callbackAddress, (record, data) => {
  done.set(record.taskId, { record, data });
  console.log(JSON.stringify({ callback: record.taskId, task: record.name, status: record.status, result: record.result ?? null, error: record.error?.code ?? null, data }));
  if (done.size === jobs.length) allDone();
});

const client = await new Client(address ? { address } : {}).start();
try {
  for (const job of jobs) {
    const id = await client.delayWithCallback(job.task, callbacks.address, job.args, { callbackData: { orderId: job.orderId } });
    console.log(JSON.stringify({ submitted: id, task: job.task }));
  }
  const timeout = setTimeout(() => {
    console.error(`only ${done.size} of ${jobs.length} callbacks arrived within 15 s`);
    process.exit(1);
  }, 15_000);
  await finished;
  clearTimeout(timeout);
  console.log(`all ${jobs.length} callbacks received`);
} finally {
  await client.stop();
  await callbacks.close();
}
