/**
 * Binds each subworker id to the connection (NNG pipe) that said hello with it, so a second
 * peer that learns the id (status lists them) cannot lease its tasks, report for it or say bye.
 * When that connection closes the id is free again: the subworker reconnecting (a new pipe)
 * resumes it with its next lease or report instead of losing its running tasks.
 */
export class WorkerSessions {
  private readonly pipeOf = new Map<string, number>();
  private readonly idsOf = new Map<number, Set<string>>();

  bind(workerId: string, pipe: number): void {
    this.unbind(workerId);
    this.pipeOf.set(workerId, pipe);
    let ids = this.idsOf.get(pipe);
    if (!ids) this.idsOf.set(pipe, (ids = new Set()));
    ids.add(workerId);
  }

  unbind(workerId: string): void {
    const pipe = this.pipeOf.get(workerId);
    if (pipe === undefined) return;
    this.pipeOf.delete(workerId);
    const ids = this.idsOf.get(pipe);
    ids?.delete(workerId);
    if (ids?.size === 0) this.idsOf.delete(pipe);
  }

  /** True when another connection that is still open holds the id. */
  heldByOther(workerId: string, pipe: number): boolean {
    const holder = this.pipeOf.get(workerId);
    return holder !== undefined && holder !== pipe;
  }

  /** May `pipe` act for the id? Yes if it holds it, or if the id's connection closed (it is then bound to `pipe`). */
  claim(workerId: string, pipe: number): boolean {
    const holder = this.pipeOf.get(workerId);
    if (holder === pipe) return true;
    if (holder !== undefined) return false;
    this.bind(workerId, pipe);
    return true;
  }

  /** True while the connection holds at least one subworker id. */
  holdsAny(pipe: number): boolean {
    return this.idsOf.has(pipe);
  }

  /** The connection closed: its ids are free for their subworker's next connection. */
  release(pipe: number): void {
    const ids = this.idsOf.get(pipe);
    if (!ids) return;
    this.idsOf.delete(pipe);
    for (const id of ids) this.pipeOf.delete(id);
  }
}
