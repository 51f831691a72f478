/**
 * A sorted sequence kept as an array of small sorted blocks (a one-level B-tree), so the
 * dashboard's task index can insert, remove and find "the k-th from either end" in bounded time
 * whatever the number of items: insert and remove cost a binary search over the blocks plus one
 * splice inside a block (at most 512 items); positional access walks block lengths, about
 * size / BLOCK steps (≈ 2 000 additions for a million items), never the items themselves.
 *
 * A linked list or a Map keeps insertion order with O(1) removal too, but cannot answer
 * "items 500 000 to 500 050, newest first" without walking half a million nodes; JavaScriptCore's
 * Map has no reverse iterator at all.
 *
 * Items must have a total order through `compare` with no two equal: removal finds an item by it.
 * The common cases take shortcuts: appending past the last item (a new task) and removing the
 * first one (the oldest queued task starting).
 */

/** Items per block after a split (blocks grow to twice this before splitting, and merge below a quarter). */
const BLOCK = 256;

export class OrderedBlocks<T> {
  private readonly blocks: T[][] = [];
  private count = 0;
  private readonly splitAt: number;
  private readonly maxBlock: number;
  private readonly minBlock: number;

  /** `blockSize` other than the default only to exercise splits and merges on few items (tests). */
  constructor(private readonly compare: (a: T, b: T) => number, blockSize = BLOCK) {
    this.splitAt = blockSize;
    this.maxBlock = blockSize * 2;
    this.minBlock = Math.max(1, Math.floor(blockSize / 4));
  }

  get size(): number {
    return this.count;
  }

  insert(item: T): void {
    this.count++;
    const blocks = this.blocks;
    const last = blocks[blocks.length - 1];
    if (last === undefined) {
      blocks.push([item]);
      return;
    }
    if (this.compare(item, last[last.length - 1] as T) > 0) {
      last.push(item);
      if (last.length > this.maxBlock) this.split(blocks.length - 1);
      return;
    }
    const b = this.blockFor(item);
    const block = blocks[b] as T[];
    block.splice(this.positionIn(block, item), 0, item);
    if (block.length > this.maxBlock) this.split(b);
  }

  /** Removes `item` (found by `compare`); false when it is not held. */
  remove(item: T): boolean {
    const blocks = this.blocks;
    const first = blocks[0];
    if (first === undefined) return false;
    let b = 0;
    let at = 0;
    // The oldest item is the usual one to go (the next queued task starts, the oldest result is evicted).
    if (first[0] !== item && this.compare(first[0] as T, item) !== 0) {
      b = this.blockFor(item);
      const block = blocks[b];
      if (block === undefined) return false;
      at = this.positionIn(block, item);
      if (block[at] === undefined || this.compare(block[at] as T, item) !== 0) return false;
    }
    const block = blocks[b] as T[];
    if (at === 0) block.shift();
    else if (at === block.length - 1) block.pop();
    else block.splice(at, 1);
    this.count--;
    if (block.length === 0) blocks.splice(b, 1);
    else if (block.length < this.minBlock) this.mergeSmall(b);
    return true;
  }

  /**
   * Up to `limit` items starting `offset` from the oldest end (or from the newest end with
   * `newestFirst`), in that direction. Walks block lengths to the offset, then only the items returned.
   */
  slice(offset: number, limit: number, newestFirst: boolean): T[] {
    const out: T[] = [];
    for (const item of this.from(offset, newestFirst)) {
      if (out.length >= limit) break;
      out.push(item);
    }
    return out;
  }

  /** The items from `offset` on, in the given direction; do not change the sequence while iterating. */
  *from(offset: number, newestFirst: boolean): Generator<T> {
    const blocks = this.blocks;
    if (offset >= this.count) return;
    if (newestFirst) {
      let b = blocks.length - 1;
      let skip = offset;
      while (b >= 0 && skip >= (blocks[b] as T[]).length) skip -= (blocks[b--] as T[]).length;
      for (; b >= 0; b--, skip = 0) {
        const block = blocks[b] as T[];
        for (let i = block.length - 1 - skip; i >= 0; i--) yield block[i] as T;
      }
      return;
    }
    let b = 0;
    let skip = offset;
    while (b < blocks.length && skip >= (blocks[b] as T[]).length) skip -= (blocks[b++] as T[]).length;
    for (; b < blocks.length; b++, skip = 0) {
      const block = blocks[b] as T[];
      for (let i = skip; i < block.length; i++) yield block[i] as T;
    }
  }

  /** Calls `visit` on up to `max` items from the newest end, newest first; returns how many it visited. A loop, not a generator: this is the search's inner loop. */
  scanNewest(max: number, visit: (item: T) => void): number {
    let visited = 0;
    for (let b = this.blocks.length - 1; b >= 0 && visited < max; b--) {
      const block = this.blocks[b] as T[];
      for (let i = block.length - 1; i >= 0 && visited < max; i--, visited++) visit(block[i] as T);
    }
    return visited;
  }

  /** The first block whose last item is not before `item` (the last block when `item` is past all). */
  private blockFor(item: T): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = blocks[mid] as T[];
      if (this.compare(block[block.length - 1] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first index in `block` whose item is not before `item`. */
  private positionIn(block: T[], item: T): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(block[mid] as T, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // Both halves are fresh arrays: splicing the tail off would leave the first half with the
  // capacity the full block grew to (about twice its items, for every block but the last).
  private split(b: number): void {
    const block = this.blocks[b] as T[];
    this.blocks.splice(b, 1, block.slice(0, this.splitAt), block.slice(this.splitAt));
  }

  private mergeSmall(b: number): void {
    const blocks = this.blocks;
    const block = blocks[b] as T[];
    const next = blocks[b + 1];
    if (next !== undefined && block.length + next.length <= this.maxBlock) {
      block.push(...next);
      blocks.splice(b + 1, 1);
      return;
    }
    const previous = blocks[b - 1];
    if (previous !== undefined && block.length + previous.length <= this.maxBlock) {
      previous.push(...block);
      blocks.splice(b, 1);
    }
  }
}
