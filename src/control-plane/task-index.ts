/**
 * The dashboard's index of every task the control plane knows (live entries and cached results),
 * kept up to date from the task table's state changes, so `/api/tasks` pages, filters and counts
 * in bounded time however many tasks there are: one sorted sequence of all tasks, one per state,
 * one per name and one per (state, name), each ordered by submission time (then by admission
 * order). A page is a positional read from one of them; a total is its size. Only free text
 * (`q`) and the priority filter look at tasks one by one, and only at the newest SEARCH_WINDOW
 * candidates of that sequence (the answer then says `truncated`).
 *
 * It is built the first time a view is made for a table (a control plane without a dashboard
 * pays nothing) and costs per task one small node, a Map entry and four slots in block arrays.
 */
import type { Priority } from "../model/priority.ts";
import type { TaskState } from "../model/task-state.ts";
import { OrderedBlocks } from "./ordered-blocks.ts";
import type { TaskTable } from "./task-table.ts";

/** Candidates a free-text or priority query examines at most: "search looks at the newest 10 000" (docs/dashboard.md). */
export const SEARCH_WINDOW = 10_000;

export interface IndexedTask {
  readonly id: string;
  readonly name: string;
  readonly priority: Priority;
  /** Submission time, the sort key. */
  readonly at: number;
  /** Admission order: breaks ties between tasks submitted in the same millisecond. */
  readonly seq: number;
  state: TaskState;
}

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

const byAge = (a: IndexedTask, b: IndexedTask): number => a.at - b.at || a.seq - b.seq;
const sequence = (): Sequence => new OrderedBlocks<IndexedTask>(byAge);

interface StateLists {
  readonly all: Sequence;
  readonly byName: Map<string, Sequence>;
}

export class TaskIndex {
  private readonly nodes = new Map<string, IndexedTask>();
  private readonly all = sequence();
  private readonly byName = new Map<string, Sequence>();
  private readonly byState = new Map<TaskState, StateLists>();
  private nextSeq = 0;
  /** Tasks the last query looked at one by one (0 for a plain page): how tests see that the work is bounded. */
  lastExamined = 0;

  get size(): number {
    return this.nodes.size;
  }

  /** Records a task, or moves it to `state` when already recorded. */
  set(task: { id: string; name: string; priority: Priority; submittedAt: number }, state: TaskState): void {
    const node = this.nodes.get(task.id);
    if (node !== undefined) {
      this.move(node, state);
      return;
    }
    const added: IndexedTask = { id: task.id, name: task.name, priority: task.priority, at: task.submittedAt, seq: this.nextSeq++, state };
    this.nodes.set(added.id, added);
    this.all.insert(added);
    listOf(this.byName, added.name).insert(added);
    this.enterState(added);
  }

  remove(id: string): void {
    const node = this.nodes.get(id);
    if (node === undefined) return;
    this.nodes.delete(id);
    this.all.remove(node);
    dropFrom(this.byName, node.name, node);
    this.leaveState(node);
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
    let examined = 0;
    for (const node of base.from(0, true)) {
      if (examined >= SEARCH_WINDOW) break;
      examined++;
      if (priority !== undefined && node.priority !== priority) continue;
      if (q !== undefined && !node.name.toLowerCase().includes(q) && !node.id.toLowerCase().includes(q)) continue;
      matches.push(node);
    }
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

  private move(node: IndexedTask, state: TaskState): void {
    if (node.state === state) return;
    this.leaveState(node);
    node.state = state;
    this.enterState(node);
  }

  // "pending" lasts only inside one admit() call, never across a request: it is not listed.
  private enterState(node: IndexedTask): void {
    if (node.state === "pending") return;
    const lists = this.list(node.state, true);
    lists.all.insert(node);
    listOf(lists.byName, node.name).insert(node);
  }

  private leaveState(node: IndexedTask): void {
    if (node.state === "pending") return;
    const lists = this.list(node.state, false);
    if (lists === undefined) return;
    lists.all.remove(node);
    dropFrom(lists.byName, node.name, node);
  }

  private list(state: TaskState, create: true): StateLists;
  private list(state: TaskState, create: false): StateLists | undefined;
  private list(state: TaskState, create: boolean): StateLists | undefined {
    let lists = this.byState.get(state);
    if (lists === undefined && create && state !== "pending") {
      lists = { all: sequence(), byName: new Map() };
      this.byState.set(state, lists);
    }
    return lists;
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

/** Removes `node` from its name's sequence, dropping the sequence once empty (names come and go with task modules). */
function dropFrom(map: Map<string, Sequence>, name: string, node: IndexedTask): void {
  const list = map.get(name);
  if (list === undefined) return;
  list.remove(node);
  if (list.size === 0) map.delete(name);
}

const indexes = new WeakMap<TaskTable, TaskIndex>();

/**
 * The index of `table`, built from what it holds now and then fed by its hooks (state changes,
 * ends, results leaving the cache). One per table however many views are made.
 */
export function taskIndexOf(table: TaskTable): TaskIndex {
  const existing = indexes.get(table);
  if (existing !== undefined) return existing;
  const index = new TaskIndex();
  indexes.set(table, index);
  for (const [, record] of table.results.entries("oldest")) {
    index.set({ id: record.taskId, name: record.name, priority: record.priority, submittedAt: record.timings.submittedAt }, record.status);
  }
  for (const entry of table.live.values()) index.set(entry, entry.state);
  const onState = table.onState;
  table.onState = (entry, from) => {
    onState(entry, from);
    index.set(entry, entry.state);
  };
  const onTerminal = table.onTerminal;
  table.onTerminal = (entry, record) => {
    onTerminal(entry, record);
    index.set(entry, entry.state);
  };
  const onForget = table.onForget;
  table.onForget = (id) => {
    onForget(id);
    // A manual retry takes the record out of the cache just before the task is live again; its next state re-adds it.
    index.remove(id);
  };
  return index;
}
