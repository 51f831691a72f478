/** What happened to the tasks this subworker was given, since start. Shared by the runner and the lease loop. */
export interface SubworkerCounters {
  /** Attempts that finished on the pool (success or failure) and were queued for a report. */
  completed: number;
  /** Of those, outcomes sent to the control plane (less any whose report then failed: those count as dropped). */
  reported: number;
  /** Outcomes or running tasks thrown away because the registration they belonged to ended. */
  dropped: number;
  /** Tasks stopped because the control plane said so (`leased.cancel`). */
  cancelled: number;
  /** Tasks not run because the pool was shutting down; the control plane re-queues them after bye. */
  returned: number;
  /** Lease and report requests sent: compare with `completed` to see the batching. */
  requests: number;
}

export function newCounters(): SubworkerCounters {
  return { completed: 0, reported: 0, dropped: 0, cancelled: 0, returned: 0, requests: 0 };
}
