/**
 * The VLR's TMSI index (its IMSI index is @snaptel/columns' KeyIndex): the
 * same open addressing over two Uint32 columns at once, TMSI and pending TMSI.
 */
import { MAX_TABLE, hashU32, tableSizeFor } from '@snaptel/columns';

export { KeyIndex as ImsiIndex } from '@snaptel/columns';

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
