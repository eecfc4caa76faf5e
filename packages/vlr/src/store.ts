import { randomFillSync } from 'node:crypto';
import {
  bytesArg,
  decodeDigits,
  digitsArg,
  hex,
  imeisvArg,
  imeisvString,
  invalid,
  isDigitKey,
  isTyped,
  show,
  tmsiString,
  u32be,
  u32hex,
} from './encoding';
import { VlrError } from './errors';
import { ImsiIndex, TmsiIndex } from './hash-index';
import { stow, unstow } from '@snaptel/image';
import { describePacked, packNumbers, packedBytes, unpackNumbers, type Packed } from './pack';

/**
 * The visitor location register's subscriber table, column by column in
 * typed arrays.
 *
 * A V8 snapshot resumes in a time that grows with the number of heap objects
 * and with the bytes they hold, so the store keeps no object per subscriber:
 * a subscriber is a slot `i`, one position in each column, and the two
 * indexes (IMSI -> slot, TMSI -> slot) are open addressing tables of Int32Array
 * entries. Plain objects exist only at the API boundary (get, list).
 *
 * Slots are stable: a subscriber keeps its slot until it is removed, so an
 * MSC may hold slot numbers (and export them in its own state: exportState
 * keeps them). A removed slot goes on a free list and is reused by a later
 * registration.
 *
 * In an image the store is *frozen* (freeze(), and importState leaves it so):
 * the columns are narrowed losslessly (pack.ts) and the indexes dropped, which
 * makes the image several times smaller; the first call after resume thaws it
 * (columns restored, indexes rebuilt) before doing its work.
 */

// ---------------------------------------------------------------------------
// Types

export type AttachState = 'detached' | 'attached';

/** A GSM authentication triplet: RAND (16 bytes), SRES (4), Kc (8), as lowercase hex. */
export interface Triplet {
  rand: string;
  sres: string;
  kc: string;
}

/** What pushTriplets takes: hex (any case) or bytes. */
export interface TripletInput {
  rand: string | Uint8Array;
  sres: string | Uint8Array;
  kc: string | Uint8Array;
}

/**
 * The fields of a registration, as register() and update() take them. Fields
 * left out (or undefined) are kept; `null` clears the optional ones.
 */
export interface VlrFields {
  /** 1-15 digits, leading zeros kept. */
  msisdn: string | null;
  /** 32-bit TMSI; TMSI_NONE (0xffffffff) or null for none. Unique across all TMSIs and pending TMSIs. */
  tmsi: number | null;
  /** A TMSI being reallocated (sent, TMSI REALLOCATION COMPLETE not yet seen); TMSI_NONE or null for none. */
  tmsiNew: number | null;
  /** Location area code, 0..65535. */
  lac: number;
  /** Cell identity, 0..65535; null for unknown. */
  cellId: number | null;
  state: AttachState;
  /** Wall-clock ms of the last location update or activity (finite, >= 0). */
  lastSeen: number;
  /** Wall-clock ms after which the periodic-LU purge removes the subscriber; 0 = never. */
  luExpiry: number;
  /** Current ciphering key Kc: 16 hex digits or 8 bytes; null for none. Present exactly when cksn is 0..6. */
  kc: string | Uint8Array | null;
  /** Ciphering key sequence number 0..6; 7 = no key (TS 24.008 10.5.1.2). */
  cksn: number;
  /** 16 digits; null for unknown. */
  imeisv: string | null;
  /** Mobile station classmark 2 value part: 6 hex digits or 3 bytes; null for unknown. */
  classmark2: string | Uint8Array | null;
  authenticated: boolean;
  ciphering: boolean;
  /** The HLR confirmed the location update (Update Location result received). */
  hlrConfirmed: boolean;
}

/** A registered subscriber as get()/recordAt()/list() return it: a fresh plain object; absent optional fields are left out. */
export interface VlrRecord {
  slot: number;
  imsi: string;
  msisdn?: string;
  /** TMSI_NONE when none. */
  tmsi: number;
  /** TMSI_NONE when none. */
  tmsiNew: number;
  lac: number;
  cellId?: number;
  state: AttachState;
  lastSeen: number;
  /** 0 = never expires. */
  luExpiry: number;
  /** Lowercase hex. */
  kc?: string;
  cksn: number;
  imeisv?: string;
  /** Lowercase hex. */
  classmark2?: string;
  authenticated: boolean;
  ciphering: boolean;
  hlrConfirmed: boolean;
  /** Cached authentication triplets (0..MAX_TRIPLETS). */
  authVectors: number;
}

export interface StoreOptions {
  /** Slots to allocate at first (default 16); the store grows by half as needed. */
  initialCapacity?: number;
  /**
   * Random source for TMSI allocation, a number in [0, 1) like Math.random.
   * Default: 32 bits from crypto.randomFillSync per call (not crypto.randomInt,
   * whose cache of random bytes would be frozen into an image and replayed by
   * every resume of it).
   */
  random?: () => number;
  /** Wall clock in ms (default Date.now): lastSeen of a registration that does not give one. */
  now?: () => number;
  /**
   * Periodic location update expiry in ms: register() sets luExpiry to
   * lastSeen + this unless given. Default 60 minutes, osmo-msc's T3212
   * ("Subscriber expiration timeout", msc_tdefs_vlr in src/libvlr/vlr.c);
   * 0 = registrations never expire unless luExpiry is given.
   */
  periodicLuMs?: number;
}

export interface ExportOptions {
  /**
   * Include the cached auth triplets (default false). An image can be resumed
   * more than once from the same file (after every crash, until the next
   * checkpoint): a triplet used after the snapshot would be offered again by
   * the next resume. osmo-msc uses each tuple at most once by default
   * (auth_tuple_max_reuse_count 0), so by default a state carries none and
   * the MSC fetches fresh ones from the HLR when it needs them.
   */
  authVectors?: boolean;
}

/**
 * The durable state (exportState/fromState): the registered subscribers in
 * slot order, one entry per subscriber in each column (fresh copies), with
 * their slot numbers. Encodings as in the live columns (see README).
 */
export interface VlrState {
  format: 'snaptel-vlr';
  version: 1;
  count: number;
  /** Slot of each record, strictly increasing. */
  slot: Int32Array;
  /** "1" + digits as a number (see encoding.ts). */
  imsi: Float64Array;
  /** Same encoding; 0 = none. */
  msisdn: Float64Array;
  tmsi: Uint32Array;
  tmsiNew: Uint32Array;
  lac: Uint16Array;
  /** 0 when flags has no FLAG_CELL. */
  cellId: Uint16Array;
  lastSeen: Float64Array;
  luExpiry: Float64Array;
  /** Kc bytes 0-3 and 4-7, big-endian; 0 when cksn is 7. */
  kcHi: Uint32Array;
  kcLo: Uint32Array;
  /** IMEISV digits 1-8 and 9-16 as numbers below 10^8; 0 without FLAG_IMEISV. */
  imeiHi: Uint32Array;
  imeiLo: Uint32Array;
  /** Classmark 2 as a 24-bit big-endian number; 0 without FLAG_CLASSMARK2. */
  classmark2: Uint32Array;
  /** FLAG_* bits. */
  flags: Uint8Array;
  /** Bits 0-2 cksn, bits 3-4 number of cached triplets (0 unless triplets are in the state). */
  sec: Uint8Array;
  /** 56 bytes per record (two triplets of RAND 16, SRES 4, Kc 8); only with ExportOptions.authVectors. */
  triplets?: Uint8Array;
}

export const STATE_FORMAT = 'snaptel-vlr';
export const STATE_VERSION = 1;

/** TMSI value meaning "none" (TS 23.003 2.4; osmo-msc's GSM_RESERVED_TMSI). */
export const TMSI_NONE = 0xffffffff;
/** CKSN value meaning "no key is available" (TS 24.008 10.5.1.2). */
export const CKSN_NONE = 7;
/** Auth triplets cached per subscriber. */
export const MAX_TRIPLETS = 2;
/** TS 23.003 2.4: the two most significant bits 11 are the SGSN's (P-TMSI); an MSC allocates 00, 01 and 10. */
export const TMSI_SGSN_MASK = 0xc0000000;

export const FLAG_ATTACHED = 1;
export const FLAG_AUTHENTICATED = 2;
export const FLAG_CIPHERING = 4;
export const FLAG_HLR_CONFIRMED = 8;
export const FLAG_CELL = 16;
export const FLAG_IMEISV = 32;
export const FLAG_CLASSMARK2 = 64;
const FLAG_ALL = 127;

const TRIPLET = 28; // RAND 16 + SRES 4 + Kc 8
const TRIPLETS_BYTES = MAX_TRIPLETS * TRIPLET;
const MIN_CAPACITY = 16;
/** Index entries hold slot * 2 + 1 + 1 in an Int32Array. */
export const MAX_SLOTS = 2 ** 28;
const DEFAULT_PERIODIC_LU_MS = 60 * 60_000;
/** Random draws before allocateTmsi stops trusting the random source (see allocateTmsi). */
const TMSI_RANDOM_TRIES = 16;
const TMSI_MIX_TRIES = 64;
const TMSI_SPACE = TMSI_SGSN_MASK; // candidates 0 .. 0xbfffffff

// ---------------------------------------------------------------------------
// Columns: declared once, walked generically by resize, clear, export, import, freeze

interface Columns {
  imsi: Float64Array;
  msisdn: Float64Array;
  tmsi: Uint32Array;
  tmsiNew: Uint32Array;
  lac: Uint16Array;
  cellId: Uint16Array;
  lastSeen: Float64Array;
  luExpiry: Float64Array;
  kcHi: Uint32Array;
  kcLo: Uint32Array;
  imeiHi: Uint32Array;
  imeiLo: Uint32Array;
  classmark2: Uint32Array;
  flags: Uint8Array;
  sec: Uint8Array;
}
type ColumnName = keyof Columns;
type Column = Columns[ColumnName];
type ColumnType = 'Float64Array' | 'Uint32Array' | 'Uint16Array' | 'Uint8Array';

/** Every column, its type and bytes per slot. A free slot holds zeros, except imsi (the free-list link, < 0). */
export const COLUMNS: readonly { readonly name: ColumnName; readonly type: ColumnType }[] = [
  { name: 'imsi', type: 'Float64Array' },
  { name: 'msisdn', type: 'Float64Array' },
  { name: 'tmsi', type: 'Uint32Array' },
  { name: 'tmsiNew', type: 'Uint32Array' },
  { name: 'lac', type: 'Uint16Array' },
  { name: 'cellId', type: 'Uint16Array' },
  { name: 'lastSeen', type: 'Float64Array' },
  { name: 'luExpiry', type: 'Float64Array' },
  { name: 'kcHi', type: 'Uint32Array' },
  { name: 'kcLo', type: 'Uint32Array' },
  { name: 'imeiHi', type: 'Uint32Array' },
  { name: 'imeiLo', type: 'Uint32Array' },
  { name: 'classmark2', type: 'Uint32Array' },
  { name: 'flags', type: 'Uint8Array' },
  { name: 'sec', type: 'Uint8Array' },
];

const CTORS = { Float64Array, Uint32Array, Uint16Array, Uint8Array } as const;

function makeColumns(cap: number): Columns {
  const c: Partial<Record<ColumnName, Column>> = {};
  for (const col of COLUMNS) c[col.name] = new CTORS[col.type](cap);
  return c as Columns;
}

function bytesPerSlot(): number {
  let b = 0;
  for (const col of COLUMNS) b += CTORS[col.type].BYTES_PER_ELEMENT;
  return b;
}

/** Bytes per slot of the columns without triplets (66). */
export const COLUMN_BYTES = bytesPerSlot();

// ---------------------------------------------------------------------------
// Field parsing: a patch is validated completely before anything is applied

const P_MSISDN = 1 << 0;
const P_TMSI = 1 << 1;
const P_TMSI_NEW = 1 << 2;
const P_LAC = 1 << 3;
const P_CELL = 1 << 4;
const P_STATE = 1 << 5;
const P_LAST_SEEN = 1 << 6;
const P_LU_EXPIRY = 1 << 7;
const P_KC = 1 << 8;
const P_CKSN = 1 << 9;
const P_IMEISV = 1 << 10;
const P_CLASSMARK2 = 1 << 11;
const P_AUTH = 1 << 12;
const P_CIPH = 1 << 13;
const P_HLR = 1 << 14;

const FIELD_BITS: Readonly<Record<keyof VlrFields, number>> = {
  msisdn: P_MSISDN,
  tmsi: P_TMSI,
  tmsiNew: P_TMSI_NEW,
  lac: P_LAC,
  cellId: P_CELL,
  state: P_STATE,
  lastSeen: P_LAST_SEEN,
  luExpiry: P_LU_EXPIRY,
  kc: P_KC,
  cksn: P_CKSN,
  imeisv: P_IMEISV,
  classmark2: P_CLASSMARK2,
  authenticated: P_AUTH,
  ciphering: P_CIPH,
  hlrConfirmed: P_HLR,
};

/** One per store, reused by every register/update (no allocation per call). */
class Patch {
  has = 0;
  msisdn = 0;
  tmsi = 0;
  tmsiNew = 0;
  lac = 0;
  cellId = -1; // -1 = clear
  attached = false;
  lastSeen = 0;
  luExpiry = 0;
  kcClear = false;
  kcHi = 0;
  kcLo = 0;
  cksn = 0;
  imeisvClear = false;
  imeiHi = 0;
  imeiLo = 0;
  classmark2 = -1; // -1 = clear
  authenticated = false;
  ciphering = false;
  hlrConfirmed = false;
  readonly bytes = new Uint8Array(8);
  readonly imei = new Float64Array(2);
}

function u32Arg(field: string, v: unknown): number {
  if (v === null) return TMSI_NONE;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw invalid(field, `${field} ${show(v)} must be an integer 0..0xffffffff (0xffffffff or null = none)`);
  return v;
}

function u16Arg(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) throw invalid(field, `${field} ${show(v)} must be an integer 0..65535`);
  return v;
}

function timeArg(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(field, `${field} ${show(v)} must be a finite number >= 0 (ms since the epoch)`);
  return v + 0; // -0 -> 0
}

function boolArg(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(field, `${field} ${show(v)} must be true or false`);
  return v;
}

function slotArg(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalid('slot', `slot ${show(v)} must be an integer >= 0`);
  return v;
}

function defaultRandom(): () => number {
  const word = new Uint32Array(1);
  return () => {
    randomFillSync(word);
    return word[0]! / 4294967296;
  };
}

/** A step of a 32-bit mixer, for TMSI candidates when the random source keeps colliding. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

// ---------------------------------------------------------------------------
// Frozen form

/** What the frozen form packs (its typed arrays then stowed into one string with @snaptel/image's stow()). */
interface FrozenParts {
  /** Bit i set: slot i is registered. null when every slot below hw is. */
  used: Uint8Array | null;
  cols: Record<ColumnName, Packed>;
  /** 56 bytes per registered subscriber, in slot order; null when no subscriber had a triplet. */
  triplets: Uint8Array | null;
}

interface Frozen {
  /** Slots [0, hw) were ever used. */
  readonly hw: number;
  readonly n: number;
  /** luExpiry was packed as luExpiry - lastSeen. */
  readonly luExpiryDelta: boolean;
  /** Every typed array of the FrozenParts, one latin1 character per byte. */
  readonly blob: string;
  /** The FrozenParts with each typed array replaced by where it lies in `blob`. */
  readonly shape: unknown;
  /** Column by column, how it was packed (for stats). */
  readonly packing: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------------------

/** The VLR's subscriber table. See the module comment. */
export class VlrStore {
  private n = 0;
  /** High-water mark: slots [0, hw) have been used; free ones among them are on the free list. */
  private hw = 0;
  private cap = 0;
  /** First free slot below hw, or -1. A free slot's imsi column holds -(next + 2). */
  private freeHead = -1;
  private c: Columns = makeColumns(0);
  /** Allocated at the first pushTriplets: a VLR without cached vectors pays nothing for them. */
  private trip: Uint8Array | null = null;
  private imsiIdx = new ImsiIndex(0);
  private tmsiIdx = new TmsiIndex(0);
  private frozenForm: Frozen | null = null;
  /** Counter for TMSI candidates when the random source keeps colliding (see allocateTmsi). */
  private mixSeq = 0;
  private readonly p = new Patch();
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly periodicLuMs: number;

  constructor(opts: StoreOptions = {}) {
    if (typeof opts !== 'object' || opts === null) throw invalid('options', `options must be an object (got ${show(opts)})`);
    const cap = opts.initialCapacity ?? MIN_CAPACITY;
    if (!Number.isInteger(cap) || cap < 0 || cap > MAX_SLOTS)
      throw invalid('initialCapacity', `initialCapacity ${show(cap)} must be an integer 0..${MAX_SLOTS}`);
    if (opts.random !== undefined && typeof opts.random !== 'function') throw invalid('random', `random must be a function (got ${show(opts.random)})`);
    if (opts.now !== undefined && typeof opts.now !== 'function') throw invalid('now', `now must be a function (got ${show(opts.now)})`);
    const lu = opts.periodicLuMs ?? DEFAULT_PERIODIC_LU_MS;
    if (typeof lu !== 'number' || !Number.isFinite(lu) || lu < 0) throw invalid('periodicLuMs', `periodicLuMs ${show(lu)} must be a finite number >= 0`);
    this.random = opts.random ?? defaultRandom();
    this.now = opts.now ?? Date.now;
    this.periodicLuMs = lu;
    this.resize(Math.max(cap, MIN_CAPACITY));
  }

  // -------------------------------------------------------------------------
  // Size and memory

  /** Registered subscribers. */
  get size(): number {
    return this.n;
  }

  /** Slots the columns have room for before they grow (0 while frozen). */
  get capacity(): number {
    return this.frozenForm ? 0 : this.cap;
  }

  /** Whether the store is in its compact frozen form (see freeze()). */
  get frozen(): boolean {
    return this.frozenForm !== null;
  }

  /** Bytes held by the columns, cached triplets and both indexes; in the frozen form, by the packed columns. */
  allocatedBytes(): number {
    if (this.frozenForm) return this.frozenForm.blob.length;
    let b = (this.trip?.byteLength ?? 0) + this.imsiIdx.slots.byteLength + this.tmsiIdx.slots.byteLength;
    for (const col of COLUMNS) b += this.c[col.name].byteLength;
    return b;
  }

  /** allocatedBytes() / registered subscribers (spare capacity included): what one registration costs now. */
  bytesPerSubscriber(): number {
    return this.allocatedBytes() / Math.max(this.n, 1);
  }

  // -------------------------------------------------------------------------
  // Registration

  /**
   * Location update: registers `imsi`, or updates it if it is registered, and
   * returns its slot. Unless given, `lastSeen` becomes now(), `luExpiry`
   * lastSeen + periodicLuMs (when that is not 0) and `state` 'attached'.
   * Other fields left out keep their value (a new registration starts with
   * no MSISDN, TMSI, cell, key, IMEISV or classmark, LAC 0 and all flags
   * false). Throws VlrError; the store is unchanged then.
   */
  register(imsi: string, fields: Partial<VlrFields> = {}): number {
    this.ensure();
    const key = digitsArg('imsi', imsi);
    let slot = this.imsiIdx.find(this.c.imsi, key);
    const p = this.parse(fields);
    if (!(p.has & P_LAST_SEEN)) {
      p.lastSeen = timeArg('now()', this.now());
      p.has |= P_LAST_SEEN;
    }
    if (!(p.has & P_LU_EXPIRY) && this.periodicLuMs > 0) {
      p.luExpiry = p.lastSeen + this.periodicLuMs;
      p.has |= P_LU_EXPIRY;
    }
    if (!(p.has & P_STATE)) {
      p.attached = true;
      p.has |= P_STATE;
    }
    this.check(slot, p);
    if (slot < 0) {
      slot = this.allocSlot();
      this.c.imsi[slot] = key;
      this.c.tmsi[slot] = TMSI_NONE;
      this.c.tmsiNew[slot] = TMSI_NONE;
      this.c.sec[slot] = CKSN_NONE;
      this.imsiIdx.insert(this.c.imsi, slot);
      this.n++;
    }
    this.apply(slot, p);
    return slot;
  }

  /** Changes fields of the subscriber in `slot` (see VlrFields). Throws VlrError; the store is unchanged then. */
  update(slot: number, fields: Partial<VlrFields>): void {
    this.ensure();
    this.mustBeUsed(slot);
    const p = this.parse(fields);
    this.check(slot, p);
    this.apply(slot, p);
  }

  /** IMSI detach: the subscriber stays registered, in state 'detached'. */
  detach(slot: number): void {
    this.ensure();
    this.mustBeUsed(slot);
    this.c.flags[slot] = this.c.flags[slot]! & ~FLAG_ATTACHED;
  }

  /** Purges the subscriber: its slot, TMSIs, key and triplets are freed (and zeroed). */
  remove(slot: number): void {
    this.ensure();
    this.mustBeUsed(slot);
    const { c } = this;
    this.imsiIdx.delete(c.imsi, c.imsi[slot]!);
    if (c.tmsi[slot] !== TMSI_NONE) this.tmsiIdx.delete(c.tmsi, c.tmsiNew, c.tmsi[slot]!);
    if (c.tmsiNew[slot] !== TMSI_NONE) this.tmsiIdx.delete(c.tmsi, c.tmsiNew, c.tmsiNew[slot]!);
    for (const col of COLUMNS) c[col.name][slot] = 0; // no key material left behind
    this.trip?.fill(0, slot * TRIPLETS_BYTES, slot * TRIPLETS_BYTES + TRIPLETS_BYTES);
    c.imsi[slot] = -(this.freeHead + 2);
    this.freeHead = slot;
    this.n--;
  }

  // -------------------------------------------------------------------------
  // Lookup

  /** Slot of a registered IMSI, or -1. Throws VlrError for an IMSI that is not 1-15 digits. */
  slotOf(imsi: string): number {
    this.ensure();
    return this.imsiIdx.find(this.c.imsi, digitsArg('imsi', imsi));
  }

  /** Slot of the subscriber holding `tmsi` as its TMSI or as its pending new TMSI, or -1 (always for TMSI_NONE). */
  slotOfTmsi(tmsi: number): number {
    this.ensure();
    const t = u32Arg('tmsi', tmsi);
    if (t === TMSI_NONE) return -1;
    const e = this.tmsiIdx.find(this.c.tmsi, this.c.tmsiNew, t);
    return e < 0 ? -1 : e >>> 1;
  }

  /** The registration of `imsi` as a fresh plain object, or undefined. */
  get(imsi: string): VlrRecord | undefined {
    const slot = this.slotOf(imsi);
    return slot < 0 ? undefined : this.record(slot);
  }

  /** The registration in `slot` as a fresh plain object; throws VlrError not-found for a free slot. */
  recordAt(slot: number): VlrRecord {
    this.ensure();
    this.mustBeUsed(slot);
    return this.record(slot);
  }

  /** The IMSI registered in `slot`. */
  imsiAt(slot: number): string {
    this.ensure();
    this.mustBeUsed(slot);
    return decodeDigits(this.c.imsi[slot]!);
  }

  /** Whether `slot` holds a registered subscriber. */
  isRegistered(slot: number): boolean {
    this.ensure();
    return Number.isInteger(slot) && slot >= 0 && slot < this.hw && this.c.imsi[slot]! > 0;
  }

  /**
   * The subscriber's name as osmo-msc's vlr_subscr_name prints it:
   * 'IMSI-901700000004620:MSISDN-46071:TMSI-0x03020100:TMSInew-0x...'.
   */
  nameOf(slot: number): string {
    this.ensure();
    this.mustBeUsed(slot);
    const { c } = this;
    let s = `IMSI-${decodeDigits(c.imsi[slot]!)}`;
    if (c.msisdn[slot] !== 0) s += `:MSISDN-${decodeDigits(c.msisdn[slot]!)}`;
    if (c.tmsi[slot] !== TMSI_NONE) s += `:TMSI-${tmsiString(c.tmsi[slot]!)}`;
    if (c.tmsiNew[slot] !== TMSI_NONE) s += `:TMSInew-${tmsiString(c.tmsiNew[slot]!)}`;
    return s;
  }

  /** Registrations in slot order, skipping `offset` of them; all by default. */
  list(offset = 0, limit = Infinity): VlrRecord[] {
    this.ensure();
    if (!Number.isInteger(offset) || offset < 0) throw invalid('offset', `offset ${show(offset)} must be an integer >= 0`);
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) throw invalid('limit', `limit ${show(limit)} must be an integer >= 0`);
    const out: VlrRecord[] = [];
    const imsi = this.c.imsi;
    let skip = offset;
    for (let i = 0; i < this.hw && out.length < limit; i++) {
      if (!(imsi[i]! > 0)) continue;
      if (skip > 0) skip--;
      else out.push(this.record(i));
    }
    return out;
  }

  /** Calls fn(slot) for each registered slot, in slot order. */
  forEachSlot(fn: (slot: number) => void): void {
    this.ensure();
    const imsi = this.c.imsi;
    for (let i = 0; i < this.hw; i++) if (imsi[i]! > 0) fn(i);
  }

  /**
   * IMSIs whose periodic-LU deadline has passed (0 < luExpiry < now), in slot
   * order, at most `limit` (default 1000) of them: the caller purges them and
   * asks again.
   */
  expired(now: number, limit = 1000): string[] {
    this.ensure();
    if (typeof now !== 'number' || Number.isNaN(now)) throw invalid('now', `now ${show(now)} must be a number (ms since the epoch)`);
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) throw invalid('limit', `limit ${show(limit)} must be an integer >= 0`);
    const out: string[] = [];
    const { imsi, luExpiry } = this.c;
    for (let i = 0; i < this.hw && out.length < limit; i++) {
      const e = luExpiry[i]!;
      if (e > 0 && e < now && imsi[i]! > 0) out.push(decodeDigits(imsi[i]!));
    }
    return out;
  }

  // -------------------------------------------------------------------------
  // TMSI reallocation

  /**
   * Allocates a new TMSI for the subscriber and stores it as its pending new
   * TMSI (replacing one already pending); confirmTmsi() makes it the TMSI.
   * The value is never TMSI_NONE, never has the two top bits 11 (TS 23.003
   * 2.4: those are the SGSN's) and is never a TMSI or pending TMSI of anyone.
   *
   * Like osmo-msc's vlr_subscr_alloc_tmsi: random draws, TMSI_NONE thrown
   * away, a candidate with the top bits 11 has them cleared, one in use is
   * drawn again. After 16 draws in use (a broken or adversarial random
   * source), candidates come from a 32-bit mixer of the last one, and after
   * 64 of those from a linear scan, which always ends: there are fewer
   * TMSIs in use than candidates.
   */
  allocateTmsi(slot: number): number {
    this.ensure();
    this.mustBeUsed(slot);
    const { tmsi, tmsiNew } = this.c;
    const idx = this.tmsiIdx;
    let cand = -1;
    let last = 0;
    for (let i = 0; i < TMSI_RANDOM_TRIES && cand < 0; i++) {
      const r = this.random();
      if (typeof r !== 'number' || !(r >= 0 && r < 1)) throw invalid('random', `random() returned ${show(r)}, not a number in [0, 1)`);
      let t = Math.floor(r * 4294967296) >>> 0;
      if (t === TMSI_NONE) continue;
      if ((t & TMSI_SGSN_MASK) >>> 0 === TMSI_SGSN_MASK) t = (t & ~TMSI_SGSN_MASK) >>> 0;
      last = t;
      if (idx.find(tmsi, tmsiNew, t) < 0) cand = t;
    }
    for (let i = 0; i < TMSI_MIX_TRIES && cand < 0; i++) {
      // The running counter makes each allocation try new candidates rather than retrace the last one's.
      last = mix32((last ^ this.mixSeq++) >>> 0) % TMSI_SPACE;
      if (idx.find(tmsi, tmsiNew, last) < 0) cand = last;
    }
    while (cand < 0) {
      last = (last + 1) % TMSI_SPACE;
      if (idx.find(tmsi, tmsiNew, last) < 0) cand = last;
    }
    if (tmsiNew[slot] !== TMSI_NONE) idx.delete(tmsi, tmsiNew, tmsiNew[slot]!);
    tmsiNew[slot] = cand;
    idx.insert(tmsi, tmsiNew, slot, 1);
    return cand;
  }

  /** TMSI REALLOCATION COMPLETE: the pending new TMSI becomes the TMSI (the old one is released). */
  confirmTmsi(slot: number): void {
    this.ensure();
    this.mustBeUsed(slot);
    const { tmsi, tmsiNew } = this.c;
    const t = tmsiNew[slot]!;
    if (t === TMSI_NONE)
      throw new VlrError('no-pending-tmsi', `no TMSI reallocation is pending for imsi '${decodeDigits(this.c.imsi[slot]!)}'`, 'tmsiNew');
    if (tmsi[slot] !== TMSI_NONE) this.tmsiIdx.delete(tmsi, tmsiNew, tmsi[slot]!);
    this.tmsiIdx.delete(tmsi, tmsiNew, t);
    tmsi[slot] = t;
    tmsiNew[slot] = TMSI_NONE;
    this.tmsiIdx.insert(tmsi, tmsiNew, slot, 0);
  }

  // -------------------------------------------------------------------------
  // Authentication vector cache

  /**
   * Caches triplets received from the HLR, in order, while there is room
   * (MAX_TRIPLETS per subscriber); returns how many were taken. All are
   * checked before any is stored.
   */
  pushTriplets(slot: number, triplets: readonly TripletInput[]): number {
    this.ensure();
    this.mustBeUsed(slot);
    if (!Array.isArray(triplets)) throw invalid('triplets', `triplets must be an array (got ${show(triplets)})`);
    const scratch = new Uint8Array(TRIPLET * Math.max(triplets.length, 1));
    for (let j = 0; j < triplets.length; j++) {
      const t = triplets[j] as unknown;
      if (typeof t !== 'object' || t === null || Array.isArray(t)) throw invalid(`triplets[${j}]`, `triplets[${j}] must be an object { rand, sres, kc } (got ${show(t)})`);
      for (const k of Object.keys(t)) if (k !== 'rand' && k !== 'sres' && k !== 'kc') throw invalid(`triplets[${j}]`, `triplets[${j}] has an unknown field '${k}'`);
      const o = t as Record<string, unknown>;
      bytesArg(`triplets[${j}].rand`, o.rand, 16, scratch, j * TRIPLET);
      bytesArg(`triplets[${j}].sres`, o.sres, 4, scratch, j * TRIPLET + 16);
      bytesArg(`triplets[${j}].kc`, o.kc, 8, scratch, j * TRIPLET + 20);
    }
    const sec = this.c.sec[slot]!;
    const have = (sec >> 3) & 3;
    const take = Math.min(MAX_TRIPLETS - have, triplets.length);
    if (take === 0) return 0;
    const trip = (this.trip ??= new Uint8Array(this.cap * TRIPLETS_BYTES));
    trip.set(scratch.subarray(0, take * TRIPLET), slot * TRIPLETS_BYTES + have * TRIPLET);
    this.c.sec[slot] = (sec & 7) | ((have + take) << 3);
    return take;
  }

  /** Takes the oldest cached triplet (each is handed out once), or undefined when none is cached. */
  popTriplet(slot: number): Triplet | undefined {
    this.ensure();
    this.mustBeUsed(slot);
    const sec = this.c.sec[slot]!;
    const have = (sec >> 3) & 3;
    if (have === 0 || !this.trip) return undefined;
    const trip = this.trip;
    const at = slot * TRIPLETS_BYTES;
    const t: Triplet = { rand: hex(trip, at, 16), sres: hex(trip, at + 16, 4), kc: hex(trip, at + 20, 8) };
    trip.copyWithin(at, at + TRIPLET, at + TRIPLETS_BYTES);
    trip.fill(0, at + (have - 1) * TRIPLET, at + TRIPLETS_BYTES);
    this.c.sec[slot] = (sec & 7) | ((have - 1) << 3);
    return t;
  }

  /** Cached triplets of the subscriber (0..MAX_TRIPLETS). */
  tripletCount(slot: number): number {
    this.ensure();
    this.mustBeUsed(slot);
    return (this.c.sec[slot]! >> 3) & 3;
  }

  /** Forgets the subscriber's cached triplets. */
  clearTriplets(slot: number): void {
    this.ensure();
    this.mustBeUsed(slot);
    this.trip?.fill(0, slot * TRIPLETS_BYTES, slot * TRIPLETS_BYTES + TRIPLETS_BYTES);
    this.c.sec[slot] = this.c.sec[slot]! & 7;
  }

  /** Forgets every cached triplet (and frees their column); returns how many subscribers had some. */
  clearAllTriplets(): number {
    this.ensure();
    const sec = this.c.sec;
    let had = 0;
    for (let i = 0; i < this.hw; i++)
      if (sec[i]! & 0x18) {
        sec[i] = sec[i]! & 7;
        had++;
      }
    this.trip = null;
    return had;
  }

  // -------------------------------------------------------------------------
  // Frozen form

  /**
   * Packs the columns into their compact exact form (pack.ts) and drops the
   * indexes, for an image: call it in aboutToSnapshot (importState does it
   * by itself). Nothing is lost; the next call of any other method thaws the
   * store first, which rebuilds the indexes (about 0.3 s per 10^6
   * subscribers just after a resume).
   */
  freeze(): void {
    if (this.frozenForm) return;
    const { n, hw, c } = this;
    let used: Uint8Array | null = null;
    let at: Int32Array | null = null;
    if (n !== hw) {
      used = new Uint8Array((hw + 7) >> 3);
      at = new Int32Array(n);
      for (let i = 0, j = 0; i < hw; i++)
        if (c.imsi[i]! > 0) {
          used[i >> 3] |= 1 << (i & 7);
          at[j++] = i;
        }
    }
    const dense = (col: Column): ArrayLike<number> => {
      if (!at) return col;
      const d = new Float64Array(n);
      for (let j = 0; j < n; j++) d[j] = col[at[j]!]!;
      return d;
    };
    const cols: Partial<Record<ColumnName, Packed>> = {};
    for (const col of COLUMNS) cols[col.name] = packNumbers(dense(c[col.name]), n);
    // luExpiry is usually lastSeen + a constant: try it as a difference, kept only when exact and smaller.
    let luExpiryDelta = false;
    {
      const ls = dense(c.lastSeen);
      const le = dense(c.luExpiry);
      const d = new Float64Array(n);
      let exact = true;
      for (let j = 0; j < n && exact; j++) {
        d[j] = le[j]! - ls[j]!;
        exact = d[j]! + ls[j]! === le[j]! && Number.isFinite(d[j]!);
      }
      if (exact) {
        const packed = packNumbers(d, n);
        if (packedBytes(packed) < packedBytes(cols.luExpiry!)) {
          cols.luExpiry = packed;
          luExpiryDelta = true;
        }
      }
    }
    let triplets: Uint8Array | null = null;
    if (this.trip) {
      let any = false;
      for (let j = 0; j < n && !any; j++) any = (c.sec[at ? at[j]! : j]! & 0x18) !== 0;
      if (any) {
        triplets = new Uint8Array(n * TRIPLETS_BYTES);
        for (let j = 0; j < n; j++) {
          const s = at ? at[j]! : j;
          triplets.set(this.trip.subarray(s * TRIPLETS_BYTES, s * TRIPLETS_BYTES + TRIPLETS_BYTES), j * TRIPLETS_BYTES);
        }
      }
    }
    const parts: FrozenParts = { used, cols: cols as Record<ColumnName, Packed>, triplets };
    const packing: Record<string, string> = {};
    for (const col of COLUMNS) packing[col.name] = describePacked(parts.cols[col.name]) + (col.name === 'luExpiry' && luExpiryDelta ? ' (- lastSeen)' : '');
    packing.triplets = triplets ? 'raw' : 'none';
    const { blob, shape } = stow(parts);
    this.frozenForm = { hw, n, luExpiryDelta, blob, shape, packing };
    this.c = makeColumns(0);
    this.cap = 0;
    this.trip = null;
    this.imsiIdx = new ImsiIndex(0);
    this.tmsiIdx = new TmsiIndex(0);
  }

  /** Restores the live columns and indexes of a frozen store (any other method does it when needed). */
  thaw(): void {
    const f = this.frozenForm;
    if (!f) return;
    const { hw, n } = f;
    const { used, cols, triplets } = unstow({ shape: f.shape, blob: f.blob }) as FrozenParts;
    const cap = hw + (hw >> 3) + MIN_CAPACITY; // a resumed VLR keeps registering: some room before the first growth
    const c = makeColumns(cap);
    let at: Int32Array | null = null;
    if (used) {
      at = new Int32Array(n);
      for (let i = 0, j = 0; i < hw; i++) if (used[i >> 3]! & (1 << (i & 7))) at[j++] = i;
    }
    for (const col of COLUMNS) unpackNumbers(cols[col.name], n, c[col.name], at);
    if (f.luExpiryDelta)
      for (let j = 0; j < n; j++) {
        const s = at ? at[j]! : j;
        c.luExpiry[s] = c.luExpiry[s]! + c.lastSeen[s]!;
      }
    let trip: Uint8Array | null = null;
    if (triplets) {
      trip = new Uint8Array(cap * TRIPLETS_BYTES);
      for (let j = 0; j < n; j++) trip.set(triplets.subarray(j * TRIPLETS_BYTES, (j + 1) * TRIPLETS_BYTES), (at ? at[j]! : j) * TRIPLETS_BYTES);
    }
    this.adopt(c, cap, hw, n, trip, false);
    this.frozenForm = null;
  }

  /** Column by column, how the frozen form packed them (empty when not frozen): for stats. */
  packing(): Record<string, string> {
    return { ...this.frozenForm?.packing };
  }

  // -------------------------------------------------------------------------
  // State

  /**
   * The durable state: fresh copies of every registered subscriber's columns,
   * with its slot, safe to keep while the store changes and accepted by
   * v8.serialize. Cached triplets only with { authVectors: true } (see ExportOptions).
   */
  exportState(opts: ExportOptions = {}): VlrState {
    this.ensure();
    const withVectors = opts.authVectors === true;
    const { n, hw, c } = this;
    const slot = new Int32Array(n);
    for (let i = 0, j = 0; i < hw; i++) if (c.imsi[i]! > 0) slot[j++] = i;
    const dense = <T extends Column>(col: T): T => {
      if (n === hw) return col.slice(0, n) as T;
      const d = new (col.constructor as new (len: number) => T)(n);
      for (let j = 0; j < n; j++) d[j] = col[slot[j]!]!;
      return d;
    };
    const state: VlrState = {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      count: n,
      slot,
      imsi: dense(c.imsi),
      msisdn: dense(c.msisdn),
      tmsi: dense(c.tmsi),
      tmsiNew: dense(c.tmsiNew),
      lac: dense(c.lac),
      cellId: dense(c.cellId),
      lastSeen: dense(c.lastSeen),
      luExpiry: dense(c.luExpiry),
      kcHi: dense(c.kcHi),
      kcLo: dense(c.kcLo),
      imeiHi: dense(c.imeiHi),
      imeiLo: dense(c.imeiLo),
      classmark2: dense(c.classmark2),
      flags: dense(c.flags),
      sec: dense(c.sec),
    };
    if (withVectors) {
      const t = new Uint8Array(n * TRIPLETS_BYTES);
      if (this.trip) for (let j = 0; j < n; j++) t.set(this.trip.subarray(slot[j]! * TRIPLETS_BYTES, (slot[j]! + 1) * TRIPLETS_BYTES), j * TRIPLETS_BYTES);
      state.triplets = t;
    } else {
      for (let j = 0; j < n; j++) state.sec[j] = state.sec[j]! & 7;
    }
    return state;
  }

  /**
   * A live store holding `state`, after checking all of it (throws VlrError
   * 'invalid-state' naming the column and record). `opts` as the constructor's.
   */
  static fromState(state: unknown, opts: StoreOptions = {}): VlrStore {
    const store = new VlrStore({ ...opts, initialCapacity: 0 });
    const v = checkState(state);
    const { count } = v;
    const hw = count === 0 ? 0 : v.slot[count - 1]! + 1;
    const cap = Math.max(hw, MIN_CAPACITY);
    const c = makeColumns(cap);
    for (const col of COLUMNS) {
      const src = v.cols[col.name];
      const dst = c[col.name];
      for (let j = 0; j < count; j++) dst[v.slot[j]!] = src[j]! + 0; // -0 -> 0
    }
    let trip: Uint8Array | null = null;
    if (v.triplets) {
      trip = new Uint8Array(cap * TRIPLETS_BYTES);
      for (let j = 0; j < count; j++) trip.set(v.triplets.subarray(j * TRIPLETS_BYTES, (j + 1) * TRIPLETS_BYTES), v.slot[j]! * TRIPLETS_BYTES);
    }
    store.adopt(c, cap, hw, count, trip, true);
    return store;
  }

  /**
   * Replaces the whole content with `state`, all or nothing (on VlrError the
   * store is unchanged), and leaves it frozen: importState runs in the builder
   * of a live snapshot, right before the heap is written.
   */
  importState(state: unknown): void {
    const other = VlrStore.fromState(state, { initialCapacity: 0, random: this.random, now: this.now, periodicLuMs: this.periodicLuMs });
    other.freeze();
    this.n = other.n;
    this.hw = other.hw;
    this.cap = other.cap;
    this.freeHead = other.freeHead;
    this.c = other.c;
    this.trip = other.trip;
    this.imsiIdx = other.imsiIdx;
    this.tmsiIdx = other.tmsiIdx;
    this.frozenForm = other.frozenForm;
  }

  /** Removes every subscriber and shrinks back to the initial capacity. */
  clear(): void {
    this.frozenForm = null;
    this.n = 0;
    this.hw = 0;
    this.freeHead = -1;
    this.trip = null;
    this.c = makeColumns(0);
    this.cap = 0;
    this.imsiIdx = new ImsiIndex(0);
    this.tmsiIdx = new TmsiIndex(0);
    this.resize(MIN_CAPACITY);
  }

  /** A summary, so that JSON.stringify (e.g. a `remote eval` reply) never dumps the columns. */
  toJSON(): { size: number; capacity: number; bytes: number; frozen: boolean } {
    return { size: this.n, capacity: this.capacity, bytes: this.allocatedBytes(), frozen: this.frozen };
  }

  // -------------------------------------------------------------------------
  // Internals

  private ensure(): void {
    if (this.frozenForm !== null) this.thaw();
  }

  private mustBeUsed(slot: number): void {
    const s = slotArg(slot);
    if (s >= this.hw || !(this.c.imsi[s]! > 0)) throw new VlrError('not-found', `slot ${s} holds no registered subscriber`, 'slot');
  }

  /**
   * Installs columns holding n subscribers in slots [0, hw); rebuilds the
   * free list and both indexes. `checked`: the columns come from a state, so
   * duplicate IMSIs and TMSIs are looked for (and reported as in a state,
   * whose record j is the j-th used slot); a thawed store skips that.
   */
  private adopt(c: Columns, cap: number, hw: number, n: number, trip: Uint8Array | null, checked: boolean): void {
    this.c = c;
    this.cap = cap;
    this.hw = hw;
    this.n = n;
    this.trip = trip;
    this.freeHead = -1;
    let tmsis = 0;
    if (n < hw)
      for (let i = hw - 1; i >= 0; i--)
        if (!(c.imsi[i]! > 0)) {
          c.imsi[i] = -(this.freeHead + 2);
          this.freeHead = i;
        }
    for (let i = 0; i < hw; i++) {
      if (c.tmsi[i] !== TMSI_NONE && c.imsi[i]! > 0) tmsis++;
      if (c.tmsiNew[i] !== TMSI_NONE && c.imsi[i]! > 0) tmsis++;
    }
    const imsiIdx = (this.imsiIdx = new ImsiIndex(n));
    const tmsiIdx = (this.tmsiIdx = new TmsiIndex(tmsis));
    if (!checked) {
      for (let i = 0; i < hw; i++) {
        if (!(c.imsi[i]! > 0)) continue;
        imsiIdx.insert(c.imsi, i);
        if (c.tmsi[i] !== TMSI_NONE) tmsiIdx.insert(c.tmsi, c.tmsiNew, i, 0);
        if (c.tmsiNew[i] !== TMSI_NONE) tmsiIdx.insert(c.tmsi, c.tmsiNew, i, 1);
      }
      return;
    }
    const dup = (field: string, j: number, i: number, what: string) =>
      stateError(`state.${field}[${j}] (slot ${i}): ${what}`, `state.${field}`, j);
    for (let i = 0, j = 0; i < hw; i++) {
      if (!(c.imsi[i]! > 0)) continue;
      const other = imsiIdx.insertUnique(c.imsi, i);
      if (other >= 0) throw dup('imsi', j, i, `duplicate of slot ${other} (imsi '${decodeDigits(c.imsi[i]!)}')`);
      const t = c.tmsi[i]!;
      const tn = c.tmsiNew[i]!;
      if (t !== TMSI_NONE) {
        const e = tmsiIdx.insertUnique(c.tmsi, c.tmsiNew, i, 0);
        if (e >= 0) throw dup('tmsi', j, i, `TMSI ${tmsiString(t)} is also held by slot ${e >>> 1}`);
      }
      if (tn !== TMSI_NONE) {
        if (tn === t) throw dup('tmsiNew', j, i, `equals the tmsi ${tmsiString(t)}`);
        const e = tmsiIdx.insertUnique(c.tmsi, c.tmsiNew, i, 1);
        if (e >= 0) throw dup('tmsiNew', j, i, `TMSI ${tmsiString(tn)} is also held by slot ${e >>> 1}`);
      }
      j++;
    }
  }

  private allocSlot(): number {
    if (this.freeHead >= 0) {
      const s = this.freeHead;
      this.freeHead = -this.c.imsi[s]! - 2;
      this.c.imsi[s] = 0;
      return s;
    }
    if (this.hw === this.cap) {
      if (this.cap >= MAX_SLOTS) throw new VlrError('full', `the store is full (${MAX_SLOTS} subscribers)`, 'imsi');
      this.resize(Math.min(MAX_SLOTS, Math.max(this.cap + MIN_CAPACITY, Math.ceil(this.cap * 1.5))));
    }
    return this.hw++;
  }

  /** New columns of `capacity` slots holding slots [0, hw); the indexes point at slots, so they stay as they are. */
  private resize(capacity: number): void {
    const hw = this.hw;
    const c = makeColumns(capacity);
    for (const col of COLUMNS) c[col.name].set(this.c[col.name].subarray(0, hw) as never);
    if (this.trip) {
      const t = new Uint8Array(capacity * TRIPLETS_BYTES);
      t.set(this.trip.subarray(0, hw * TRIPLETS_BYTES));
      this.trip = t;
    }
    this.c = c;
    this.cap = capacity;
  }

  /** Validates `fields` into the store's Patch (types and ranges only). */
  private parse(fields: unknown): Patch {
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw invalid('fields', `fields must be an object (got ${show(fields)})`);
    const p = this.p;
    p.has = 0;
    const o = fields as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      const bit = (FIELD_BITS as Record<string, number | undefined>)[k];
      if (bit === undefined || !Object.prototype.hasOwnProperty.call(FIELD_BITS, k)) throw invalid(k, `fields has an unknown field '${k}'`);
      if (v === undefined) continue;
      switch (bit) {
        case P_MSISDN:
          p.msisdn = v === null ? 0 : digitsArg('msisdn', v);
          break;
        case P_TMSI:
          p.tmsi = u32Arg('tmsi', v);
          break;
        case P_TMSI_NEW:
          p.tmsiNew = u32Arg('tmsiNew', v);
          break;
        case P_LAC:
          p.lac = u16Arg('lac', v);
          break;
        case P_CELL:
          p.cellId = v === null ? -1 : u16Arg('cellId', v);
          break;
        case P_STATE:
          if (v !== 'attached' && v !== 'detached') throw invalid('state', `state ${show(v)} must be 'attached' or 'detached'`);
          p.attached = v === 'attached';
          break;
        case P_LAST_SEEN:
          p.lastSeen = timeArg('lastSeen', v);
          break;
        case P_LU_EXPIRY:
          p.luExpiry = timeArg('luExpiry', v);
          break;
        case P_KC:
          p.kcClear = v === null;
          if (v !== null) {
            bytesArg('kc', v, 8, p.bytes, 0);
            p.kcHi = u32be(p.bytes, 0);
            p.kcLo = u32be(p.bytes, 4);
          }
          break;
        case P_CKSN:
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 7) throw invalid('cksn', `cksn ${show(v)} must be an integer 0..7 (7 = no key)`);
          p.cksn = v;
          break;
        case P_IMEISV:
          p.imeisvClear = v === null;
          if (v !== null) {
            imeisvArg(v, p.imei);
            p.imeiHi = p.imei[0]!;
            p.imeiLo = p.imei[1]!;
          }
          break;
        case P_CLASSMARK2:
          if (v === null) p.classmark2 = -1;
          else {
            bytesArg('classmark2', v, 3, p.bytes, 0);
            p.classmark2 = (p.bytes[0]! << 16) | (p.bytes[1]! << 8) | p.bytes[2]!;
          }
          break;
        case P_AUTH:
          p.authenticated = boolArg('authenticated', v);
          break;
        case P_CIPH:
          p.ciphering = boolArg('ciphering', v);
          break;
        case P_HLR:
          p.hlrConfirmed = boolArg('hlrConfirmed', v);
          break;
      }
      p.has |= bit;
    }
    return p;
  }

  /**
   * Checks what the patch would make of the record in `slot` (-1: a new
   * registration): the Kc/CKSN pairing and TMSI uniqueness. Settles the
   * implied changes: cksn 7 alone clears the Kc, kc null alone sets cksn 7.
   */
  private check(slot: number, p: Patch): void {
    const { c } = this;
    const curCksn = slot < 0 ? CKSN_NONE : c.sec[slot]! & 7;
    if (p.has & P_CKSN && p.cksn === CKSN_NONE && !(p.has & P_KC)) {
      p.kcClear = true;
      p.has |= P_KC;
    }
    if (p.has & P_KC && p.kcClear && !(p.has & P_CKSN)) {
      p.cksn = CKSN_NONE;
      p.has |= P_CKSN;
    }
    const cksn = p.has & P_CKSN ? p.cksn : curCksn;
    const hasKc = p.has & P_KC ? !p.kcClear : curCksn !== CKSN_NONE;
    if (hasKc && cksn === CKSN_NONE) throw invalid('kc', 'kc needs a cksn 0..6 (cksn 7 means no key is available)');
    if (!hasKc && cksn !== CKSN_NONE) throw invalid('cksn', `cksn ${cksn} needs a kc (or cksn 7: no key is available)`);
    const curTmsi = slot < 0 ? TMSI_NONE : c.tmsi[slot]!;
    const curNew = slot < 0 ? TMSI_NONE : c.tmsiNew[slot]!;
    const tmsi = p.has & P_TMSI ? p.tmsi : curTmsi;
    const tmsiNew = p.has & P_TMSI_NEW ? p.tmsiNew : curNew;
    if (tmsi !== TMSI_NONE && tmsi === tmsiNew)
      throw new VlrError('duplicate-tmsi', `tmsi and tmsiNew cannot both be ${tmsiString(tmsi)}`, p.has & P_TMSI_NEW ? 'tmsiNew' : 'tmsi');
    this.checkTmsiFree(slot, tmsi, tmsi !== curTmsi, 'tmsi');
    this.checkTmsiFree(slot, tmsiNew, tmsiNew !== curNew, 'tmsiNew');
  }

  private checkTmsiFree(slot: number, t: number, changed: boolean, field: string): void {
    if (!changed || t === TMSI_NONE) return;
    const e = this.tmsiIdx.find(this.c.tmsi, this.c.tmsiNew, t);
    if (e >= 0 && e >>> 1 !== slot)
      throw new VlrError('duplicate-tmsi', `${field} ${tmsiString(t)} already belongs to imsi '${decodeDigits(this.c.imsi[e >>> 1]!)}'`, field);
  }

  /** Writes a checked patch into `slot`. */
  private apply(slot: number, p: Patch): void {
    const { c } = this;
    const has = p.has;
    if (has & P_MSISDN) c.msisdn[slot] = p.msisdn;
    if (has & (P_TMSI | P_TMSI_NEW)) {
      const tmsi = has & P_TMSI ? p.tmsi : c.tmsi[slot]!;
      const tmsiNew = has & P_TMSI_NEW ? p.tmsiNew : c.tmsiNew[slot]!;
      // Out with the old entries (while the columns still hold them), in with the new.
      if (tmsi !== c.tmsi[slot] && c.tmsi[slot] !== TMSI_NONE) this.tmsiIdx.delete(c.tmsi, c.tmsiNew, c.tmsi[slot]!);
      if (tmsiNew !== c.tmsiNew[slot] && c.tmsiNew[slot] !== TMSI_NONE) this.tmsiIdx.delete(c.tmsi, c.tmsiNew, c.tmsiNew[slot]!);
      const addTmsi = tmsi !== c.tmsi[slot] && tmsi !== TMSI_NONE;
      const addNew = tmsiNew !== c.tmsiNew[slot] && tmsiNew !== TMSI_NONE;
      c.tmsi[slot] = tmsi;
      c.tmsiNew[slot] = tmsiNew;
      if (addTmsi) this.tmsiIdx.insert(c.tmsi, c.tmsiNew, slot, 0);
      if (addNew) this.tmsiIdx.insert(c.tmsi, c.tmsiNew, slot, 1);
    }
    if (has & P_LAC) c.lac[slot] = p.lac;
    let flags = c.flags[slot]!;
    if (has & P_CELL) {
      c.cellId[slot] = p.cellId < 0 ? 0 : p.cellId;
      flags = p.cellId < 0 ? flags & ~FLAG_CELL : flags | FLAG_CELL;
    }
    if (has & P_STATE) flags = p.attached ? flags | FLAG_ATTACHED : flags & ~FLAG_ATTACHED;
    if (has & P_LAST_SEEN) c.lastSeen[slot] = p.lastSeen;
    if (has & P_LU_EXPIRY) c.luExpiry[slot] = p.luExpiry;
    if (has & P_KC) {
      c.kcHi[slot] = p.kcClear ? 0 : p.kcHi;
      c.kcLo[slot] = p.kcClear ? 0 : p.kcLo;
    }
    if (has & P_CKSN) c.sec[slot] = (c.sec[slot]! & ~7) | p.cksn;
    if (has & P_IMEISV) {
      c.imeiHi[slot] = p.imeisvClear ? 0 : p.imeiHi;
      c.imeiLo[slot] = p.imeisvClear ? 0 : p.imeiLo;
      flags = p.imeisvClear ? flags & ~FLAG_IMEISV : flags | FLAG_IMEISV;
    }
    if (has & P_CLASSMARK2) {
      c.classmark2[slot] = p.classmark2 < 0 ? 0 : p.classmark2;
      flags = p.classmark2 < 0 ? flags & ~FLAG_CLASSMARK2 : flags | FLAG_CLASSMARK2;
    }
    if (has & P_AUTH) flags = p.authenticated ? flags | FLAG_AUTHENTICATED : flags & ~FLAG_AUTHENTICATED;
    if (has & P_CIPH) flags = p.ciphering ? flags | FLAG_CIPHERING : flags & ~FLAG_CIPHERING;
    if (has & P_HLR) flags = p.hlrConfirmed ? flags | FLAG_HLR_CONFIRMED : flags & ~FLAG_HLR_CONFIRMED;
    c.flags[slot] = flags;
  }

  private record(slot: number): VlrRecord {
    const { c } = this;
    const flags = c.flags[slot]!;
    const sec = c.sec[slot]!;
    const r = { slot, imsi: decodeDigits(c.imsi[slot]!) } as VlrRecord;
    if (c.msisdn[slot] !== 0) r.msisdn = decodeDigits(c.msisdn[slot]!);
    r.tmsi = c.tmsi[slot]!;
    r.tmsiNew = c.tmsiNew[slot]!;
    r.lac = c.lac[slot]!;
    if (flags & FLAG_CELL) r.cellId = c.cellId[slot]!;
    r.state = flags & FLAG_ATTACHED ? 'attached' : 'detached';
    r.lastSeen = c.lastSeen[slot]!;
    r.luExpiry = c.luExpiry[slot]!;
    if ((sec & 7) !== CKSN_NONE) r.kc = u32hex(c.kcHi[slot]!) + u32hex(c.kcLo[slot]!);
    r.cksn = sec & 7;
    if (flags & FLAG_IMEISV) r.imeisv = imeisvString(c.imeiHi[slot]!, c.imeiLo[slot]!);
    if (flags & FLAG_CLASSMARK2) r.classmark2 = u32hex(c.classmark2[slot]!, 6);
    r.authenticated = (flags & FLAG_AUTHENTICATED) !== 0;
    r.ciphering = (flags & FLAG_CIPHERING) !== 0;
    r.hlrConfirmed = (flags & FLAG_HLR_CONFIRMED) !== 0;
    r.authVectors = (sec >> 3) & 3;
    return r;
  }
}

// ---------------------------------------------------------------------------
// State checks

interface CheckedState {
  count: number;
  slot: Int32Array;
  cols: Record<ColumnName, ArrayLike<number>>;
  triplets: Uint8Array | null;
}

function stateError(message: string, field: string, index?: number): VlrError {
  return new VlrError('invalid-state', message, field, index);
}

/** Everything fromState needs to trust a state; throws VlrError 'invalid-state' naming the column and record. */
function checkState(state: unknown): CheckedState {
  if (typeof state !== 'object' || state === null || Array.isArray(state) || ArrayBuffer.isView(state))
    throw stateError(`state must be an object with format '${STATE_FORMAT}' (got ${show(state)})`, 'state');
  const s = state as Record<string, unknown>;
  if (s.format !== STATE_FORMAT) throw stateError(`state.format must be '${STATE_FORMAT}' (got ${show(s.format)})`, 'state.format');
  if (s.version !== STATE_VERSION)
    throw stateError(`state.version ${show(s.version)} is not supported (this vlr reads version ${STATE_VERSION})`, 'state.version');
  const count = s.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_SLOTS)
    throw stateError(`state.count ${show(count)} must be an integer 0..${MAX_SLOTS}`, 'state.count');
  const column = (name: string, type: string, length: number, per = 'count'): ArrayLike<number> => {
    const v = s[name];
    if (!isTyped(v, type)) throw stateError(`state.${name} must be a ${type} (got ${show(v)})`, `state.${name}`);
    const got = (v as ArrayLike<number>).length;
    if (got !== length) throw stateError(`state.${name} has ${got} elements, expected ${per} = ${length} (count ${count})`, `state.${name}`);
    return v as ArrayLike<number>;
  };
  const slot = column('slot', 'Int32Array', count) as Int32Array;
  const cols: Partial<Record<ColumnName, ArrayLike<number>>> = {};
  for (const col of COLUMNS) cols[col.name] = column(col.name, col.type, count);
  let triplets: Uint8Array | null = null;
  if (s.triplets !== undefined) triplets = column('triplets', 'Uint8Array', count * TRIPLETS_BYTES, `${TRIPLETS_BYTES} * count`) as Uint8Array;
  const c = cols as Record<ColumnName, ArrayLike<number>>;

  const at = (field: string, j: number, what: string) => stateError(`state.${field}[${j}] (slot ${slot[j]}): ${what}`, `state.${field}`, j);
  for (let j = 0; j < count; j++) {
    const sl = slot[j]!;
    if (sl < 0 || sl >= MAX_SLOTS) throw stateError(`state.slot[${j}]: ${sl} is not a slot 0..${MAX_SLOTS - 1}`, 'state.slot', j);
    if (j > 0 && sl <= slot[j - 1]!) throw stateError(`state.slot[${j}]: ${sl} does not follow ${slot[j - 1]} (slots must increase)`, 'state.slot', j);
    const k = c.imsi[j]!;
    if (!isDigitKey(k)) throw at('imsi', j, `${k} does not encode an IMSI of 1-15 digits`);
    const m = c.msisdn[j]!;
    if (m !== 0 && !isDigitKey(m)) throw at('msisdn', j, `${m} does not encode an MSISDN of 1-15 digits (0 = none)`);
    const f = c.flags[j]!;
    if (f & ~FLAG_ALL) throw at('flags', j, `${f} has bits other than ${FLAG_ALL}`);
    if (!(f & FLAG_CELL) && c.cellId[j] !== 0) throw at('cellId', j, 'set but flags say no cell');
    for (const field of ['lastSeen', 'luExpiry'] as const) {
      const x = c[field][j]!;
      if (!Number.isFinite(x) || x < 0) throw at(field, j, `${x} is not a finite number >= 0`);
    }
    const sec = c.sec[j]!;
    if (sec & ~0x1f) throw at('sec', j, `${sec} has bits other than cksn (0-2) and triplet count (3-4)`);
    const cksn = sec & 7;
    const nt = sec >> 3;
    if (nt > MAX_TRIPLETS) throw at('sec', j, `triplet count ${nt} is more than ${MAX_TRIPLETS}`);
    if (cksn === CKSN_NONE && (c.kcHi[j] !== 0 || c.kcLo[j] !== 0)) throw at('kcHi', j, 'kc set but cksn is 7 (no key)');
    if (f & FLAG_IMEISV) {
      if (c.imeiHi[j]! >= 1e8 || c.imeiLo[j]! >= 1e8) throw at('imeiHi', j, 'an IMEISV half is not below 10^8');
    } else if (c.imeiHi[j] !== 0 || c.imeiLo[j] !== 0) throw at('imeiHi', j, 'set but flags say no IMEISV');
    const cm = c.classmark2[j]!;
    if (cm > 0xffffff) throw at('classmark2', j, `${cm} is more than 3 bytes`);
    if (!(f & FLAG_CLASSMARK2) && cm !== 0) throw at('classmark2', j, 'set but flags say no classmark 2');
    if (triplets) {
      for (let b = j * TRIPLETS_BYTES + nt * TRIPLET; b < (j + 1) * TRIPLETS_BYTES; b++)
        if (triplets[b] !== 0) throw at('triplets', j, `bytes set beyond the ${nt} triplet(s) that sec counts`);
    } else if (nt !== 0) throw at('sec', j, `counts ${nt} triplet(s) but the state has no triplets`);
  }
  return { count, slot, cols: c, triplets };
}
