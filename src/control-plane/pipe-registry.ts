/**
 * What the control plane knows about one NNG pipe (one peer connection). Every per-connection
 * bound reads and writes it here: the held long-polls (held-waits.ts), the requests in progress
 * and the last activity (connection-limits.ts).
 */
export interface PipeState {
  readonly id: number;
  /** NNG reported the pipe added (a request may reach JS first: the two travel by different queues). */
  connected: boolean;
  /** Requests received and not answered yet, held long-polls included. */
  outstanding: number;
  /** The held long-polls; aborting one answers it at once (see HeldWaits). */
  readonly held: Set<AbortController>;
  /** When a request last arrived or was answered, or the pipe was added: what the idle timeout counts from. */
  lastActiveAt: number;
}

/** Called once per pipe when it goes away, with what was known about it. */
export type PipeCloseHook = (pipe: number, state: PipeState) => void;

/**
 * The one table of open connections: which pipes exist, their counters, and the hooks that run
 * when one closes (the auth gate forgets its proof, the subworker registry frees its ids, held
 * waits end). A pipe's state appears on the first thing heard of it and goes with its removal.
 */
export class PipeRegistry {
  private readonly pipes = new Map<number, PipeState>();
  private readonly hooks: PipeCloseHook[] = [];
  private connectedCount = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Pipes NNG reported added and not removed yet. */
  get connected(): number {
    return this.connectedCount;
  }

  /** The state of `pipe`, created when nothing was heard of it yet. */
  get(pipe: number): PipeState {
    let state = this.pipes.get(pipe);
    if (state === undefined) {
      state = { id: pipe, connected: false, outstanding: 0, held: new Set(), lastActiveAt: this.now() };
      this.pipes.set(pipe, state);
    }
    return state;
  }

  peek(pipe: number): PipeState | undefined {
    return this.pipes.get(pipe);
  }

  all(): IterableIterator<PipeState> {
    return this.pipes.values();
  }

  onClose(hook: PipeCloseHook): void {
    this.hooks.push(hook);
  }

  /** NNG added the pipe (the connection limit has let it in). */
  added(pipe: number): PipeState {
    const state = this.get(pipe);
    if (!state.connected) {
      state.connected = true;
      this.connectedCount++;
      state.lastActiveAt = this.now();
    }
    return state;
  }

  /** The pipe is gone: its state leaves the table first, so work still finishing cannot bring it back; then every hook runs. */
  removed(pipe: number): void {
    const state = this.pipes.get(pipe);
    if (state === undefined) return;
    this.pipes.delete(pipe);
    if (state.connected) this.connectedCount--;
    for (const hook of this.hooks) hook(pipe, state);
  }

  /** A request arrived on the pipe. */
  begin(pipe: number): PipeState {
    const state = this.get(pipe);
    state.outstanding++;
    state.lastActiveAt = this.now();
    return state;
  }

  /** Its reply was handed to NNG (or the request was dropped). */
  end(state: PipeState): void {
    state.outstanding--;
    state.lastActiveAt = this.now();
  }
}
