// The cancel and retry buttons (table and detail share them): call the API, then say what happened.
import { shortId } from "./format.ts";
import { tasks } from "./tasks-store.ts";
import { errorText, notify } from "./toasts.ts";

export async function cancelTask(id: string): Promise<void> {
  try {
    await tasks.cancel(id);
    notify("ok", `Task ${shortId(id)} cancelled`);
  } catch (error) {
    notify("error", `Could not cancel ${shortId(id)}: ${errorText(error)}`);
  }
}

export async function retryTask(id: string): Promise<void> {
  try {
    await tasks.retry(id);
    notify("ok", `Task ${shortId(id)} queued again`);
  } catch (error) {
    notify("error", `Could not retry ${shortId(id)}: ${errorText(error)}`);
  }
}

export const canCancel = (status: string): boolean => ["pending", "scheduled", "queued", "running", "retrying"].includes(status);
export const canRetry = (status: string): boolean => status === "failure" || status === "cancelled";
