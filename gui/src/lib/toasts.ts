// Short-lived notices in the corner: what a button did, or why it failed.
import { reactive } from "vue";

export interface Toast {
  id: number;
  kind: "ok" | "error";
  text: string;
}

export const toasts = reactive<Toast[]>([]);
let next = 1;

export function notify(kind: Toast["kind"], text: string, ms = kind === "error" ? 7000 : 3500): void {
  const id = next++;
  toasts.push({ id, kind, text });
  if (toasts.length > 4) toasts.shift();
  setTimeout(() => dismiss(id), ms);
}

export function dismiss(id: number): void {
  const at = toasts.findIndex((t) => t.id === id);
  if (at >= 0) toasts.splice(at, 1);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
