const MIN_CAPACITY = 16;
/** Rebuild once live and deleted slots pass 3/4 of the capacity: twice as large if the live ones alone pass 3/8. */
const FULL_AT = 0.75;
const GROW_AT = 0.375;
/** Halve below 1/8 (not 3/8), so a size at a boundary cannot thrash. */
const SHRINK_AT = 0.125;

/** A deleted slot: probes go on past it, an insertion may take it. */
const DELETED = null;

/**
 * A map from string ids to values by open addressing (linear probing): flat arrays of keys,
 * values and the keys' hashes (an Int32Array: probes compare hashes, not strings, and a rebuild
 * hashes no key again), 20 bytes a slot at a load of 3/8 to 3/4: 27 to 53 bytes an entry. JSC's
 * Map grows its storage 4× at a time: measured on Bun 1.4, 40 to 208 bytes per entry (170 at
 * 20 000 entries), the largest single part of a queued task's memory (issue 16).
 *
 * A deletion leaves a marker (null) rather than shifting later keys back: a write of a key or
 * value (a GC cell) into an array of the old generation makes the next young collection scan all
 * of that array again, and a drain deletes one key per task (measured: backward-shift deletion
 * cost 1 µs more per delete than Map's under a task run's allocation; with markers, the same).
 *
 * The hash is computed here (JS cannot reach the engine's): FNV-1a over pairs of UTF-16 code
 * units and the length, with a per-map random seed, then a 32-bit finaliser so the low bits the mask keeps depend on
 * every character. Iteration order is slot order, not insertion order; the map must not be
 * changed while an iterator over it is in use.
 */
export class IdMap<V> {
  private keySlots: Array<string | typeof DELETED | undefined>;
  private valueSlots: Array<V | undefined>;
  private hashSlots: Int32Array;
  private mask: number;
  private count = 0;
  /** Slots holding DELETED. */
  private deleted = 0;
  private readonly seed = (Math.random() * 0x1_0000_0000) >>> 0;

  constructor() {
    this.keySlots = emptySlots(MIN_CAPACITY);
    this.valueSlots = emptySlots(MIN_CAPACITY);
    this.hashSlots = new Int32Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const slot = this.find(key, this.hash(key));
    return slot < 0 ? undefined : this.valueSlots[slot];
  }

  has(key: string): boolean {
    return this.find(key, this.hash(key)) >= 0;
  }

  set(key: string, value: V): this {
    const hash = this.hash(key);
    const keys = this.keySlots;
    const hashes = this.hashSlots;
    let free = -1;
    let slot = hash & this.mask;
    for (;; slot = (slot + 1) & this.mask) {
      const held = keys[slot];
      if (held === undefined) break;
      if (held === DELETED) {
        if (free < 0) free = slot;
      } else if (hashes[slot] === hash && held === key) {
        this.valueSlots[slot] = value;
        return this;
      }
    }
    if (free >= 0) {
      slot = free;
      this.deleted--;
    }
    keys[slot] = key;
    this.valueSlots[slot] = value;
    hashes[slot] = hash;
    this.count++;
    const capacity = this.mask + 1;
    if (this.count + this.deleted > capacity * FULL_AT) this.rebuild(this.count > capacity * GROW_AT ? capacity * 2 : capacity);
    return this;
  }

  delete(key: string): boolean {
    const slot = this.find(key, this.hash(key));
    if (slot < 0) return false;
    this.keySlots[slot] = DELETED;
    this.valueSlots[slot] = undefined;
    this.count--;
    this.deleted++;
    const capacity = this.mask + 1;
    if (capacity > MIN_CAPACITY && this.count < capacity * SHRINK_AT) this.rebuild(capacity / 2);
    return true;
  }

  clear(): void {
    this.keySlots = emptySlots(MIN_CAPACITY);
    this.valueSlots = emptySlots(MIN_CAPACITY);
    this.hashSlots = new Int32Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
    this.deleted = 0;
  }

  *keys(): IterableIterator<string> {
    const keys = this.keySlots;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (typeof key === "string") yield key;
    }
  }

  *values(): IterableIterator<V> {
    const keys = this.keySlots;
    for (let slot = 0; slot < keys.length; slot++) if (typeof keys[slot] === "string") yield this.valueSlots[slot] as V;
  }

  *entries(): IterableIterator<[string, V]> {
    const keys = this.keySlots;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (typeof key === "string") yield [key, this.valueSlots[slot] as V];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** The slot holding `key` (whose hash is `hash`), or -1. DELETED never equals a key, so probes pass it. */
  private find(key: string, hash: number): number {
    const keys = this.keySlots;
    const hashes = this.hashSlots;
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const held = keys[slot];
      if (held === undefined) return -1;
      if (hashes[slot] === hash && held === key) return slot;
    }
  }

  private hash(key: string): number {
    let h = this.seed ^ 0x811c9dc5;
    const length = key.length;
    let i = 0;
    // Two UTF-16 units per step: half the chain of multiplications (a UUID: 22 ns instead of 31).
    for (; i + 1 < length; i += 2) h = Math.imul(h ^ (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16)), 0x01000193);
    if (i < length) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h ^= length;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Re-inserts the live entries into fresh arrays of `capacity` slots, leaving the deleted ones behind. */
  private rebuild(capacity: number): void {
    const oldKeys = this.keySlots;
    const oldValues = this.valueSlots;
    const oldHashes = this.hashSlots;
    const keys = (this.keySlots = emptySlots(capacity));
    const values = (this.valueSlots = emptySlots(capacity));
    const hashes = (this.hashSlots = new Int32Array(capacity));
    const mask = (this.mask = capacity - 1);
    this.deleted = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      const key = oldKeys[i];
      if (typeof key !== "string") continue;
      const hash = oldHashes[i]!;
      let slot = hash & mask;
      while (keys[slot] !== undefined) slot = (slot + 1) & mask;
      keys[slot] = key;
      values[slot] = oldValues[i];
      hashes[slot] = hash;
    }
  }
}

/** A dense array of `capacity` undefined slots (new Array(n) alone is holey, and sparse past JSC's limit). */
function emptySlots<T>(capacity: number): Array<T | undefined> {
  return new Array<T | undefined>(capacity).fill(undefined);
}
