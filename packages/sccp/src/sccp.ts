import { DecodeError, EncodeError, Writer } from '@snaptel/codec';
import { decodeAddress, encodeAddress, type SccpAddress } from './address';

export const PROTOCOL = 'sccp';

/* ------------------------------------------------------------------ */
/* Parameters (Q.713 3.1, table 2): name code, JSON key and format.     */
/* ------------------------------------------------------------------ */

/** Fixed-size formats have a size; 'address' and 'data' are length-prefixed. */
type Kind = 'ref' | 'u8' | 'class' | 'seq' | 'segmentation' | 'address' | 'data';

const SIZE: Record<Kind, number> = { ref: 3, u8: 1, class: 1, seq: 2, segmentation: 4, address: -1, data: -1 };

interface ParamDef {
  code: number;
  key: string;
  kind: Kind;
}

/** Every parameter once. `key` is the property name in the JSON message. */
export const PARAMS = [
  { code: 0x01, key: 'dstRef', kind: 'ref' },
  { code: 0x02, key: 'srcRef', kind: 'ref' },
  { code: 0x03, key: 'called', kind: 'address' },
  { code: 0x04, key: 'calling', kind: 'address' },
  { code: 0x05, key: 'protocolClass', kind: 'class' },
  { code: 0x06, key: 'segmentingReassembling', kind: 'u8' },
  { code: 0x07, key: 'receiveSeq', kind: 'u8' },
  { code: 0x08, key: 'sequencing', kind: 'seq' },
  { code: 0x09, key: 'credit', kind: 'u8' },
  { code: 0x0a, key: 'releaseCause', kind: 'u8' },
  { code: 0x0b, key: 'returnCause', kind: 'u8' },
  { code: 0x0c, key: 'resetCause', kind: 'u8' },
  { code: 0x0d, key: 'errorCause', kind: 'u8' },
  { code: 0x0e, key: 'refusalCause', kind: 'u8' },
  { code: 0x0f, key: 'data', kind: 'data' },
  { code: 0x10, key: 'segmentation', kind: 'segmentation' },
  { code: 0x11, key: 'hopCounter', kind: 'u8' },
  { code: 0x12, key: 'importance', kind: 'u8' },
] as const satisfies readonly ParamDef[];

export type ParamKey = (typeof PARAMS)[number]['key'];
const PARAM: Record<string, ParamDef> = Object.fromEntries(PARAMS.map((p) => [p.key, p]));

/* ------------------------------------------------------------------ */
/* Messages (Q.713 4): fixed part, variable part (pointers in order),   */
/* optional parameters allowed (null: no optional part).                */
/* ------------------------------------------------------------------ */

interface MessageDef {
  code: number;
  type: string;
  fixed: readonly ParamKey[];
  variable: readonly ParamKey[];
  optional: readonly ParamKey[] | null;
}

export const MESSAGES = [
  { code: 0x01, type: 'CR', fixed: ['srcRef', 'protocolClass'], variable: ['called'], optional: ['credit', 'calling', 'data', 'hopCounter', 'importance'] },
  { code: 0x02, type: 'CC', fixed: ['dstRef', 'srcRef', 'protocolClass'], variable: [], optional: ['credit', 'called', 'data', 'importance'] },
  { code: 0x03, type: 'CREF', fixed: ['dstRef', 'refusalCause'], variable: [], optional: ['called', 'data', 'importance'] },
  { code: 0x04, type: 'RLSD', fixed: ['dstRef', 'srcRef', 'releaseCause'], variable: [], optional: ['data', 'importance'] },
  { code: 0x05, type: 'RLC', fixed: ['dstRef', 'srcRef'], variable: [], optional: null },
  { code: 0x06, type: 'DT1', fixed: ['dstRef', 'segmentingReassembling'], variable: ['data'], optional: null },
  { code: 0x07, type: 'DT2', fixed: ['dstRef', 'sequencing'], variable: ['data'], optional: null },
  { code: 0x08, type: 'AK', fixed: ['dstRef', 'receiveSeq', 'credit'], variable: [], optional: null },
  { code: 0x09, type: 'UDT', fixed: ['protocolClass'], variable: ['called', 'calling', 'data'], optional: null },
  { code: 0x0a, type: 'UDTS', fixed: ['returnCause'], variable: ['called', 'calling', 'data'], optional: null },
  { code: 0x0b, type: 'ED', fixed: ['dstRef'], variable: ['data'], optional: null },
  { code: 0x0c, type: 'EA', fixed: ['dstRef'], variable: [], optional: null },
  { code: 0x0d, type: 'RSR', fixed: ['dstRef', 'srcRef', 'resetCause'], variable: [], optional: null },
  { code: 0x0e, type: 'RSC', fixed: ['dstRef', 'srcRef'], variable: [], optional: null },
  { code: 0x0f, type: 'ERR', fixed: ['dstRef', 'errorCause'], variable: [], optional: null },
  { code: 0x10, type: 'IT', fixed: ['dstRef', 'srcRef', 'protocolClass', 'sequencing', 'credit'], variable: [], optional: null },
  { code: 0x11, type: 'XUDT', fixed: ['protocolClass', 'hopCounter'], variable: ['called', 'calling', 'data'], optional: ['segmentation', 'importance'] },
  { code: 0x12, type: 'XUDTS', fixed: ['returnCause', 'hopCounter'], variable: ['called', 'calling', 'data'], optional: ['segmentation', 'importance'] },
] as const satisfies readonly MessageDef[];

export type MessageTypeName = (typeof MESSAGES)[number]['type'];
export const MESSAGE_TYPE: Record<MessageTypeName, number> = Object.fromEntries(MESSAGES.map((m) => [m.type, m.code])) as Record<
  MessageTypeName,
  number
>;

/* ------------------------------------------------------------------ */
/* JSON message form                                                    */
/* ------------------------------------------------------------------ */

/** Protocol class (Q.713 3.6): class 0..3 in bits 1-4, message handling in bits 5-8 (8 = return on error). */
export interface ProtocolClass {
  class: number;
  handling: number;
}
/** Sequencing/segmenting (Q.713 3.9): P(S), P(R), more-data bit. */
export interface Sequencing {
  sendSeq: number;
  recvSeq: number;
  more: boolean;
  /** Bit 1 of the first octet (spare), kept when set. */
  spare?: number;
}
/** Segmentation (Q.713 3.17). */
export interface Segmentation {
  first: boolean;
  /** Class 0 (0) or class 1 (1) for the reassembled message. */
  class: number;
  remaining: number;
  /** Bits 5-6 of the first octet (spare), kept when set. */
  spare?: number;
  ref: number;
}

/** The value type of each parameter key. */
export interface ParamValues {
  /** Local references: 3 octets read least significant first (Wireshark's reading), so 01 02 03 is 0x030201. */
  dstRef: number;
  srcRef: number;
  called: SccpAddress;
  calling: SccpAddress;
  protocolClass: ProtocolClass;
  /** The octet as sent: bit 1 is M (more data), the rest spare. */
  segmentingReassembling: number;
  /** The octet as sent: P(R) in bits 8-2 (tshark shows octet >> 1), bit 1 spare. */
  receiveSeq: number;
  sequencing: Sequencing;
  credit: number;
  releaseCause: number;
  returnCause: number;
  resetCause: number;
  errorCause: number;
  refusalCause: number;
  /** Hex. */
  data: string;
  segmentation: Segmentation;
  hopCounter: number;
  importance: number;
}

/** An optional parameter kept as it came: its name code and hex value. */
export interface RawParam {
  code: number;
  value: string;
}

/** What the optional part carries besides its known parameters. */
export interface OptionalExtras {
  /** Optional parameters this message type does not know, in wire order. */
  unknownOptional?: RawParam[];
  /**
   * Only when the wire order differs from the table order (known ones in table
   * order, then the unknown ones): keys, and indexes into unknownOptional.
   */
  optionalOrder?: (string | number)[];
  /** The optional-part pointer pointed at a lone end-of-optional-parameters octet. */
  emptyOptional?: boolean;
}

/** What every known message may carry about its layout. */
export interface LayoutExtras {
  /**
   * Only when the parameters lie in another order than their pointers (Q.713
   * allows it): the keys of the mandatory variable parameters, and 'optional'
   * for the optional part, in the order they lie in the message.
   */
  variableOrder?: string[];
}

type Def<T extends MessageTypeName> = Extract<(typeof MESSAGES)[number], { type: T }>;
type Opt<D> = D extends { optional: readonly (infer K extends ParamKey)[] } ? { [P in K]?: ParamValues[P] } & OptionalExtras : unknown;
type MessageOf<T extends MessageTypeName> = { type: T } & LayoutExtras & { [P in Def<T>['fixed'][number] | Def<T>['variable'][number]]: ParamValues[P] } & Opt<Def<T>>;

/** A message type this codec does not know, kept as its type octet and the bytes after it (hex). */
export interface RawMessage {
  type: 'RAW';
  code: number;
  body: string;
}

export type SccpMessage = { [T in MessageTypeName]: MessageOf<T> }[MessageTypeName] | RawMessage;
export type SccpMessageOf<T extends MessageTypeName> = MessageOf<T>;

/* ------------------------------------------------------------------ */
/* Decoder: one walker for every message                                */
/* ------------------------------------------------------------------ */

interface Compiled {
  code: number;
  type: string;
  fixed: ParamDef[];
  variable: ParamDef[];
  optional: ParamDef[] | null;
  /** code -> optional parameter allowed in this message. */
  optByCode: Map<number, ParamDef>;
  fixedSize: number;
}

const BY_CODE: (Compiled | undefined)[] = new Array(256);
const BY_TYPE = new Map<string, Compiled>();
for (const m of MESSAGES as readonly MessageDef[]) {
  const c: Compiled = {
    code: m.code,
    type: m.type,
    fixed: m.fixed.map((k) => PARAM[k]!),
    variable: m.variable.map((k) => PARAM[k]!),
    optional: m.optional ? m.optional.map((k) => PARAM[k]!) : null,
    optByCode: new Map((m.optional ?? []).map((k) => [PARAM[k]!.code, PARAM[k]!])),
    fixedSize: m.fixed.reduce((n, k) => n + SIZE[PARAM[k]!.kind], 0),
  };
  BY_CODE[m.code] = c;
  BY_TYPE.set(m.type, c);
}

const hex = (b: Uint8Array, s: number, e: number): string => Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('hex');

/** Decodes a fixed-size value at b[s] (size already checked). */
function readFixed(kind: Kind, b: Uint8Array, s: number): unknown {
  switch (kind) {
    case 'ref':
      return b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16);
    case 'u8':
      return b[s]!;
    case 'class':
      return { class: b[s]! & 15, handling: b[s]! >> 4 };
    case 'seq': {
      const q: Sequencing = { sendSeq: b[s]! >> 1, recvSeq: b[s + 1]! >> 1, more: (b[s + 1]! & 1) === 1 };
      if (b[s]! & 1) q.spare = 1;
      return q;
    }
    case 'segmentation': {
      const x = b[s]!;
      const g: Segmentation = { first: (x & 0x80) !== 0, class: (x >> 6) & 1, remaining: x & 15, ref: b[s + 1]! | (b[s + 2]! << 8) | (b[s + 3]! << 16) };
      if ((x >> 4) & 3) g.spare = (x >> 4) & 3;
      return g;
    }
    default:
      throw new Error(`not a fixed kind: ${kind}`);
  }
}

/**
 * Decodes one SCCP message. Throws DecodeError('sccp', message, parameter,
 * offset, reason) for anything it cannot take apart; never returns half a
 * message. Layouts that the encoder would not reproduce (gaps between
 * parameters, pointers out of order, bytes after the end) are refused, so
 * that whatever decodes re-encodes to the same bytes.
 */
export function decode(b: Uint8Array): SccpMessage {
  const len = b.length;
  if (len === 0) throw new DecodeError(PROTOCOL, undefined, 'message type', 0, 'empty message');
  const def = BY_CODE[b[0]!];
  if (!def) return { type: 'RAW', code: b[0]!, body: hex(b, 1, len) };
  const type = def.type;
  let ie: string | undefined;
  const fail = (reason: string, at: number): never => {
    throw new DecodeError(PROTOCOL, type, ie, at, reason);
  };
  const m: Record<string, unknown> = { type };

  // Mandatory fixed part.
  let p = 1;
  if (p + def.fixedSize > len) {
    // Name the first fixed parameter that does not fit.
    for (const f of def.fixed) {
      const n = SIZE[f.kind];
      if (p + n > len) {
        ie = f.key;
        fail(`truncated: needs ${n} byte(s), ${len - p} left`, p);
      }
      p += n;
    }
  }
  for (const f of def.fixed) {
    m[f.key] = readFixed(f.kind, b, p);
    p += SIZE[f.kind];
  }

  // Pointers: one per mandatory variable parameter, then one to the optional part.
  const nVar = def.variable.length;
  const nPtr = nVar + (def.optional ? 1 : 0);
  if (p + nPtr > len) {
    ie = p + nVar <= len ? 'pointer to optional part' : `pointer to ${def.variable[len - p]!.key}`;
    fail(`truncated: ${nPtr} pointer(s) need ${nPtr} byte(s), ${len - p} left`, len);
  }
  // Each pointer is checked where it stands; the parameters are then taken in
  // the order they lie in the message, which must leave no gap and no overlap.
  const spots: { key: string; s: number; at: number; pd: ParamDef | null }[] = [];
  for (let i = 0; i < nPtr; i++) {
    const pd = i < nVar ? def.variable[i]! : null;
    ie = pd ? pd.key : 'pointer to optional part';
    const at = p + i;
    const ptr = b[at]!;
    if (ptr === 0) {
      if (pd) fail('pointer is 0 for a mandatory parameter', at);
      continue; // no optional part
    }
    const s = at + ptr;
    if (s >= len) fail(`pointer ${ptr} points past the end (byte ${s} of ${len})`, at);
    spots.push({ key: pd ? pd.key : 'optional', s, at, pd });
  }
  if (spots.length > 1) spots.sort((x, y) => x.s - y.s);
  let next = p + nPtr; // where the next parameter must start
  let inOrder = true;
  for (let i = 0; i < spots.length; i++) {
    const { key, s, at, pd } = spots[i]!;
    if (i > 0 && (spots[i - 1]!.at > at)) inOrder = false;
    ie = pd ? pd.key : 'pointer to optional part';
    if (s !== next) fail(`points to byte ${s}, but the previous parameter ends at byte ${next} (gap or overlap)`, at);
    if (!pd) {
      next = decodeOptional(b, s, def, m, (k) => (ie = k), fail);
      continue;
    }
    const l = b[s]!;
    const e = s + 1 + l;
    if (e > len) fail(`length ${l} overruns the message (${len - s - 1} byte(s) left)`, s);
    m[key] = pd.kind === 'address' ? decodeAddress(b, s + 1, e, fail) : hex(b, s + 1, e);
    next = e;
  }
  if (next !== len) {
    ie = undefined;
    fail(`${len - next} byte(s) after the last parameter`, next);
  }
  if (!inOrder) m.variableOrder = spots.map((x) => x.key);
  return m as unknown as SccpMessage;
}

function decodeOptional(
  b: Uint8Array,
  s: number,
  def: Compiled,
  m: Record<string, unknown>,
  setIe: (k: string | undefined) => void,
  fail: (reason: string, at: number) => never,
): number {
  const len = b.length;
  const order: (string | number)[] = [];
  let unknown: RawParam[] | undefined;
  let q = s;
  for (;;) {
    if (q >= len) {
      setIe('end of optional parameters');
      fail('missing end of optional parameters', q);
    }
    const code = b[q]!;
    if (code === 0) {
      q++;
      break;
    }
    const pd = def.optByCode.get(code);
    setIe(pd ? pd.key : `optional 0x${code.toString(16).padStart(2, '0')}`);
    if (q + 1 >= len) fail('truncated: no length octet', q + 1);
    const l = b[q + 1]!;
    const vs = q + 2;
    const ve = vs + l;
    if (ve > len) fail(`length ${l} overruns the message (${len - vs} byte(s) left)`, q + 1);
    if (pd) {
      if (pd.key in m) fail('repeated optional parameter', q);
      if (pd.kind === 'address') m[pd.key] = decodeAddress(b, vs, ve, fail);
      else if (pd.kind === 'data') m[pd.key] = hex(b, vs, ve);
      else {
        if (l !== SIZE[pd.kind]) fail(`length ${l}, expected ${SIZE[pd.kind]}`, q + 1);
        m[pd.key] = readFixed(pd.kind, b, vs);
      }
      order.push(pd.key);
    } else {
      unknown ??= [];
      order.push(unknown.length);
      unknown.push({ code, value: hex(b, vs, ve) });
    }
    q = ve;
  }
  setIe(undefined);
  if (unknown) m.unknownOptional = unknown;
  if (order.length === 0) m.emptyOptional = true;
  else {
    const canonical = canonicalOrder(def, m, unknown?.length ?? 0);
    if (canonical.length !== order.length || canonical.some((k, i) => k !== order[i])) m.optionalOrder = order;
  }
  return q;
}

function canonicalOrder(def: Compiled, m: Record<string, unknown>, nUnknown: number): (string | number)[] {
  const out: (string | number)[] = [];
  for (const o of def.optional!) if (m[o.key] !== undefined) out.push(o.key);
  for (let i = 0; i < nUnknown; i++) out.push(i);
  return out;
}

/* ------------------------------------------------------------------ */
/* Encoder                                                              */
/* ------------------------------------------------------------------ */

function hexBytes(v: unknown, type: string, ie: string): Uint8Array {
  if (typeof v !== 'string' || v.length % 2 !== 0) throw new EncodeError(PROTOCOL, type, ie, 'not a hex string');
  const out = Buffer.from(v, 'hex');
  if (out.length * 2 !== v.length) throw new EncodeError(PROTOCOL, type, ie, 'not a hex string');
  return out;
}

function num(v: unknown, max: number, type: string, ie: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new EncodeError(PROTOCOL, type, ie, `${JSON.stringify(v)} is not an integer 0..${max}`);
  return v;
}

function obj<T>(v: unknown, type: string, ie: string): T {
  if (!v || typeof v !== 'object') throw new EncodeError(PROTOCOL, type, ie, 'missing or not an object');
  return v as T;
}

/** Local references go least significant octet first, as Wireshark reads them (and as Q.713 sends point codes). */
function le24(w: Writer, v: number): void {
  w.u8(v & 0xff).u8((v >> 8) & 0xff).u8(v >> 16);
}

function writeFixed(w: Writer, pd: ParamDef, v: unknown, type: string): void {
  const k = pd.key;
  switch (pd.kind) {
    case 'ref':
      le24(w, num(v, 0xffffff, type, k));
      return;
    case 'u8':
      w.u8(num(v, 255, type, k));
      return;
    case 'class': {
      const c = obj<ProtocolClass>(v, type, k);
      w.u8(num(c.class, 15, type, `${k}.class`) | (num(c.handling ?? 0, 15, type, `${k}.handling`) << 4));
      return;
    }
    case 'seq': {
      const q = obj<Sequencing>(v, type, k);
      w.u8((num(q.sendSeq, 127, type, `${k}.sendSeq`) << 1) | num(q.spare ?? 0, 1, type, `${k}.spare`));
      w.u8((num(q.recvSeq, 127, type, `${k}.recvSeq`) << 1) | (q.more ? 1 : 0));
      return;
    }
    case 'segmentation': {
      const g = obj<Segmentation>(v, type, k);
      w.u8((g.first ? 0x80 : 0) | (num(g.class, 1, type, `${k}.class`) << 6) | (num(g.spare ?? 0, 3, type, `${k}.spare`) << 4) | num(g.remaining, 15, type, `${k}.remaining`));
      le24(w, num(g.ref, 0xffffff, type, `${k}.ref`));
      return;
    }
    default:
      throw new Error(`not a fixed kind: ${pd.kind}`);
  }
}

/** Writes a length octet and the value of a variable parameter. */
function writeVar(w: Writer, pd: ParamDef, v: unknown, type: string): void {
  const lenAt = w.length;
  w.u8(0);
  if (pd.kind === 'address') {
    encodeAddress(w, obj<SccpAddress>(v, type, pd.key), (ie, reason) => {
      throw new EncodeError(PROTOCOL, type, `${pd.key}.${ie}`, reason);
    });
  } else if (pd.kind === 'data') w.bytes(hexBytes(v, type, pd.key));
  else writeFixed(w, pd, v, type);
  const l = w.length - lenAt - 1;
  if (l > 255) throw new EncodeError(PROTOCOL, type, pd.key, `${l} bytes do not fit a one-octet length`);
  w.patch8(lenAt, l);
}

/** Encodes one SCCP message (the JSON form decode() returns). */
export function encode(msg: SccpMessage): Uint8Array {
  if (!msg || typeof msg !== 'object') throw new EncodeError(PROTOCOL, undefined, undefined, 'not a message object');
  if (msg.type === 'RAW') {
    const r = msg as RawMessage;
    const code = num(r.code, 255, 'RAW', 'code');
    if (BY_CODE[code]) throw new EncodeError(PROTOCOL, 'RAW', 'code', `0x${code.toString(16)} is a known type (${BY_CODE[code]!.type}): give it as such`);
    const body = hexBytes(r.body, 'RAW', 'body');
    const out = new Uint8Array(1 + body.length);
    out[0] = code;
    out.set(body, 1);
    return out;
  }
  const def = BY_TYPE.get(msg.type);
  if (!def) throw new EncodeError(PROTOCOL, String(msg.type), undefined, 'unknown message type');
  const type = def.type;
  const m = msg as unknown as Record<string, unknown>;
  const w = new Writer();
  w.u8(def.code);
  for (const f of def.fixed) {
    const v = m[f.key];
    if (v === undefined) throw new EncodeError(PROTOCOL, type, f.key, 'missing mandatory parameter');
    writeFixed(w, f, v, type);
  }
  const ptrAt = w.length;
  const nVar = def.variable.length;
  for (let i = 0; i < nVar + (def.optional ? 1 : 0); i++) w.u8(0);
  const pointTo = (i: number, ie: string) => {
    const d = w.length - (ptrAt + i);
    if (d > 255) throw new EncodeError(PROTOCOL, type, ie, `pointer ${d} does not fit one octet`);
    w.patch8(ptrAt + i, d);
  };
  const canonical = def.optional ? [...def.variable.map((v) => v.key), 'optional'] : def.variable.map((v) => v.key);
  let layout = (m.variableOrder as string[] | undefined) ?? canonical;
  if (def.optional && !layout.includes('optional')) layout = [...layout, 'optional'];
  if (layout.length !== canonical.length || canonical.some((k) => !layout.includes(k)))
    throw new EncodeError(PROTOCOL, type, 'variableOrder', `must list each of ${canonical.join(', ')} once`);
  for (const key of layout) {
    if (key === 'optional') {
      writeOptional(w, def, m, () => pointTo(nVar, 'pointer to optional part'));
      continue;
    }
    const i = def.variable.findIndex((v) => v.key === key);
    const v = def.variable[i]!;
    const x = m[v.key];
    if (x === undefined) throw new EncodeError(PROTOCOL, type, v.key, 'missing mandatory parameter');
    pointTo(i, v.key);
    writeVar(w, v, x, type);
  }
  return w.finish();
}

function writeOptional(w: Writer, def: Compiled, m: Record<string, unknown>, point: () => void): void {
  const type = def.type;
  const unknown = (m.unknownOptional as RawParam[] | undefined) ?? [];
  const order = (m.optionalOrder as (string | number)[] | undefined) ?? canonicalOrder(def, m, unknown.length);
  if (order.length === 0 && !m.emptyOptional) return; // pointer stays 0
  point();
  for (const k of order) {
    if (typeof k === 'number') {
      const u = unknown[k];
      if (!u) throw new EncodeError(PROTOCOL, type, 'optionalOrder', `no unknownOptional[${k}]`);
      const code = num(u.code, 255, type, 'unknownOptional.code');
      if (code === 0) throw new EncodeError(PROTOCOL, type, 'unknownOptional.code', '0 is end of optional parameters');
      const v = hexBytes(u.value, type, `optional 0x${code.toString(16)}`);
      if (v.length > 255) throw new EncodeError(PROTOCOL, type, `optional 0x${code.toString(16)}`, 'longer than 255 bytes');
      w.u8(code).u8(v.length).bytes(v);
    } else {
      const pd = def.optional!.find((o) => o.key === k);
      if (!pd) throw new EncodeError(PROTOCOL, type, 'optionalOrder', `${k} is not an optional parameter of ${type}`);
      if (m[k] === undefined) throw new EncodeError(PROTOCOL, type, k, 'listed in optionalOrder but missing');
      w.u8(pd.code);
      writeVar(w, pd, m[k], type);
    }
  }
  w.u8(0);
}
