import {
  compileMessage,
  decodeIes,
  DecodeError,
  encodeIes,
  EncodeError,
  hexOf,
  Reader,
  writeHex,
  Writer,
  type CompiledMessage,
  type IeValues,
  type ValueCodec,
} from '@snaptel/codec';
import * as sms from '@snaptel/sms';
import { rpAddress, rpCause, type BcdNumber, type Raw, type RpCause } from './ies';
import { MESSAGES, PDS, type Pd } from './messages';

export const PROTOCOL = 'dtap';

export type Direction = 'mo' | 'mt';

/**
 * One DTAP message, JSON-friendly.
 *  - `skip`: skip indicator (MM, RR: bits 8-5 of octet 1);
 *  - `tiFlag`, `ti`, `tiExt`: transaction identifier (CC, SMS, SS): flag in
 *    bit 8, value in bits 7-5, and the extension octet when the value is 7
 *    (TS 24.007 §11.2.3.1.3);
 *  - `seq`: N(SD), bits 8-7 of the message type of MM, CC and SS
 *    (TS 24.007 §11.2.3.2.3); 0 in messages from the network;
 *  - `ies`: the IE values by name (see messages.ts), plus `order` when
 *    the optional IEs came in another order or unknown ones were present.
 */
export interface DtapMessage {
  pd: Pd;
  type: string;
  direction: Direction;
  skip?: number;
  tiFlag?: number;
  ti?: number;
  tiExt?: number;
  seq?: number;
  ies: IeValues;
}

/** A message whose protocol discriminator or message type is not covered: kept whole. */
export interface UnknownDtap {
  type: 'unknown';
  direction: Direction;
  raw: string;
}

export type Dtap = DtapMessage | UnknownDtap;

// ---- RP layer, TS 24.011 §7.3 / §8.2 ----

export type RpType = 'RP-DATA' | 'RP-ACK' | 'RP-ERROR' | 'RP-SMMA';

/** An RP message: `direction` follows from the RP-MTI (even = MS to network). */
export interface RpMessage {
  type: RpType;
  direction: Direction;
  /** Bits 8-4 of the RP-MTI octet, when not zero. */
  spare?: number;
  mr: number;
  originator?: BcdNumber | Raw | null;
  destination?: BcdNumber | Raw | null;
  cause?: RpCause;
  /** The TPDU (RP-DATA) or report TPDU (RP-ACK, RP-ERROR), decoded by @snaptel/sms. */
  userData?: sms.SmsMessage;
  order?: IeValues['order'];
}

/** An RP-MTI that TS 24.011 does not define (7): kept whole. */
export interface UnknownRp {
  type: 'unknown';
  raw: string;
}

function tpdu(direction: Direction, report?: 'ack' | 'error'): ValueCodec<sms.SmsMessage> {
  return {
    decode(r: Reader, len: number): sms.SmsMessage {
      try {
        return sms.decode(r.buf.subarray(r.pos, r.pos + len), direction, report ? { report } : {});
      } catch (e) {
        if (e instanceof DecodeError) throw e.shifted(r.pos);
        throw e;
      }
    },
    encode(v: sms.SmsMessage, w: Writer): void {
      w.bytes(sms.encode(v));
    },
  };
}

const RP_TYPES: readonly RpType[] = ['RP-DATA', 'RP-DATA', 'RP-ACK', 'RP-ACK', 'RP-ERROR', 'RP-ERROR', 'RP-SMMA'];
const mr = { name: 'mr', format: 'V', min: 1, presence: 'M', codec: { decode: (r: Reader) => r.buf[r.pos]!, encode: (v: number, w: Writer) => void w.u8(v) } } as const;
const RP: CompiledMessage[] = RP_TYPES.map((type, mti) => {
  const dir: Direction = mti % 2 ? 'mt' : 'mo';
  const ies =
    type === 'RP-DATA'
      ? [
          mr,
          { name: 'originator', format: 'LV', max: 11, presence: 'M', codec: rpAddress },
          { name: 'destination', format: 'LV', max: 11, presence: 'M', codec: rpAddress },
          { name: 'userData', format: 'LV', min: 1, max: 233, presence: 'M', codec: tpdu(dir) },
        ]
      : type === 'RP-ACK'
        ? [mr, { name: 'userData', iei: 0x41, format: 'TLV', min: 1, max: 234, presence: 'O', codec: tpdu(dir === 'mo' ? 'mo' : 'mt', 'ack') }]
        : type === 'RP-ERROR'
          ? [
              mr,
              { name: 'cause', format: 'LV', min: 1, max: 2, presence: 'M', codec: rpCause },
              { name: 'userData', iei: 0x41, format: 'TLV', min: 1, max: 234, presence: 'O', codec: tpdu(dir, 'error') },
            ]
          : [mr];
  return compileMessage(PROTOCOL, { name: type, ies: ies as never });
});

const rpdu: ValueCodec<RpMessage | UnknownRp> = {
  decode(r: Reader, len: number): RpMessage | UnknownRp {
    const start = r.pos;
    const o = r.buf[start]!;
    const mti = o & 7;
    if (mti === 7) return { type: 'unknown', raw: hexOf(r.buf, start, start + len) };
    const m = RP[mti]!;
    const sub = new Reader(r.buf, PROTOCOL, m.name, undefined, start + 1, start + len);
    const out = { type: m.name as RpType, direction: mti % 2 ? 'mt' : 'mo' } as RpMessage;
    if (o >> 3) out.spare = o >> 3;
    decodeIes(m, sub, out as unknown as IeValues);
    return out;
  },
  encode(v: RpMessage | UnknownRp, w: Writer): void {
    if (v.type === 'unknown') return writeHex(w, v.raw);
    const first = RP_TYPES.indexOf(v.type);
    const mti = first + (v.direction === 'mt' ? 1 : 0);
    if (first < 0 || (v.type === 'RP-SMMA' && v.direction !== 'mo') || (v.direction !== 'mo' && v.direction !== 'mt')) throw new Error(`no RP-MTI for ${v.type} ${v.direction}`);
    w.u8(((v.spare ?? 0) << 3) | mti);
    encodeIes(RP[mti]!, v as unknown as IeValues, w);
  },
};

// ---- tables by protocol discriminator and message type ----

interface Entry {
  m: CompiledMessage;
  pd: Pd;
  /** Message type bits 6-1 with N(SD) in bits 8-7 (MM, CC, SS), or the whole octet (RR, SMS). */
  seqBits: boolean;
  code: number;
}

const SEQ: Record<Pd, boolean> = { mm: true, cc: true, ss: true, rr: false, sms: false };
const TI: Record<Pd, boolean> = { cc: true, sms: true, ss: true, mm: false, rr: false };
const PD_NAMES: (Pd | undefined)[] = [];
for (const [k, v] of Object.entries(PDS)) PD_NAMES[v] = k as Pd;

/** [pd][direction 0 mo, 1 mt][message type] */
const BY_TYPE: (Entry | undefined)[][][] = Array.from({ length: 16 }, () => [new Array(256), new Array(256)]);
const BY_NAME = new Map<string, Entry>();

for (const d of MESSAGES) {
  const ies = d.pd === 'sms' && d.name === 'CP-DATA' ? d.ies.map((s) => ({ ...s, codec: rpdu })) : d.ies;
  const m = compileMessage(PROTOCOL, { name: d.name, ies, comprehensionRequired: d.pd === 'cc' });
  const e: Entry = { m, pd: d.pd, seqBits: SEQ[d.pd], code: d.type };
  for (const [i, dir] of (['mo', 'mt'] as const).entries()) {
    if (d.direction && d.direction !== dir) continue;
    BY_TYPE[PDS[d.pd]]![i]![d.type] = e;
    BY_NAME.set(`${d.pd}/${d.name}/${dir}`, e);
  }
}
/** pd -> message name -> [mo, mt] */
const BY_NAME_DIR = new Map<string, Map<string, (Entry | undefined)[]>>();
for (const [key, e] of BY_NAME) {
  const [pd, name, dir] = key.split('/') as [string, string, Direction];
  if (!BY_NAME_DIR.has(pd)) BY_NAME_DIR.set(pd, new Map());
  const byName = BY_NAME_DIR.get(pd)!;
  if (!byName.has(name)) byName.set(name, [undefined, undefined]);
  byName.get(name)![dir === 'mt' ? 1 : 0] = e;
}

/**
 * Decodes one DTAP message (the L3 octets as carried in BSSAP DTAP).
 * `direction` is 'mo' (MS to network) or 'mt'; it selects between the two
 * forms of CC Setup and is recorded in the message. Throws DecodeError.
 */
export function decode(bytes: Uint8Array, direction: Direction): Dtap {
  const r = new Reader(bytes, PROTOCOL);
  const o1 = r.u8('protocol discriminator');
  const pd = PD_NAMES[o1 & 15];
  if (pd === undefined) return { type: 'unknown', direction, raw: hexOf(bytes, 0, bytes.length) };
  let tiExt = -1;
  if (TI[pd] && (o1 & 0x70) === 0x70) tiExt = r.u8('transaction identifier extension');
  if (r.pos >= bytes.length) r.fail('truncated: message type missing');
  const mt = bytes[r.pos++]!;
  const table = BY_TYPE[o1 & 15]![direction === 'mt' ? 1 : 0]!;
  const e = SEQ[pd] ? table[mt & 0x3f] : table[mt];
  if (!e) return { type: 'unknown', direction, raw: hexOf(bytes, 0, bytes.length) };
  r.messageType = e.m.name;
  const msg: DtapMessage = { pd, type: e.m.name, direction, ies: {} };
  if (TI[pd]) {
    msg.tiFlag = o1 >> 7;
    msg.ti = (o1 >> 4) & 7;
    if (tiExt >= 0) msg.tiExt = tiExt;
  } else msg.skip = o1 >> 4;
  if (e.seqBits) msg.seq = mt >> 6;
  decodeIes(e.m, r, msg.ies);
  return msg;
}

/** Encodes a message from its JSON form. Throws EncodeError. */
export function encode(msg: Dtap): Uint8Array {
  if (msg.type === 'unknown') {
    const w = new Writer();
    try {
      writeHex(w, (msg as UnknownDtap).raw);
    } catch (e) {
      throw new EncodeError(PROTOCOL, 'unknown', undefined, (e as Error).message);
    }
    return w.finish();
  }
  const m = msg as DtapMessage;
  const e = BY_NAME_DIR.get(m.pd)?.get(m.type)?.[m.direction === 'mt' ? 1 : m.direction === 'mo' ? 0 : 2];
  if (!e) throw new EncodeError(PROTOCOL, m.type, undefined, `no message ${m.type} in ${m.pd} (${m.direction})`);
  // one writer for all top-level encodes (nested codecs write into the writer they are given)
  const w = WRITER;
  w.length = 0;
  const pd = PDS[m.pd];
  if (TI[m.pd]) {
    const ti = bits(m, m.ti, 7, 'transaction identifier');
    w.u8((bits(m, m.tiFlag, 1, 'TI flag') << 7) | (ti << 4) | pd);
    if (ti === 7) w.u8(bits(m, m.tiExt, 255, 'TI extension'));
  } else w.u8((bits(m, m.skip, 15, 'skip indicator') << 4) | pd);
  w.u8((e.seqBits ? bits(m, m.seq, 3, 'N(SD)') << 6 : 0) | e.code);
  encodeIes(e.m, m.ies ?? {}, w);
  return w.finish();
}

const WRITER = new Writer();

function bits(m: DtapMessage, v: number | undefined, max: number, what: string): number {
  const x = v ?? 0;
  if (!Number.isInteger(x) || x < 0 || x > max) throw new EncodeError(PROTOCOL, m.type, undefined, `${what} ${x} not in 0..${max}`);
  return x;
}

/** The message names per protocol and direction (for documentation and tests). */
export function messageNames(): { pd: Pd; name: string; direction?: Direction }[] {
  return MESSAGES.map((d) => ({ pd: d.pd, name: d.name, ...(d.direction ? { direction: d.direction } : {}) }));
}
