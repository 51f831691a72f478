/**
 * The one way components observe each other: sets of listeners, never a single overwritable
 * hook, so adding an observer cannot silently replace another and nothing depends on who was
 * wired last. A listener that throws is reported to `onError` and the others still run: an
 * observer (metrics, the dashboard) must never break the component it observes.
 */

export type ListenerError = (error: unknown) => void;

/** Listeners of one kind of call, run in the order they were added. */
export class ListenerSet<A extends unknown[]> {
  private readonly listeners = new Set<(...args: A) => void>();

  constructor(private readonly onError: ListenerError) {}

  get size(): number {
    return this.listeners.size;
  }

  /** Adds `listener`; the function returned removes it. */
  add(listener: (...args: A) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  call(...args: A): void {
    for (const listener of this.listeners) {
      try {
        listener(...args);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}

/** Typed named events, each with its own listener set: `on(name, listener)`, `emit(name, payload)`. */
export class Emitter<Events extends object> {
  private readonly byName = new Map<keyof Events, ListenerSet<[never]>>();
  private count = 0;

  /** `onError(name, error)`: a listener of `name` threw (it was skipped). */
  constructor(private readonly onError: (name: string, error: unknown) => void) {}

  /** True when nobody listens, so emitters can skip building payloads. */
  get idle(): boolean {
    return this.count === 0;
  }

  on<K extends keyof Events>(name: K, listener: (payload: Events[K]) => void): () => void {
    let set = this.byName.get(name) as ListenerSet<[Events[K]]> | undefined;
    if (set === undefined) {
      set = new ListenerSet<[Events[K]]>((error) => this.onError(String(name), error));
      this.byName.set(name, set as unknown as ListenerSet<[never]>);
    }
    const remove = set.add(listener);
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      this.count--;
    };
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    (this.byName.get(name) as ListenerSet<[Events[K]]> | undefined)?.call(payload);
  }
}
