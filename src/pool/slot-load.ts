/**
 * How many jobs a slot may hold, by budget. A task with its own `concurrency` has that many
 * running places per Worker; every other task shares `tasksPerWorker`. On top of the running
 * places a slot holds `prefetch - 1` jobs waiting inside its Worker (so prefetch 1 with
 * tasksPerWorker 1 is one job per Worker, exactly as the control plane sees it).
 */

/** The budget key of tasks without their own concurrency (task names are never empty). */
export const SHARED_BUDGET = "";

/** Pool-wide: the per-Worker limits, learned from the first Worker's `ready` (all load the same modules). */
export class TaskBudgets {
  readonly #own = new Map<string, number>();
  /** SHARED_BUDGET and each task's own, rebuilt only by learn(): asked for on every dispatch. */
  #all: readonly string[] = [SHARED_BUDGET];

  constructor(readonly tasksPerWorker: number) {}

  learn(concurrency: Readonly<Record<string, number>>): void {
    for (const [name, limit] of Object.entries(concurrency)) this.#own.set(name, limit);
    this.#all = [SHARED_BUDGET, ...this.#own.keys()];
  }

  budgetOf(name: string): string {
    return this.#own.has(name) ? name : SHARED_BUDGET;
  }

  limitOf(budget: string): number {
    return budget === SHARED_BUDGET ? this.tasksPerWorker : (this.#own.get(budget) ?? this.tasksPerWorker);
  }

  /** Every budget: the shared one and each task's own. */
  all(): readonly string[] {
    return this.#all;
  }
}

/** One slot's jobs (running, waiting in its Worker, or being aborted), counted by budget. */
export class SlotLoad {
  readonly #byBudget = new Map<string, number>();
  /** Jobs beyond their budget's running places: they wait inside the Worker. */
  #waiting = 0;

  constructor(private readonly budgets: TaskBudgets, private readonly prefetch: { readonly depth: number }) {}

  add(budget: string): void {
    const held = this.#byBudget.get(budget) ?? 0;
    if (held >= this.budgets.limitOf(budget)) this.#waiting++;
    this.#byBudget.set(budget, held + 1);
  }

  remove(budget: string): void {
    const held = this.#byBudget.get(budget) ?? 0;
    if (held === 0) return;
    if (held > this.budgets.limitOf(budget)) this.#waiting--;
    this.#byBudget.set(budget, held - 1);
  }

  /** Whether a job of `budget` fits: a running place, or else a waiting one. */
  canTake(budget: string): boolean {
    return (this.#byBudget.get(budget) ?? 0) < this.budgets.limitOf(budget) || this.#waiting < this.prefetch.depth - 1;
  }

  /**
   * Places left: for jobs of `budget` (its running places plus the waiting ones), or without it
   * for jobs of any kind (every budget's places: optimistic when tasks set their own concurrency).
   */
  free(budget?: string): number {
    return Math.max(0, this.prefetch.depth - 1 - this.#waiting) + this.startable(budget);
  }

  /** Running places open: a job of `budget` (or, without it, of any budget) handed over now starts at once. */
  startable(budget?: string): number {
    if (budget !== undefined) return this.#openFor(budget);
    let open = 0;
    for (const b of this.budgets.all()) open += this.#openFor(b);
    return open;
  }

  #openFor(budget: string): number {
    return Math.max(0, this.budgets.limitOf(budget) - (this.#byBudget.get(budget) ?? 0));
  }

  clear(): void {
    this.#byBudget.clear();
    this.#waiting = 0;
  }
}
