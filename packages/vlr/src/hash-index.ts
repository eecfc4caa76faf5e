/**
 * The store's two indexes: open addressing hash tables with linear probing,
 * one Int32Array each. A table holds small integers that point into the
 * store's columns, never the keys themselves: the key of an entry is read
 * from the column it points at, so the caller passes the columns to every
 * call. Tables double when half full (load factor <= 1/2) and deletion shifts
 * back the rest of the probe run (Knuth 6.4, Algorithm R), so there are no
 * tombstones and lookups do not slow down with churn.
 */

const MIN_TABLE = 32;
/** Tables stop growing here (2^30 slots of 4 bytes): far beyond MAX_SLOTS * 2 entries at load 1/2. */
const MAX_TABLE = 2 ** 30;

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

/**
 * IMSI -> slot. Entries are slot + 1 (0 = empty); the key of an entry is
 * `keys[slot]`, the store's encoded IMSI column.
 */
export class ImsiIndex {
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

/**
 * TMSI -> slot, for both a subscriber's TMSI and its pending new TMSI (as
 * osmo-msc's vlr_subscr_matches_tmsi: a MS may use the new TMSI before the
 * network has seen TMSI REALLOCATION COMPLETE). An entry is
 * (slot * 2 + which) + 1, `which` 0 for the TMSI column and 1 for the new
 * TMSI column; 0 = empty.
 */
export class TmsiIndex {
  slots: Int32Array;
  private mask: number;
  count = 0;

  constructor(entries = 0) {
    this.slots = new Int32Array(tableSizeFor(entries));
    this.mask = this.slots.length - 1;
  }

  /** (slot * 2 + which) of TMSI `t`, or -1. */
  find(tmsi: Uint32Array, tmsiNew: Uint32Array, t: number): number {
    const { slots, mask } = this;
    for (let s = hashU32(t) & mask; ; s = (s + 1) & mask) {
      const v = slots[s]!;
      if (v === 0) return -1;
      const e = v - 1;
      if ((e & 1 ? tmsiNew[e >>> 1] : tmsi[e >>> 1]) === t) return e;
    }
  }

  /** Adds the TMSI at (slot, which); the caller knows it is absent. */
  insert(tmsi: Uint32Array, tmsiNew: Uint32Array, slot: number, which: 0 | 1): void {
    if (2 * (this.count + 1) > this.slots.length && this.slots.length < MAX_TABLE) this.rehash(tmsi, tmsiNew, this.slots.length * 2);
    const { slots, mask } = this;
    const t = which ? tmsiNew[slot]! : tmsi[slot]!;
    let s = hashU32(t) & mask;
    while (slots[s] !== 0) s = (s + 1) & mask;
    slots[s] = slot * 2 + which + 1;
    this.count++;
  }

  /** Adds the TMSI at (slot, which) unless it is there already; returns -1, or the entry (slot * 2 + which) that holds it. */
  insertUnique(tmsi: Uint32Array, tmsiNew: Uint32Array, slot: number, which: 0 | 1): number {
    if (2 * (this.count + 1) > this.slots.length && this.slots.length < MAX_TABLE) this.rehash(tmsi, tmsiNew, this.slots.length * 2);
    const { slots, mask } = this;
    const t = which ? tmsiNew[slot]! : tmsi[slot]!;
    let s = hashU32(t) & mask;
    for (let v = slots[s]!; v !== 0; v = slots[s]!) {
      const e = v - 1;
      if ((e & 1 ? tmsiNew[e >>> 1] : tmsi[e >>> 1]) === t) return e;
      s = (s + 1) & mask;
    }
    slots[s] = slot * 2 + which + 1;
    this.count++;
    return -1;
  }

  /** Removes TMSI `t` (present); the columns must still hold every indexed TMSI. */
  delete(tmsi: Uint32Array, tmsiNew: Uint32Array, t: number): void {
    const { slots, mask } = this;
    const keyOf = (v: number) => ((v - 1) & 1 ? tmsiNew[(v - 1) >>> 1]! : tmsi[(v - 1) >>> 1]!);
    let i = hashU32(t) & mask;
    for (;;) {
      const v = slots[i]!;
      if (v === 0) return;
      if (keyOf(v) === t) break;
      i = (i + 1) & mask;
    }
    slots[i] = 0;
    this.count--;
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashU32(keyOf(slots[j]!)) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        slots[i] = slots[j]!;
        slots[j] = 0;
        i = j;
      }
    }
  }

  private rehash(tmsi: Uint32Array, tmsiNew: Uint32Array, size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    const { slots, mask } = this;
    for (let j = 0; j < old.length; j++) {
      const v = old[j]!;
      if (v === 0) continue;
      const e = v - 1;
      let s = hashU32(e & 1 ? tmsiNew[e >>> 1]! : tmsi[e >>> 1]!) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = v;
    }
  }
}
