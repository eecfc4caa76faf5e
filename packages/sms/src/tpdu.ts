import { DecodeError, EncodeError, Reader, Writer, fromHex, toHex } from '@snaptel/codec';
import {
  PROTOCOL,
  decodeAddress,
  decodeTimestamp,
  decodeUserData,
  decodeVp,
  describeDcs,
  dcsValue,
  encodeAddress,
  encodeTimestamp,
  encodeUserData,
  encodeVp,
  vpfOf,
  type Address,
  type Dcs,
  type Timestamp,
  type UserData,
  type ValidityPeriod,
} from './fields';

/** 'mo': MS to SC (SUBMIT, DELIVER-REPORT, COMMAND); 'mt': SC to MS (DELIVER, SUBMIT-REPORT, STATUS-REPORT). */
export type Direction = 'mo' | 'mt';

export type MessageType =
  | 'SMS-DELIVER'
  | 'SMS-DELIVER-REPORT'
  | 'SMS-SUBMIT'
  | 'SMS-SUBMIT-REPORT'
  | 'SMS-STATUS-REPORT'
  | 'SMS-COMMAND';

/** Field keys of the message tables; '?' marks a field present only when the TPDU says so. */
type FieldKey = 'mr' | 'oa' | 'da' | 'ra' | 'pid' | 'dcs' | 'scts' | 'dt' | 'st' | 'vp' | 'fcs' | 'pi' | 'ct' | 'mn' | 'cd' | 'ud';
type FieldSpec = { key: FieldKey; ie: string; presence: 'M' | 'error' | 'pi-bit0' | 'pi-bit1' | 'pi-bit2' | 'if-more' };

const M = (key: FieldKey, ie: string): FieldSpec => ({ key, ie, presence: 'M' });

/** TS 23.040 §9.2.2: the six TPDUs, as data (first-octet flags and the fields in order). */
export const MESSAGES: readonly {
  type: MessageType;
  direction: Direction;
  mti: number;
  /** One-bit flags of the first octet, by bit number. TP-MTI (bits 1-0), TP-VPF (SUBMIT, bits 4-3) are implied. */
  flags: Readonly<Record<string, number>>;
  fields: readonly FieldSpec[];
}[] = [
  {
    type: 'SMS-DELIVER', direction: 'mt', mti: 0,
    flags: { mms: 2, lp: 3, sri: 5, udhi: 6, rp: 7 },
    fields: [M('oa', 'TP-OA'), M('pid', 'TP-PID'), M('dcs', 'TP-DCS'), M('scts', 'TP-SCTS'), M('ud', 'TP-UD')],
  },
  {
    type: 'SMS-DELIVER-REPORT', direction: 'mo', mti: 0,
    flags: { udhi: 6 },
    fields: [
      { key: 'fcs', ie: 'TP-FCS', presence: 'error' }, M('pi', 'TP-PI'),
      { key: 'pid', ie: 'TP-PID', presence: 'pi-bit0' }, { key: 'dcs', ie: 'TP-DCS', presence: 'pi-bit1' }, { key: 'ud', ie: 'TP-UD', presence: 'pi-bit2' },
    ],
  },
  {
    type: 'SMS-SUBMIT', direction: 'mo', mti: 1,
    flags: { rd: 2, srr: 5, udhi: 6, rp: 7 },
    fields: [M('mr', 'TP-MR'), M('da', 'TP-DA'), M('pid', 'TP-PID'), M('dcs', 'TP-DCS'), M('vp', 'TP-VP'), M('ud', 'TP-UD')],
  },
  {
    type: 'SMS-SUBMIT-REPORT', direction: 'mt', mti: 1,
    flags: { udhi: 6 },
    fields: [
      { key: 'fcs', ie: 'TP-FCS', presence: 'error' }, M('pi', 'TP-PI'), M('scts', 'TP-SCTS'),
      { key: 'pid', ie: 'TP-PID', presence: 'pi-bit0' }, { key: 'dcs', ie: 'TP-DCS', presence: 'pi-bit1' }, { key: 'ud', ie: 'TP-UD', presence: 'pi-bit2' },
    ],
  },
  {
    type: 'SMS-STATUS-REPORT', direction: 'mt', mti: 2,
    flags: { mms: 2, lp: 3, srq: 5, udhi: 6 },
    fields: [
      M('mr', 'TP-MR'), M('ra', 'TP-RA'), M('scts', 'TP-SCTS'), M('dt', 'TP-DT'), M('st', 'TP-ST'),
      { key: 'pi', ie: 'TP-PI', presence: 'if-more' },
      { key: 'pid', ie: 'TP-PID', presence: 'pi-bit0' }, { key: 'dcs', ie: 'TP-DCS', presence: 'pi-bit1' }, { key: 'ud', ie: 'TP-UD', presence: 'pi-bit2' },
    ],
  },
  {
    type: 'SMS-COMMAND', direction: 'mo', mti: 2,
    flags: { srr: 5, udhi: 6 },
    fields: [M('mr', 'TP-MR'), M('pid', 'TP-PID'), M('ct', 'TP-CT'), M('mn', 'TP-MN'), M('da', 'TP-DA'), M('cd', 'TP-CD')],
  },
];

/**
 * One TPDU, JSON-friendly. Which fields exist depends on `type` (see
 * MESSAGES). Flags are booleans; `reservedBits` keeps first-octet bits the
 * type does not define. `pi` keeps TP-PI's reserved bits (3-6); its presence
 * bits are recomputed from the fields present.
 */
export interface Tpdu {
  type: MessageType;
  mms?: boolean;
  lp?: boolean;
  sri?: boolean;
  srr?: boolean;
  srq?: boolean;
  rd?: boolean;
  rp?: boolean;
  udhi?: boolean;
  reservedBits?: number;
  /** TP-MR. */
  mr?: number;
  oa?: Address;
  da?: Address;
  ra?: Address;
  pid?: number;
  dcs?: Dcs;
  scts?: Timestamp;
  /** TP-DT (discharge time, STATUS-REPORT). */
  dt?: Timestamp;
  /** TP-ST (status, STATUS-REPORT). */
  st?: number;
  vp?: ValidityPeriod;
  /** TP-FCS: present in the RP-ERROR form of the reports. */
  fcs?: number;
  pi?: number;
  /** Further TP-PI octets when the extension bit is set. */
  piExtension?: number[];
  /** TP-CT, TP-MN (COMMAND). */
  ct?: number;
  mn?: number;
  /** TP-CD as hex (TP-CDL is its length). */
  cd?: string;
  ud?: UserData;
}

/** A TPDU whose TP-MTI is reserved (3): kept whole. */
export interface ReservedTpdu {
  type: 'reserved';
  raw: string;
}

export type SmsMessage = Tpdu | ReservedTpdu;

export interface DecodeOptions {
  /**
   * For the reports: whether TP-FCS is present (RP-ERROR) or not (RP-ACK).
   * The RP layer knows; without it, decode takes an octet 2 with bit 7 set as TP-FCS
   * (every TP-FCS value is 0x80..0xFF, and TP-PI's extension bit is practically never set).
   */
  report?: 'ack' | 'error';
}

export function decode(bytes: Uint8Array, direction: Direction, opts: DecodeOptions = {}): SmsMessage {
  const r = new Reader(bytes, PROTOCOL);
  const fo = r.u8('first octet');
  const mti = fo & 3;
  if (mti === 3) return { type: 'reserved', raw: toHex(bytes) };
  const def = MESSAGES.find((m) => m.mti === mti && m.direction === direction)!;
  r.messageType = def.type;
  const msg: Tpdu = { type: def.type };
  let defined = 3;
  for (const [name, bit] of Object.entries(def.flags)) {
    (msg as unknown as Record<string, boolean>)[name] = ((fo >> bit) & 1) === 1;
    defined |= 1 << bit;
  }
  let vpf = 0;
  if (def.type === 'SMS-SUBMIT') {
    vpf = (fo >> 3) & 3;
    defined |= 0x18;
  }
  if (fo & ~defined) msg.reservedBits = fo & ~defined;
  let pi = 0;
  for (const f of def.fields) {
    switch (f.presence) {
      case 'error':
        if (opts.report === 'ack' || (opts.report === undefined && !(r.remaining > 0 && r.buf[r.pos]! & 0x80))) continue;
        break;
      case 'if-more':
        if (r.remaining === 0) continue;
        break;
      case 'pi-bit0':
      case 'pi-bit1':
      case 'pi-bit2':
        if (!(pi & (1 << Number(f.presence.slice(-1))))) continue;
        break;
      default:
    }
    r.ie = f.ie;
    switch (f.key) {
      case 'mr':
      case 'pid':
      case 'st':
      case 'fcs':
      case 'ct':
      case 'mn':
        msg[f.key] = r.u8(f.ie);
        break;
      case 'oa':
      case 'da':
      case 'ra':
        msg[f.key] = decodeAddress(r, f.ie);
        break;
      case 'dcs':
        msg.dcs = describeDcs(r.u8(f.ie));
        break;
      case 'scts':
      case 'dt':
        msg[f.key] = decodeTimestamp(r, f.ie);
        break;
      case 'vp': {
        const vp = decodeVp(r, vpf);
        if (vp) msg.vp = vp;
        break;
      }
      case 'pi': {
        pi = r.u8(f.ie);
        msg.pi = pi & 0xf8;
        let b = pi;
        while (b & 0x80) {
          b = r.u8('TP-PI extension');
          (msg.piExtension ??= []).push(b);
        }
        break;
      }
      case 'cd': {
        const cdl = r.u8('TP-CDL');
        msg.cd = toHex(r.bytes(cdl, 'TP-CD'));
        break;
      }
      case 'ud': {
        const d = msg.dcs ?? describeDcs(0);
        if (d.compressed) {
          // Compressed user data (TS 23.042) is not decompressed: kept raw.
          r.ie = 'TP-UDL';
          const length = r.u8('TP-UDL');
          r.need(length, 'TP-UD');
          msg.ud = { length, raw: toHex(r.rest()) };
        } else {
          msg.ud = decodeUserData(r, d.alphabet ?? 'gsm7', msg.udhi === true);
        }
        break;
      }
    }
  }
  if (r.remaining > 0) {
    throw new DecodeError(PROTOCOL, def.type, undefined, r.pos, `${r.remaining} octet(s) after the last field`);
  }
  return msg;
}

export function encode(msg: SmsMessage): Uint8Array {
  if (msg.type === 'reserved') return fromHex(msg.raw);
  const def = MESSAGES.find((m) => m.type === msg.type);
  if (!def) throw new EncodeError(PROTOCOL, String(msg.type), undefined, 'unknown message type');
  const mt = def.type;
  const fail = (ie: string | undefined, reason: string): never => {
    throw new EncodeError(PROTOCOL, mt, ie, reason);
  };
  const w = new Writer();
  let fo = def.mti | ((msg.reservedBits ?? 0) & 0xfc);
  const flags = msg as unknown as Record<string, unknown>;
  for (const [name, bit] of Object.entries(def.flags)) {
    const on = name === 'udhi' ? (msg.udhi ?? msg.ud?.header !== undefined) : flags[name] === true;
    if (on) fo |= 1 << bit;
  }
  if (def.type === 'SMS-SUBMIT') fo = (fo & ~0x18) | (vpfOf(msg.vp) << 3);
  w.u8(fo);
  const alphabet = describeDcs(dcsValue(msg.dcs)).alphabet ?? 'gsm7';
  const u8 = (v: number | undefined, ie: string, def0?: number): void => {
    const x = v ?? def0;
    if (x === undefined) fail(ie, 'missing');
    if (!Number.isInteger(x) || x! < 0 || x! > 255) fail(ie, `${x} out of range 0..255`);
    w.u8(x!);
  };
  const present = (key: FieldKey): boolean => (key === 'ud' ? msg.ud !== undefined : (msg as unknown as Record<string, unknown>)[key] !== undefined);
  for (const f of def.fields) {
    switch (f.presence) {
      case 'error':
        if (msg.fcs === undefined) continue;
        break;
      case 'if-more':
        if (!(msg.pi !== undefined || present('pid') || present('dcs') || present('ud'))) continue;
        break;
      case 'pi-bit0':
      case 'pi-bit1':
      case 'pi-bit2':
        if (!present(f.key)) continue;
        break;
      default:
    }
    switch (f.key) {
      case 'mr':
      case 'st':
      case 'fcs':
      case 'ct':
      case 'mn':
        u8(msg[f.key], f.ie);
        break;
      case 'pid':
        u8(msg.pid, f.ie, 0);
        break;
      case 'oa':
      case 'da':
      case 'ra': {
        const a = msg[f.key];
        if (!a) fail(f.ie, 'missing');
        encodeAddress(w, a!, f.ie, mt);
        break;
      }
      case 'dcs':
        u8(dcsValue(msg.dcs), f.ie);
        break;
      case 'scts':
      case 'dt': {
        const t = msg[f.key];
        if (!t) fail(f.ie, 'missing');
        encodeTimestamp(w, t!, f.ie, mt);
        break;
      }
      case 'vp':
        encodeVp(w, msg.vp, mt);
        break;
      case 'pi': {
        const ext = msg.piExtension ?? [];
        let pi = ((msg.pi ?? 0) & 0x78) | (present('pid') ? 1 : 0) | (present('dcs') ? 2 : 0) | (present('ud') ? 4 : 0);
        if (ext.length) pi |= 0x80;
        w.u8(pi);
        ext.forEach((b, i) => u8(i < ext.length - 1 ? b | 0x80 : b & 0x7f, 'TP-PI'));
        break;
      }
      case 'cd': {
        const cd = fromHex(msg.cd ?? '');
        if (cd.length > 255) fail('TP-CD', 'longer than 255 octets');
        w.u8(cd.length).bytes(cd);
        break;
      }
      case 'ud':
        encodeUserData(w, msg.ud ?? {}, alphabet, mt);
        break;
    }
  }
  return w.finish();
}
