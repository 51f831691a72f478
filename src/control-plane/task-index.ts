/**
 * The dashboard's index of every task the control plane knows (live entries and cached results),
 * kept up to date from the task table's state changes, so `/api/tasks` pages, filters and counts
 * in bounded time however many tasks there are: one sorted sequence of all tasks, one per state,
 * one per name and one per (state, name), each ordered by submission time, then admission order.
 * A page is a positional read from one of them; a total is its size. Only free text (`q`) and the
 * priority filter look at tasks one by one, and only at the newest SEARCH_WINDOW candidates of
 * that sequence (the answer then says `truncated`).
 *
 * It is built the first time a view is made for a table (a control plane without a dashboard
 * pays nothing) and costs per task four slots in block arrays: the items are the table's own
 * entries (no node objects, no id Map for live tasks; a first version with both cost ≈ 260 bytes
 * per task). Ordering ties by id instead of admission made most inserts land mid-block: 2× the CPU.
 */
import type { Priority } from "../model/priority.ts";
import { stateBack } from "../model/state-history.ts";
import { isTerminal, type TaskState } from "../model/task-state.ts";
import { OrderedBlocks } from "./ordered-blocks.ts";
import type { TaskEntry } from "./task-entry.ts";
import type { TaskTable } from "./task-table.ts";

/** Candidates a free-text or priority query examines at most: "search looks at the newest 10 000" (docs/dashboard.md). */
export const SEARCH_WINDOW = 10_000;

/**
 * What the sequences hold: the task table's own entries (no copy, no extra object per task), kept
 * after the task ends for as long as the result cache keeps it.
 */
export type IndexedTask = Pick<TaskEntry, "id" | "name" | "priority" | "submittedAt" | "seq" | "state">;

export interface IndexQuery {
  status?: TaskState;
  name?: string;
  /** Free text over id and name, already lower-cased. */
  q?: string;
  priority?: Priority;
  sort: "newest" | "oldest";
  limit: number;
  offset: number;
}

export interface IndexPage {
  tasks: IndexedTask[];
  total: number;
  /** Set when a free-text or priority query left older candidates unexamined: `total` is then a lower bound. */
  truncated?: true;
}

type Sequence = OrderedBlocks<IndexedTask>;
// Submission time, then admission order: unique, and the order operations mostly come in (a new task
// is the newest, the task that starts is the oldest queued), so most inserts append and most removals take the first.
const byAge = (a: IndexedTask, b: IndexedTask): number => a.submittedAt - b.submittedAt || a.seq - b.seq;
const sequence = (): Sequence => new OrderedBlocks<IndexedTask>(byAge);

interface StateLists {
  readonly all: Sequence;
  readonly byName: Map<string, Sequence>;
}

export class TaskIndex {
  private readonly all = sequence();
  private readonly byName = new Map<string, Sequence>();
  private readonly byState = new Map<TaskState, StateLists>();
  /** Tasks the last query looked at one by one (0 for a plain page): how tests see that the work is bounded. */
  lastExamined = 0;

  get size(): number {
    return this.all.size;
  }

  /** A task the index has not seen, in its current state ("pending" ones are listed once they move on). */
  add(task: IndexedTask): void {
    this.all.insert(task);
    listOf(this.byName, task.name).insert(task);
    this.enter(task, task.state);
  }

  /** `task` moved from `from` to its current state. */
  moved(task: IndexedTask, from: TaskState): void {
    if (from === task.state) return;
    this.leave(task, from);
    this.enter(task, task.state);
  }

  /** A task left the control plane (its record left the result cache). */
  remove(task: IndexedTask): void {
    if (!this.all.remove(task)) return;
    dropFrom(this.byName, task.name, task);
    this.leave(task, task.state);
  }

  /** Tasks per state, from the sequences' sizes. */
  counts(): Record<TaskState, number> {
    const out = { pending: 0, scheduled: 0, queued: 0, running: 0, retrying: 0, success: 0, failure: 0, cancelled: 0 };
    for (const [state, lists] of this.byState) out[state] = lists.all.size;
    return out;
  }

  query(query: IndexQuery): IndexPage {
    this.lastExamined = 0;
    const base = this.sequenceFor(query.status, query.name);
    if (base === undefined) return { tasks: [], total: 0 };
    const newestFirst = query.sort !== "oldest";
    if (query.q === undefined && query.priority === undefined) {
      return { tasks: base.slice(query.offset, query.limit, newestFirst), total: base.size };
    }
    const matches: IndexedTask[] = [];
    const { q, priority } = query;
    // Few distinct names: each is matched once per query, not once per task.
    const nameMatches = new Map<string, boolean>();
    const nameMatch = (name: string): boolean => {
      let hit = nameMatches.get(name);
      if (hit === undefined) nameMatches.set(name, (hit = q !== undefined && name.toLowerCase().includes(q)));
      return hit;
    };
    const examined = base.scanNewest(SEARCH_WINDOW, (task) => {
      if (priority !== undefined && task.priority !== priority) return;
      if (q !== undefined && !nameMatch(task.name) && !task.id.toLowerCase().includes(q)) return;
      matches.push(task);
    });
    this.lastExamined = examined;
    if (!newestFirst) matches.reverse();
    const tasks = matches.slice(query.offset, query.offset + query.limit);
    return { tasks, total: matches.length, ...(base.size > examined ? { truncated: true as const } : {}) };
  }

  private sequenceFor(status: TaskState | undefined, name: string | undefined): Sequence | undefined {
    if (status === undefined) return name === undefined ? this.all : this.byName.get(name);
    const lists = this.byState.get(status);
    return name === undefined ? lists?.all : lists?.byName.get(name);
  }

  // "pending" lasts only inside one admit() call, never across a request: it is not listed.
  private enter(task: IndexedTask, state: TaskState): void {
    if (state === "pending") return;
    let lists = this.byState.get(state);
    if (lists === undefined) {
      lists = { all: sequence(), byName: new Map() };
      this.byState.set(state, lists);
    }
    lists.all.insert(task);
    listOf(lists.byName, task.name).insert(task);
  }

  private leave(task: IndexedTask, state: TaskState): void {
    const lists = this.byState.get(state);
    if (lists === undefined || !lists.all.remove(task)) return;
    dropFrom(lists.byName, task.name, task);
  }
}

function listOf(map: Map<string, Sequence>, name: string): Sequence {
  let list = map.get(name);
  if (list === undefined) {
    list = sequence();
    map.set(name, list);
  }
  return list;
}

/** Removes `task` from its name's sequence, dropping the sequence once empty (names come and go with task modules). */
function dropFrom(map: Map<string, Sequence>, name: string, task: IndexedTask): void {
  const list = map.get(name);
  if (list === undefined) return;
  list.remove(task);
  if (list.size === 0) map.delete(name);
}

const indexes = new WeakMap<TaskTable, TaskIndex>();

/**
 * The index of `table`, built from what it holds now and then fed by its listeners (state changes,
 * ends, results leaving the cache). One per table however many views are made.
 */
export function taskIndexOf(table: TaskTable): TaskIndex {
  const existing = indexes.get(table);
  if (existing !== undefined) return existing;
  const index = new TaskIndex();
  indexes.set(table, index);
  // Finished tasks by id while the result cache keeps them (at most its size): an eviction names only the id.
  const finished = new Map<string, IndexedTask>();
  for (const [id, entry] of table.results.entries("oldest")) {
    finished.set(id, entry);
    index.add(entry);
  }
  for (const entry of table.live.values()) index.add(entry);
  table.listeners.state.add((entry, from) => {
    // admit() reports "pending" first; a terminal `from` is a manual retry, whose old record was just forgotten.
    if (entry.state === "pending" || isTerminal(from)) index.add(entry);
    else index.moved(entry, from);
  });
  table.listeners.terminal.add((entry) => {
    // The entry stays listed (it is the sequences' item) until its record leaves the cache.
    index.moved(entry, stateBack(entry.history, 1) ?? "pending");
    finished.set(entry.id, entry);
  });
  table.listeners.forget.add((id) => {
    const task = finished.get(id);
    if (task === undefined) return;
    finished.delete(id);
    index.remove(task);
  });
  return index;
}
