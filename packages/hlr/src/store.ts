import { KeyIndex, decodeDigits, digitKey, isDigitKey } from '@snaptel/columns';
import { HlrError } from './errors';

/**
 * The HLR's subscriber table, column by column in typed arrays.
 *
 * A V8 snapshot resumes in a time that grows with the number of heap objects,
 * so the store holds no object per subscriber: one record is one position `i`
 * in each column, and the two indexes (by IMSI, by MSISDN) are open addressing
 * hash tables of `Int32Array` slots. A store of any size is a few dozen heap
 * objects. Plain objects exist only at the API boundary (get, list).
 *
 * Digit strings (IMSI, MSISDN) are stored as one float64 each: the number whose
 * decimal digits are "1" followed by the digits ('001010000000001' is stored as
 * 1001010000000001). The leading 1 keeps leading zeros and the length; 16
 * decimal digits stay below 2^53, so the value is exact. 0 means "absent".
 */

export type Algo = 'none' | 'comp128v1' | 'xor' | 'milenage';
/** Algorithm codes as stored (state.algo[i] is an index into this list). */
export const ALGOS: readonly Algo[] = ['none', 'comp128v1', 'xor', 'milenage'];

/** What add() takes. Absent (or null) msisdn/ki/opc mean "none"; cs and ps default to true. */
export interface SubscriberInput {
  /** 1-15 decimal digits, leading zeros kept. */
  imsi: string;
  /** 1-15 decimal digits, leading zeros kept; unique across subscribers. */
  msisdn?: string | null;
  /** 128-bit key, 32 hex digits. */
  ki?: string | null;
  /** Milenage OPc, 32 hex digits. */
  opc?: string | null;
  /** Default 'none'. 'comp128v1' and 'xor' need ki; 'milenage' needs ki and opc. */
  algo?: Algo;
  /** 48-bit sequence number (0 <= sqn < 2^48), default 0. */
  sqn?: number;
  /** CS (circuit-switched) service enabled, default true. */
  cs?: boolean;
  /** PS (packet-switched) service enabled, default true. */
  ps?: boolean;
}

/**
 * What update() takes: fields left out (or undefined) are kept; null clears
 * msisdn, ki or opc. `imsi` may be given only if unchanged.
 */
export type SubscriberPatch = Partial<SubscriberInput>;

/** A subscriber as get()/list() return it: a fresh plain object; absent fields are left out. */
export interface Subscriber {
  imsi: string;
  msisdn?: string;
  /** Lowercase hex. */
  ki?: string;
  /** Lowercase hex. */
  opc?: string;
  algo: Algo;
  sqn: number;
  cs: boolean;
  ps: boolean;
}

/**
 * The durable state (exportState/fromState): the used part of each column,
 * copied. Subscriber i is imsi[i], msisdn[i], ki[16i..16i+16), ... .
 */
export interface HlrState {
  format: 'snaptel-hlr';
  version: 1;
  count: number;
  /** Encoded digits ("1" + digits as a number), see the module comment. */
  imsi: Float64Array;
  /** Encoded digits, 0 when the subscriber has no MSISDN. */
  msisdn: Float64Array;
  /** 16 bytes per subscriber, all zero when absent (flags bit 2 clear). */
  ki: Uint8Array;
  /** 16 bytes per subscriber, all zero when absent (flags bit 3 clear). */
  opc: Uint8Array;
  /** Index into ALGOS. */
  algo: Uint8Array;
  /** Integers 0 <= sqn < 2^48. */
  sqn: Float64Array;
  /** Bit 0 cs, bit 1 ps, bit 2 has ki, bit 3 has opc. */
  flags: Uint8Array;
}

export const STATE_FORMAT = 'snaptel-hlr';
export const STATE_VERSION = 1;

export interface StoreOptions {
  /** Initial capacity in subscribers (default 16); the store doubles it as needed. */
  capacity?: number;
}

export const FLAG_CS = 1;
export const FLAG_PS = 2;
export const FLAG_KI = 4;
export const FLAG_OPC = 8;
const FLAG_ALL = FLAG_CS | FLAG_PS | FLAG_KI | FLAG_OPC;

const KEY = 16; // bytes of ki / opc
const SQN_LIMIT = 2 ** 48;
const MIN_CAPACITY = 16;
/** Slots hold index + 1 in an Int32Array twice the capacity. */
const MAX_CAPACITY = 2 ** 28;
const INPUT_FIELDS = new Set(['imsi', 'msisdn', 'ki', 'opc', 'algo', 'sqn', 'cs', 'ps']);

// ---------------------------------------------------------------------------
// Encodings

export { decodeDigits };

/** A short, safe rendering of a bad value for an error message. */
function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'function') return 'a function';
  return String(v);
}

function invalid(field: string, message: string): HlrError {
  return new HlrError('invalid-input', message, field);
}

function digitsArg(field: string, v: unknown): number {
  const k = digitKey(v);
  if (k === undefined) throw invalid(field, `${field} ${show(v)} must be 1-15 digits`);
  return k;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  c |= 0x20; // lowercase
  return c >= 97 && c <= 102 ? c - 87 : -1; // a-f
}

/** Parses 32 hex digits into out[0..16). Never echoes the value: it is key material. */
function hexArg(field: string, v: unknown, out: Uint8Array): void {
  if (typeof v === 'string' && v.length === 2 * KEY) {
    let i = 0;
    for (; i < KEY; i++) {
      const hi = hexDigit(v.charCodeAt(2 * i));
      const lo = hexDigit(v.charCodeAt(2 * i + 1));
      if (hi < 0 || lo < 0) break;
      out[i] = (hi << 4) | lo;
    }
    if (i === KEY) return;
  }
  const got = typeof v === 'string' ? `${v.length} characters${/^[0-9a-fA-F]*$/.test(v) ? '' : ', not all hex'}` : show(v);
  throw invalid(field, `${field} must be 32 hex digits (got ${got})`);
}

function algoArg(v: unknown): number {
  const code = typeof v === 'string' ? ALGOS.indexOf(v as Algo) : -1;
  if (code < 0) throw invalid('algo', `algo ${show(v)} must be one of ${ALGOS.map((a) => `'${a}'`).join(', ')}`);
  return code;
}

function sqnArg(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= SQN_LIMIT)
    throw invalid('sqn', `sqn ${show(v)} must be an integer 0 <= sqn < 2^48`);
  return v;
}

function boolArg(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(field, `${field} ${show(v)} must be true or false`);
  return v;
}

function objectArg(what: string, v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(what, `${what} must be an object (got ${show(v)})`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!INPUT_FIELDS.has(k)) throw invalid(k, `${what} has an unknown field '${k}'`);
  return o;
}

/** What each algorithm needs, or undefined when `flags` has it. */
function algoNeeds(algo: number, flags: number): string | undefined {
  if (algo === 0) return undefined;
  if (algo === 3) return (flags & (FLAG_KI | FLAG_OPC)) === (FLAG_KI | FLAG_OPC) ? undefined : 'ki and opc';
  return flags & FLAG_KI ? undefined : 'ki';
}

function isTyped(v: unknown, type: string): boolean {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${type}]`;
}

function allZero(a: Uint8Array, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (a[j] !== 0) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Index: open addressing, linear probing, backward-shift deletion (no tombstones)


// ---------------------------------------------------------------------------

/** The subscriber table. See the module comment for the layout. */
export class SubscriberStore {
  private n = 0;
  private cap = 0;
  private imsiK = new Float64Array(0);
  private msisdnK = new Float64Array(0);
  private kiB = new Uint8Array(0);
  private opcB = new Uint8Array(0);
  private algoB = new Uint8Array(0);
  private sqnA = new Float64Array(0);
  private flagsB = new Uint8Array(0);
  private byImsi = new KeyIndex(0);
  private byMsisdnK = new KeyIndex(0);
  private readonly scratchKi = new Uint8Array(KEY);
  private readonly scratchOpc = new Uint8Array(KEY);

  constructor(options: StoreOptions = {}) {
    const c = options.capacity ?? MIN_CAPACITY;
    if (!Number.isInteger(c) || c < 0 || c > MAX_CAPACITY)
      throw invalid('capacity', `capacity ${show(c)} must be an integer 0..${MAX_CAPACITY}`);
    this.resize(Math.max(c, MIN_CAPACITY));
  }

  /** Number of subscribers. */
  get size(): number {
    return this.n;
  }

  /** Subscribers the columns have room for before the next doubling. */
  get capacity(): number {
    return this.cap;
  }

  /** Bytes held by the columns and both indexes. */
  allocatedBytes(): number {
    return (
      this.imsiK.byteLength +
      this.msisdnK.byteLength +
      this.kiB.byteLength +
      this.opcB.byteLength +
      this.algoB.byteLength +
      this.sqnA.byteLength +
      this.flagsB.byteLength +
      this.byImsi.slots.byteLength +
      this.byMsisdnK.slots.byteLength
    );
  }

  /** allocatedBytes() / capacity: what one subscriber slot costs, indexes included. */
  bytesPerSubscriber(): number {
    return this.allocatedBytes() / this.cap;
  }

  /** Adds a subscriber. Throws HlrError (invalid-input, duplicate-imsi, duplicate-msisdn); the store is unchanged then. */
  add(input: SubscriberInput): void {
    const o = objectArg('subscriber', input);
    const imsi = digitsArg('imsi', o.imsi);
    const msisdn = o.msisdn == null ? 0 : digitsArg('msisdn', o.msisdn);
    let flags = 0;
    if (o.ki != null) {
      hexArg('ki', o.ki, this.scratchKi);
      flags |= FLAG_KI;
    }
    if (o.opc != null) {
      hexArg('opc', o.opc, this.scratchOpc);
      flags |= FLAG_OPC;
    }
    const algo = o.algo === undefined ? 0 : algoArg(o.algo);
    const sqn = o.sqn === undefined ? 0 : sqnArg(o.sqn);
    if (o.cs === undefined || boolArg('cs', o.cs)) flags |= FLAG_CS;
    if (o.ps === undefined || boolArg('ps', o.ps)) flags |= FLAG_PS;
    const needs = algoNeeds(algo, flags);
    if (needs) throw invalid('algo', `algo '${ALGOS[algo]}' needs ${needs} (imsi '${o.imsi}')`);
    if (this.byImsi.find(this.imsiK, imsi) >= 0) throw new HlrError('duplicate-imsi', `imsi '${o.imsi}' already exists`, 'imsi');
    if (msisdn !== 0) {
      const j = this.byMsisdnK.find(this.msisdnK, msisdn);
      if (j >= 0)
        throw new HlrError('duplicate-msisdn', `msisdn '${o.msisdn}' already belongs to imsi '${decodeDigits(this.imsiK[j]!)}'`, 'msisdn');
    }
    if (this.n === this.cap) {
      if (this.cap >= MAX_CAPACITY) throw invalid('imsi', `the store is full (${MAX_CAPACITY} subscribers)`);
      this.resize(Math.min(this.cap * 2, MAX_CAPACITY));
    }
    const i = this.n++;
    this.imsiK[i] = imsi;
    this.msisdnK[i] = msisdn;
    if (flags & FLAG_KI) this.kiB.set(this.scratchKi, i * KEY);
    if (flags & FLAG_OPC) this.opcB.set(this.scratchOpc, i * KEY);
    this.algoB[i] = algo;
    this.sqnA[i] = sqn;
    this.flagsB[i] = flags;
    this.byImsi.insert(this.imsiK, i);
    if (msisdn !== 0) this.byMsisdnK.insert(this.msisdnK, i);
  }

  /**
   * Changes fields of a provisioned subscriber. Throws HlrError (not-found,
   * invalid-input, duplicate-msisdn); the store is unchanged then.
   */
  update(imsi: string, patch: SubscriberPatch): void {
    const i = this.mustFind(imsi);
    const o = objectArg('patch', patch);
    if (o.imsi !== undefined && o.imsi !== imsi)
      throw invalid('imsi', `imsi cannot be changed (from '${imsi}' to ${show(o.imsi)}): remove and add instead`);
    const oldMsisdn = this.msisdnK[i]!;
    const msisdn = o.msisdn === undefined ? oldMsisdn : o.msisdn === null ? 0 : digitsArg('msisdn', o.msisdn);
    let flags = this.flagsB[i]!;
    if (o.ki === null) flags &= ~FLAG_KI;
    else if (o.ki !== undefined) {
      hexArg('ki', o.ki, this.scratchKi);
      flags |= FLAG_KI;
    }
    if (o.opc === null) flags &= ~FLAG_OPC;
    else if (o.opc !== undefined) {
      hexArg('opc', o.opc, this.scratchOpc);
      flags |= FLAG_OPC;
    }
    const algo = o.algo === undefined ? this.algoB[i]! : algoArg(o.algo);
    const sqn = o.sqn === undefined ? this.sqnA[i]! : sqnArg(o.sqn);
    if (o.cs !== undefined) flags = boolArg('cs', o.cs) ? flags | FLAG_CS : flags & ~FLAG_CS;
    if (o.ps !== undefined) flags = boolArg('ps', o.ps) ? flags | FLAG_PS : flags & ~FLAG_PS;
    const needs = algoNeeds(algo, flags);
    if (needs) throw invalid('algo', `algo '${ALGOS[algo]}' needs ${needs} (imsi '${imsi}')`);
    if (msisdn !== oldMsisdn && msisdn !== 0) {
      const j = this.byMsisdnK.find(this.msisdnK, msisdn);
      if (j >= 0)
        throw new HlrError('duplicate-msisdn', `msisdn '${o.msisdn}' already belongs to imsi '${decodeDigits(this.imsiK[j]!)}'`, 'msisdn');
    }
    // Checked everything: apply.
    if (msisdn !== oldMsisdn) {
      if (oldMsisdn !== 0) this.byMsisdnK.delete(this.msisdnK, oldMsisdn);
      this.msisdnK[i] = msisdn;
      if (msisdn !== 0) this.byMsisdnK.insert(this.msisdnK, i);
    }
    if (o.ki === null) this.kiB.fill(0, i * KEY, i * KEY + KEY);
    else if (o.ki !== undefined) this.kiB.set(this.scratchKi, i * KEY);
    if (o.opc === null) this.opcB.fill(0, i * KEY, i * KEY + KEY);
    else if (o.opc !== undefined) this.opcB.set(this.scratchOpc, i * KEY);
    this.algoB[i] = algo;
    this.sqnA[i] = sqn;
    this.flagsB[i] = flags;
  }

  /**
   * Removes a subscriber; false when it was not there. The last record moves
   * into the freed position (list() order changes accordingly).
   */
  remove(imsi: string): boolean {
    const i = this.byImsi.find(this.imsiK, digitsArg('imsi', imsi));
    if (i < 0) return false;
    const last = this.n - 1;
    this.byImsi.delete(this.imsiK, this.imsiK[i]!);
    if (this.msisdnK[i] !== 0) this.byMsisdnK.delete(this.msisdnK, this.msisdnK[i]!);
    if (i !== last) {
      this.byImsi.relink(this.imsiK[last]!, last, i);
      if (this.msisdnK[last] !== 0) this.byMsisdnK.relink(this.msisdnK[last]!, last, i);
      this.imsiK[i] = this.imsiK[last]!;
      this.msisdnK[i] = this.msisdnK[last]!;
      this.kiB.copyWithin(i * KEY, last * KEY, last * KEY + KEY);
      this.opcB.copyWithin(i * KEY, last * KEY, last * KEY + KEY);
      this.algoB[i] = this.algoB[last]!;
      this.sqnA[i] = this.sqnA[last]!;
      this.flagsB[i] = this.flagsB[last]!;
    }
    this.clearRecord(last);
    this.n = last;
    return true;
  }

  /** Whether the IMSI is provisioned. */
  has(imsi: string): boolean {
    return this.byImsi.find(this.imsiK, digitsArg('imsi', imsi)) >= 0;
  }

  /** The subscriber as a fresh plain object, or undefined. */
  get(imsi: string): Subscriber | undefined {
    const i = this.byImsi.find(this.imsiK, digitsArg('imsi', imsi));
    return i < 0 ? undefined : this.record(i);
  }

  /** The subscriber with this MSISDN, or undefined. */
  byMsisdn(msisdn: string): Subscriber | undefined {
    const i = this.byMsisdnK.find(this.msisdnK, digitsArg('msisdn', msisdn));
    return i < 0 ? undefined : this.record(i);
  }

  /** Subscribers in storage order (insertion order, except that remove() moves the last one into the hole). */
  list(offset = 0, limit = Infinity): Subscriber[] {
    if (!Number.isInteger(offset) || offset < 0) throw invalid('offset', `offset ${show(offset)} must be an integer >= 0`);
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0)))
      throw invalid('limit', `limit ${show(limit)} must be an integer >= 0`);
    const out: Subscriber[] = [];
    const end = Math.min(this.n, offset + limit);
    for (let i = offset; i < end; i++) out.push(this.record(i));
    return out;
  }

  /** Increments the subscriber's SQN (modulo 2^48) and returns the new value. */
  nextSqn(imsi: string): number {
    const i = this.mustFind(imsi);
    const next = this.sqnA[i]! + 1;
    return (this.sqnA[i] = next >= SQN_LIMIT ? 0 : next);
  }

  /** A summary, so that JSON.stringify (e.g. a `remote eval` reply) never dumps the columns. */
  toJSON(): { size: number; capacity: number; bytes: number } {
    return { size: this.n, capacity: this.cap, bytes: this.allocatedBytes() };
  }

  /** Removes every subscriber and shrinks back to the initial capacity. */
  clear(): void {
    this.n = 0;
    this.resize(MIN_CAPACITY);
  }

  /**
   * The durable state: fresh copies of the used part of every column, safe to
   * keep while the store changes and accepted by v8.serialize.
   */
  exportState(): HlrState {
    const n = this.n;
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      count: n,
      imsi: this.imsiK.slice(0, n),
      msisdn: this.msisdnK.slice(0, n),
      ki: this.kiB.slice(0, n * KEY),
      opc: this.opcB.slice(0, n * KEY),
      algo: this.algoB.slice(0, n),
      sqn: this.sqnA.slice(0, n),
      flags: this.flagsB.slice(0, n),
    };
  }

  /** A store holding `state` (capacity = its count), after checking all of it. Throws HlrError 'invalid-state'. */
  static fromState(state: unknown): SubscriberStore {
    if (typeof state !== 'object' || state === null || Array.isArray(state) || ArrayBuffer.isView(state))
      throw stateError(`state must be an object with format '${STATE_FORMAT}' (got ${show(state)})`, 'state');
    const s = state as Record<string, unknown>;
    if (s.format !== STATE_FORMAT)
      throw stateError(`state.format must be '${STATE_FORMAT}' (got ${show(s.format)})`, 'state.format');
    if (s.version !== STATE_VERSION)
      throw stateError(`state.version ${show(s.version)} is not supported (this hlr reads version ${STATE_VERSION})`, 'state.version');
    const count = s.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_CAPACITY)
      throw stateError(`state.count ${show(count)} must be an integer 0..${MAX_CAPACITY}`, 'state.count');
    const column = (name: keyof HlrState, type: string, length: number, per: string): ArrayLike<number> => {
      const v = s[name];
      if (!isTyped(v, type)) throw stateError(`state.${name} must be a ${type} (got ${show(v)})`, `state.${name}`);
      const got = (v as ArrayLike<number>).length;
      if (got !== length)
        throw stateError(`state.${name} has ${got} elements, expected ${per} = ${length} (count ${count})`, `state.${name}`);
      return v as ArrayLike<number>;
    };
    const imsi = column('imsi', 'Float64Array', count, 'count');
    const msisdn = column('msisdn', 'Float64Array', count, 'count');
    const ki = column('ki', 'Uint8Array', count * KEY, '16 * count');
    const opc = column('opc', 'Uint8Array', count * KEY, '16 * count');
    const algo = column('algo', 'Uint8Array', count, 'count');
    const sqn = column('sqn', 'Float64Array', count, 'count');
    const flags = column('flags', 'Uint8Array', count, 'count');

    const store = new SubscriberStore({ capacity: count });
    store.imsiK.set(imsi);
    store.msisdnK.set(msisdn);
    store.kiB.set(ki);
    store.opcB.set(opc);
    store.algoB.set(algo);
    store.sqnA.set(sqn);
    store.flagsB.set(flags);
    const at = (field: string, i: number, what: string) =>
      stateError(`state.${field}[${i}] (subscriber ${i}): ${what}`, `state.${field}`, i);
    for (let i = 0; i < count; i++) {
      const k = store.imsiK[i]!;
      if (!isDigitKey(k)) throw at('imsi', i, `${k} does not encode an IMSI of 1-15 digits`);
      const m = store.msisdnK[i]!;
      if (m === 0) store.msisdnK[i] = 0; // -0
      else if (!isDigitKey(m)) throw at('msisdn', i, `${m} does not encode an MSISDN of 1-15 digits (0 = none)`);
      const a = store.algoB[i]!;
      if (a >= ALGOS.length) throw at('algo', i, `${a} is not an algorithm code 0..${ALGOS.length - 1}`);
      const f = store.flagsB[i]!;
      if (f & ~FLAG_ALL) throw at('flags', i, `${f} has bits other than ${FLAG_ALL}`);
      const q = store.sqnA[i]!;
      if (!Number.isInteger(q) || q < 0 || q >= SQN_LIMIT) throw at('sqn', i, `${q} is not an integer 0 <= sqn < 2^48`);
      if (!(f & FLAG_KI) && !allZero(store.kiB, i * KEY, i * KEY + KEY)) throw at('ki', i, 'bytes set but flags say no ki');
      if (!(f & FLAG_OPC) && !allZero(store.opcB, i * KEY, i * KEY + KEY)) throw at('opc', i, 'bytes set but flags say no opc');
      const needs = algoNeeds(a, f);
      if (needs) throw at('algo', i, `algo '${ALGOS[a]}' needs ${needs}`);
      const j = store.byImsi.find(store.imsiK, k);
      if (j >= 0) throw at('imsi', i, `duplicate of subscriber ${j} (imsi '${decodeDigits(k)}')`);
      store.byImsi.insert(store.imsiK, i);
      if (m !== 0) {
        const jm = store.byMsisdnK.find(store.msisdnK, m);
        if (jm >= 0) throw at('msisdn', i, `duplicate of subscriber ${jm} (msisdn '${decodeDigits(m)}')`);
        store.byMsisdnK.insert(store.msisdnK, i);
      }
      store.n = i + 1; // the indexes only ever see checked records
    }
    return store;
  }

  /** Replaces the whole content with `state`, all or nothing: on HlrError the store is unchanged. */
  importState(state: unknown): void {
    const other = SubscriberStore.fromState(state);
    this.n = other.n;
    this.cap = other.cap;
    this.imsiK = other.imsiK;
    this.msisdnK = other.msisdnK;
    this.kiB = other.kiB;
    this.opcB = other.opcB;
    this.algoB = other.algoB;
    this.sqnA = other.sqnA;
    this.flagsB = other.flagsB;
    this.byImsi = other.byImsi;
    this.byMsisdnK = other.byMsisdnK;
  }

  // -------------------------------------------------------------------------

  private mustFind(imsi: string): number {
    const i = this.byImsi.find(this.imsiK, digitsArg('imsi', imsi));
    if (i < 0) throw new HlrError('not-found', `imsi '${imsi}' is not provisioned`, 'imsi');
    return i;
  }

  private record(i: number): Subscriber {
    const flags = this.flagsB[i]!;
    const r: Subscriber = { imsi: decodeDigits(this.imsiK[i]!) } as Subscriber;
    if (this.msisdnK[i] !== 0) r.msisdn = decodeDigits(this.msisdnK[i]!);
    if (flags & FLAG_KI) r.ki = hex(this.kiB, i * KEY);
    if (flags & FLAG_OPC) r.opc = hex(this.opcB, i * KEY);
    r.algo = ALGOS[this.algoB[i]!]!;
    r.sqn = this.sqnA[i]!;
    r.cs = (flags & FLAG_CS) !== 0;
    r.ps = (flags & FLAG_PS) !== 0;
    return r;
  }

  private clearRecord(i: number): void {
    this.imsiK[i] = 0;
    this.msisdnK[i] = 0;
    this.kiB.fill(0, i * KEY, i * KEY + KEY); // no key material left behind in the free part
    this.opcB.fill(0, i * KEY, i * KEY + KEY);
    this.algoB[i] = 0;
    this.sqnA[i] = 0;
    this.flagsB[i] = 0;
  }

  /** New columns of `capacity` holding the first n records, and indexes rebuilt for that capacity. */
  private resize(capacity: number): void {
    const n = this.n;
    const grow = <T extends Float64Array | Uint8Array>(old: T, make: (len: number) => T, per: number): T => {
      const a = make(capacity * per);
      a.set(old.subarray(0, n * per));
      return a;
    };
    this.imsiK = grow(this.imsiK, (l) => new Float64Array(l), 1);
    this.msisdnK = grow(this.msisdnK, (l) => new Float64Array(l), 1);
    this.kiB = grow(this.kiB, (l) => new Uint8Array(l), KEY);
    this.opcB = grow(this.opcB, (l) => new Uint8Array(l), KEY);
    this.algoB = grow(this.algoB, (l) => new Uint8Array(l), 1);
    this.sqnA = grow(this.sqnA, (l) => new Float64Array(l), 1);
    this.flagsB = grow(this.flagsB, (l) => new Uint8Array(l), 1);
    this.cap = capacity;
    this.byImsi = new KeyIndex(capacity);
    this.byMsisdnK = new KeyIndex(capacity);
    for (let i = 0; i < n; i++) {
      this.byImsi.insert(this.imsiK, i);
      if (this.msisdnK[i] !== 0) this.byMsisdnK.insert(this.msisdnK, i);
    }
  }
}

function stateError(message: string, field: string, index?: number): HlrError {
  return new HlrError('invalid-state', message, field, index);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function hex(a: Uint8Array, at: number): string {
  let s = '';
  for (let j = at; j < at + KEY; j++) s += HEX[a[j]!];
  return s;
}
