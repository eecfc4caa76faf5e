/**
 * An open addressing hash table with linear probing, in one Int32Array, over
 * a store's key column: entries are row + 1 (0 = empty), never the keys
 * themselves; the key of an entry is read from the column it points at, so
 * the caller passes the column to every call. Tables double when half full
 * (load factor <= 1/2) and deletion shifts back the rest of the probe run
 * (Knuth 6.4, Algorithm R), so there are no tombstones and lookups do not
 * slow down with churn. Keys are integers below 2^53 (digit keys, see
 * digits.ts). A few heap objects whatever the number of rows: what a V8
 * snapshot resumes fast.
 */

const MIN_TABLE = 32;
/** Tables stop growing here (2^30 slots of 4 bytes): far beyond MAX_SLOTS * 2 entries at load 1/2. */
export const MAX_TABLE = 2 ** 30;

/** murmur3's finalizer over the two 32-bit halves of an integer below 2^53. */
export function hashNumber(k: number): number {
  let h = (k >>> 0) ^ Math.imul((k / 4294967296) >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** murmur3's finalizer of a 32-bit value. */
export function hashU32(k: number): number {
  let h = Math.imul(k ^ (k >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The smallest power of two >= 2 * entries (and >= MIN_TABLE). */
export function tableSizeFor(entries: number): number {
  let size = MIN_TABLE;
  while (size < 2 * entries && size < MAX_TABLE) size *= 2;
  return size;
}

/** Key -> row, for the key column `keys` (keys[row]). */
export class KeyIndex {
  slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(entries = 0) {
    this.slots = new Int32Array(tableSizeFor(entries));
    this.mask = this.slots.length - 1;
  }

  /** Slot of key `k`, or -1. */
  find(keys: Float64Array, k: number): number {
    const { slots, mask } = this;
    for (let s = hashNumber(k) & mask; ; s = (s + 1) & mask) {
      const v = slots[s]!;
      if (v === 0) return -1;
      if (keys[v - 1] === k) return v - 1;
    }
  }

  /** Adds keys[slot] -> slot; the caller knows the key is absent. */
  insert(keys: Float64Array, slot: number): void {
    if (2 * (this.count + 1) > this.slots.length && this.slots.length < MAX_TABLE) this.rehash(keys, this.slots.length * 2);
    const { slots, mask } = this;
    let s = hashNumber(keys[slot]!) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = slot + 1;
    this.count++;
  }

  /** Adds keys[slot] -> slot unless the key is there already; returns -1, or the slot that holds the key. */
  insertUnique(keys: Float64Array, slot: number): number {
    if (2 * (this.count + 1) > this.slots.length && this.slots.length < MAX_TABLE) this.rehash(keys, this.slots.length * 2);
    const { slots, mask } = this;
    const k = keys[slot]!;
    let s = hashNumber(k) & mask;
    for (let v = slots[s]!; v !== 0; v = slots[s]!) {
      if (keys[v - 1] === k) return v - 1;
      s = (s + 1) & mask;
    }
    slots[s] = slot + 1;
    this.count++;
    return -1;
  }

  /** Removes key `k` (present); `keys` must still hold every indexed key. */
  delete(keys: Float64Array, k: number): void {
    const { slots, mask } = this;
    let i = hashNumber(k) & mask;
    for (;;) {
      const v = slots[i]!;
      if (v === 0) return;
      if (keys[v - 1] === k) break;
      i = (i + 1) & mask;
    }
    slots[i] = 0;
    this.count--;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashNumber(keys[slots[j]! - 1]!) & mask;
      // The entry at j may move into the hole at i if i lies on its probe path home..j.
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = slots[j]!;
        slots[j] = 0;
        i = j;
      }
    }
  }

  /** The entry of key `k` that points at row `from` now points at row `to` (the store moved the row). */
  relink(k: number, from: number, to: number): void {
    const { slots, mask } = this;
    for (let s = hashNumber(k) & mask; slots[s] !== 0; s = (s + 1) & mask)
      if (slots[s] === from + 1) {
        slots[s] = to + 1;
        return;
      }
    throw new Error(`KeyIndex: no entry of row ${from} for key ${k}`); // unreachable unless the store is broken
  }

  private rehash(keys: Float64Array, size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const { slots, mask } = this;
    for (let j = 0; j < old.length; j++) {
      const v = old[j]!;
      if (v === 0) continue;
      let s = hashNumber(keys[v - 1]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = v;
    }
  }
}
