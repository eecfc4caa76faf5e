import { hexOf, writeHex, type Reader, type ValueCodec, type Writer } from '@snaptel/codec';

/**
 * Value codecs of the shared IEs (TS 24.008 §10.5). Each turns the value
 * octets of one IE into a JSON-friendly object and back. Where the octets
 * carry bits the typed form has no place for (spare bits set, odd fillers),
 * the value is kept as { raw: hex } so that re-encoding stays byte-exact.
 */

export interface Raw {
  raw: string;
}

const HEXCH = '0123456789abcdef';

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && typeof (v as Raw).raw === 'string';
}

function int(v: unknown, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Error(`${what} ${String(v)} not in 0..${max}`);
  return v;
}

function nib(ch: string, what: string): number {
  const n = HEXCH.indexOf(ch.toLowerCase());
  if (n < 0) throw new Error(`${what}: not a hex digit: ${ch}`);
  return n;
}

/** Octets as hex (the default for IEs kept opaque). */
export const hex: ValueCodec<string> = {
  decode: (r, len) => hexOf(r.buf, r.pos, r.pos + len),
  encode: (v, w) => writeHex(w, v),
};

/** One octet as a number (MM cause, CP-Cause, call state, ...). */
export const u8: ValueCodec<number> = {
  decode: (r) => r.buf[r.pos]!,
  encode: (v, w) => void w.u8(int(v, 255, 'value')),
};

// ---- Mobile identity, TS 24.008 §10.5.1.4 ----

export type MobileIdentity =
  | { type: 'imsi' | 'imei' | 'imeisv'; digits: string }
  | { type: 'tmsi'; tmsi: number }
  | { type: 'none' }
  | { type: 'raw'; hex: string };

const MI_TYPES = ['none', 'imsi', 'imei', 'imeisv', 'tmsi'] as const;

function miRaw(b: Uint8Array, p: number, len: number): MobileIdentity {
  return { type: 'raw', hex: hexOf(b, p, p + len) };
}

export const mobileIdentity: ValueCodec<MobileIdentity> = {
  decode(r: Reader, len: number): MobileIdentity {
    const b = r.buf;
    const p = r.pos;
    if (len === 0) return miRaw(b, p, len);
    const o = b[p]!;
    const t = o & 7;
    if (t >= 1 && t <= 3) {
      const odd = (o & 8) !== 0;
      let digits = HEXCH[o >> 4]!;
      for (let i = 1; i < len; i++) {
        const x = b[p + i]!;
        digits += HEXCH[x & 15]!;
        if (i === len - 1 && !odd) {
          if (x >> 4 !== 15) return miRaw(b, p, len);
        } else digits += HEXCH[x >> 4]!;
      }
      if (!odd && len === 1) return miRaw(b, p, len);
      return { type: MI_TYPES[t] as 'imsi', digits };
    }
    if (t === 4 && o === 0xf4 && len === 5) return { type: 'tmsi', tmsi: ((b[p + 1]! << 24) >>> 0) + ((b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!) };
    if (t === 0 && o === 0 && len === 1) return { type: 'none' };
    return miRaw(b, p, len);
  },
  encode(v: MobileIdentity, w: Writer): void {
    switch (v.type) {
      case 'imsi':
      case 'imei':
      case 'imeisv': {
        const d = v.digits;
        if (typeof d !== 'string' || d.length === 0) throw new Error('digits missing');
        const odd = d.length % 2 === 1;
        w.u8((nib(d[0]!, 'digits') << 4) | (odd ? 8 : 0) | MI_TYPES.indexOf(v.type));
        for (let i = 1; i < d.length; i += 2) w.u8(nib(d[i]!, 'digits') | ((i + 1 < d.length ? nib(d[i + 1]!, 'digits') : 15) << 4));
        return;
      }
      case 'tmsi':
        w.u8(0xf4).u32(int(v.tmsi, 0xffffffff, 'TMSI'));
        return;
      case 'none':
        w.u8(0);
        return;
      case 'raw':
        writeHex(w, v.hex);
        return;
      default:
        throw new Error(`unknown identity type ${(v as { type: string }).type}`);
    }
  },
};

// ---- LAI, TS 24.008 §10.5.1.3 ----

export interface Lai {
  /** 3 digits (hex nibbles: a "deleted" LAI has f's). */
  mcc: string;
  /** 2 or 3 digits: 2 when the MNC digit 3 nibble is F. */
  mnc: string;
  lac: number;
}

export const lai: ValueCodec<Lai> = {
  decode(r: Reader): Lai {
    const b = r.buf;
    const p = r.pos;
    const o1 = b[p]!, o2 = b[p + 1]!, o3 = b[p + 2]!;
    const mcc = HEXCH[o1 & 15]! + HEXCH[o1 >> 4]! + HEXCH[o2 & 15]!;
    const mnc3 = o2 >> 4;
    const mnc = HEXCH[o3 & 15]! + HEXCH[o3 >> 4]! + (mnc3 === 15 ? '' : HEXCH[mnc3]!);
    return { mcc, mnc, lac: (b[p + 3]! << 8) | b[p + 4]! };
  },
  encode(v: Lai, w: Writer): void {
    const { mcc, mnc } = v;
    if (typeof mcc !== 'string' || mcc.length !== 3) throw new Error('MCC must have 3 digits');
    if (typeof mnc !== 'string' || (mnc.length !== 2 && mnc.length !== 3)) throw new Error('MNC must have 2 or 3 digits');
    w.u8(nib(mcc[0]!, 'MCC') | (nib(mcc[1]!, 'MCC') << 4));
    w.u8(nib(mcc[2]!, 'MCC') | ((mnc.length === 3 ? nib(mnc[2]!, 'MNC') : 15) << 4));
    w.u8(nib(mnc[0]!, 'MNC') | (nib(mnc[1]!, 'MNC') << 4));
    w.u16(int(v.lac, 0xffff, 'LAC'));
  },
};

// ---- MS classmark 1 and 2, TS 24.008 §10.5.1.5 / §10.5.1.6 ----

export interface Classmark1 {
  revisionLevel: number;
  esInd: boolean;
  /** true when A5/1 is NOT available (the bit says "not available"). */
  a51NotAvailable: boolean;
  rfPowerCapability: number;
  spare?: number;
}

function cm1(o: number): Classmark1 {
  const v: Classmark1 = { revisionLevel: (o >> 5) & 3, esInd: (o & 0x10) !== 0, a51NotAvailable: (o & 8) !== 0, rfPowerCapability: o & 7 };
  if (o & 0x80) v.spare = 1;
  return v;
}

function cm1Octet(v: Classmark1): number {
  return ((v.spare ? 1 : 0) << 7) | (int(v.revisionLevel, 3, 'revision level') << 5) | (v.esInd ? 0x10 : 0) | (v.a51NotAvailable ? 8 : 0) | int(v.rfPowerCapability, 7, 'RF power capability');
}

export const classmark1: ValueCodec<Classmark1> = {
  decode: (r) => cm1(r.buf[r.pos]!),
  encode: (v, w) => void w.u8(cm1Octet(v)),
};

export interface Classmark2 extends Classmark1 {
  psCapability: boolean;
  ssScreeningIndicator: number;
  smCapability: boolean;
  vbs: boolean;
  vgcs: boolean;
  frequencyCapability: boolean;
  classmark3: boolean;
  lcsvaCapability: boolean;
  ucs2: boolean;
  solsa: boolean;
  cmsp: boolean;
  a53: boolean;
  a52: boolean;
  /** Bit 8 of octet 2 and bit 7 of octet 3, when set. */
  spare2?: number;
  spare3?: number;
}

export const classmark2: ValueCodec<Classmark2> = {
  decode(r: Reader): Classmark2 {
    const b = r.buf, p = r.pos;
    const o2 = b[p + 1]!, o3 = b[p + 2]!;
    const o1 = b[p]!;
    const v: Classmark2 = {
      revisionLevel: (o1 >> 5) & 3,
      esInd: (o1 & 0x10) !== 0,
      a51NotAvailable: (o1 & 8) !== 0,
      rfPowerCapability: o1 & 7,
      psCapability: (o2 & 0x40) !== 0,
      ssScreeningIndicator: (o2 >> 4) & 3,
      smCapability: (o2 & 8) !== 0,
      vbs: (o2 & 4) !== 0,
      vgcs: (o2 & 2) !== 0,
      frequencyCapability: (o2 & 1) !== 0,
      classmark3: (o3 & 0x80) !== 0,
      lcsvaCapability: (o3 & 0x20) !== 0,
      ucs2: (o3 & 0x10) !== 0,
      solsa: (o3 & 8) !== 0,
      cmsp: (o3 & 4) !== 0,
      a53: (o3 & 2) !== 0,
      a52: (o3 & 1) !== 0,
    };
    if (o1 & 0x80) v.spare = 1;
    if (o2 & 0x80) v.spare2 = 1;
    if (o3 & 0x40) v.spare3 = 1;
    return v;
  },
  encode(v: Classmark2, w: Writer): void {
    w.u8(cm1Octet(v));
    w.u8((v.spare2 ? 0x80 : 0) | (v.psCapability ? 0x40 : 0) | (int(v.ssScreeningIndicator, 3, 'SS screening indicator') << 4) | (v.smCapability ? 8 : 0) | (v.vbs ? 4 : 0) | (v.vgcs ? 2 : 0) | (v.frequencyCapability ? 1 : 0));
    w.u8((v.classmark3 ? 0x80 : 0) | (v.spare3 ? 0x40 : 0) | (v.lcsvaCapability ? 0x20 : 0) | (v.ucs2 ? 0x10 : 0) | (v.solsa ? 8 : 0) | (v.cmsp ? 4 : 0) | (v.a53 ? 2 : 0) | (v.a52 ? 1 : 0));
  },
};

// ---- Bearer capability, TS 24.008 §10.5.4.5 ----

export interface BearerCapability {
  radioChannelRequirement: number;
  codingStandard: number;
  transferMode: number;
  /** Information transfer capability: 0 speech, 1 UDI, 2 3.1 kHz audio, 3 facsimile group 3, 5 other ITC, 7 reserved */
  itc: number;
  /** Speech version indications of octets 3a etc. (bits 4-1), when ITC is speech and those octets are plain. */
  speechVersions?: number[];
  /** The octets after octet 3 (and after the speech versions), undecoded. */
  rest?: string;
  /** Set when octet 3 says "no extension" and yet more octets follow. */
  extBit?: number;
}

export const bearerCapability: ValueCodec<BearerCapability> = {
  decode(r: Reader, len: number): BearerCapability {
    const b = r.buf, p = r.pos, end = p + len;
    const o = b[p]!;
    const v: BearerCapability = { radioChannelRequirement: (o >> 5) & 3, codingStandard: (o >> 4) & 1, transferMode: (o >> 3) & 1, itc: o & 7 };
    let i = p + 1;
    if (!(o & 0x80) && v.itc === 0) {
      // octets 3a, 3b, ...: ext, coding (0 = GSM), CTM, spare, speech version
      let j = i;
      const sv: number[] = [];
      let plain = true;
      for (;;) {
        if (j >= end || (b[j]! & 0x70) !== 0) {
          plain = false;
          break;
        }
        sv.push(b[j]! & 15);
        if (b[j++]! & 0x80) break;
      }
      if (plain) {
        v.speechVersions = sv;
        i = j;
      }
    }
    if (!(o & 0x80) && !v.speechVersions) {
      // no room for the octet 3 extension bit in the typed form otherwise: all after octet 3 is rest
      v.rest = hexOf(b, i, end);
    } else if (i < end) {
      v.rest = hexOf(b, i, end);
      if (o & 0x80) v.extBit = 1;
    }
    return v;
  },
  encode(v: BearerCapability, w: Writer): void {
    const sv = v.speechVersions;
    const ext = v.extBit || !(sv || v.rest !== undefined) ? 0x80 : 0;
    w.u8(ext | (int(v.radioChannelRequirement, 3, 'radio channel requirement') << 5) | (int(v.codingStandard, 1, 'coding standard') << 4) | (int(v.transferMode, 1, 'transfer mode') << 3) | int(v.itc, 7, 'ITC'));
    if (sv) {
      if (sv.length === 0) throw new Error('speechVersions is empty');
      sv.forEach((s, i) => w.u8((i === sv.length - 1 ? 0x80 : 0) | int(s, 15, 'speech version')));
    }
    if (v.rest !== undefined) writeHex(w, v.rest);
  },
};

// ---- Called / calling party BCD number, TS 24.008 §10.5.4.7 / §10.5.4.9 ----

export interface BcdNumber {
  /** Type of number (bits 7-5 of octet 3). */
  ton: number;
  /** Numbering plan identification (bits 4-1). */
  npi: number;
  /** Presentation and screening indicators (octet 3a), when present. */
  presentation?: number;
  screening?: number;
  /** Digits: 0-9 * # a b c (and f for a filler in the middle). */
  digits: string;
}

const BCD = '0123456789*#abcf';

export const bcdNumber: ValueCodec<BcdNumber | Raw> = {
  decode(r: Reader, len: number): BcdNumber | Raw {
    const b = r.buf, p = r.pos, end = p + len;
    const o = b[p]!;
    const v: BcdNumber = { ton: (o >> 4) & 7, npi: o & 15, digits: '' };
    let i = p + 1;
    if (!(o & 0x80)) {
      const a = b[i]!;
      if (i >= end || (a & 0x9c) !== 0x80) return { raw: hexOf(b, p, end) };
      v.presentation = (a >> 5) & 3;
      v.screening = a & 3;
      i++;
    }
    let d = '';
    for (; i < end; i++) {
      const x = b[i]!;
      d += BCD[x & 15]!;
      if (i === end - 1 && x >> 4 === 15) break;
      d += BCD[x >> 4]!;
    }
    v.digits = d;
    return v;
  },
  encode(v: BcdNumber | Raw, w: Writer): void {
    if (isRaw(v)) return writeHex(w, v.raw);
    const has3a = v.presentation !== undefined || v.screening !== undefined;
    w.u8((has3a ? 0 : 0x80) | (int(v.ton, 7, 'type of number') << 4) | int(v.npi, 15, 'numbering plan'));
    if (has3a) w.u8(0x80 | (int(v.presentation ?? 0, 3, 'presentation') << 5) | int(v.screening ?? 0, 3, 'screening'));
    const d = v.digits;
    if (typeof d !== 'string') throw new Error('digits missing');
    const n = (c: string): number => {
      const k = BCD.indexOf(c.toLowerCase());
      if (k < 0) throw new Error(`not a BCD digit: ${c}`);
      return k;
    };
    for (let i = 0; i < d.length; i += 2) w.u8(n(d[i]!) | ((i + 1 < d.length ? n(d[i + 1]!) : 15) << 4));
  },
};

// ---- Cause, TS 24.008 §10.5.4.11 ----

export interface Cause {
  codingStandard: number;
  location: number;
  /** Octet 3a, when present. */
  recommendation?: number;
  /** Cause value (7 bits): 16 normal call clearing, 17 user busy, ... */
  value: number;
  diagnostics?: string;
}

export const cause: ValueCodec<Cause | Raw> = {
  decode(r: Reader, len: number): Cause | Raw {
    const b = r.buf, p = r.pos, end = p + len;
    const o = b[p]!;
    if (len < 2 || o & 0x10) return { raw: hexOf(b, p, end) };
    const v = { codingStandard: (o >> 5) & 3, location: o & 15 } as Cause;
    let i = p + 1;
    if (!(o & 0x80)) {
      if (!(b[i]! & 0x80) || len < 3) return { raw: hexOf(b, p, end) };
      v.recommendation = b[i++]! & 0x7f;
    }
    const c = b[i++]!;
    if (!(c & 0x80)) return { raw: hexOf(b, p, end) };
    v.value = c & 0x7f;
    if (i < end) v.diagnostics = hexOf(b, i, end);
    return v;
  },
  encode(v: Cause | Raw, w: Writer): void {
    if (isRaw(v)) return writeHex(w, v.raw);
    const rec = v.recommendation !== undefined;
    w.u8((rec ? 0 : 0x80) | (int(v.codingStandard, 3, 'coding standard') << 5) | int(v.location, 15, 'location'));
    if (rec) w.u8(0x80 | int(v.recommendation, 127, 'recommendation'));
    w.u8(0x80 | int(v.value, 127, 'cause value'));
    if (v.diagnostics !== undefined) writeHex(w, v.diagnostics);
  },
};

// ---- Progress indicator, TS 24.008 §10.5.4.21 ----

export interface ProgressIndicator {
  codingStandard: number;
  location: number;
  /** Progress description: 1 not end-to-end PLMN/ISDN, 2 destination non-PLMN, 8 in-band info available, ... */
  description: number;
}

export const progressIndicator: ValueCodec<ProgressIndicator | Raw> = {
  decode(r: Reader, len: number): ProgressIndicator | Raw {
    const b = r.buf, p = r.pos;
    const o = b[p]!, d = b[p + 1]!;
    if (len !== 2 || (o & 0x90) !== 0x80 || !(d & 0x80)) return { raw: hexOf(b, p, p + len) };
    return { codingStandard: (o >> 5) & 3, location: o & 15, description: d & 0x7f };
  },
  encode(v: ProgressIndicator | Raw, w: Writer): void {
    if (isRaw(v)) return writeHex(w, v.raw);
    w.u8(0x80 | (int(v.codingStandard, 3, 'coding standard') << 5) | int(v.location, 15, 'location'));
    w.u8(0x80 | int(v.description, 127, 'progress description'));
  },
};

// ---- Half-octet IEs ----

export interface LocationUpdatingType {
  /** 0 normal, 1 periodic, 2 IMSI attach, 3 reserved. */
  type: 'normal' | 'periodic' | 'imsi-attach' | 'reserved';
  followOnRequest: boolean;
  /** Bit 3, when set. */
  spare?: number;
}

const LU_TYPES = ['normal', 'periodic', 'imsi-attach', 'reserved'] as const;

/** Location updating type, TS 24.008 §10.5.3.5 (half octet). */
export const locationUpdatingType: ValueCodec<LocationUpdatingType> = {
  decode(_r: Reader, n: number): LocationUpdatingType {
    const v: LocationUpdatingType = { type: LU_TYPES[n & 3]!, followOnRequest: (n & 8) !== 0 };
    if (n & 4) v.spare = 1;
    return v;
  },
  encode(v: LocationUpdatingType): number {
    const t = LU_TYPES.indexOf(v.type);
    if (t < 0) throw new Error(`unknown location updating type ${String(v.type)}`);
    return (v.followOnRequest ? 8 : 0) | (v.spare ? 4 : 0) | t;
  },
};

/** A keypad character (TV, one octet; TS 24.008 §10.5.4.17): IA5 in bits 7-1. */
export const keypad: ValueCodec<string | Raw> = {
  decode(r: Reader): string | Raw {
    const o = r.buf[r.pos]!;
    return o & 0x80 ? { raw: hexOf(r.buf, r.pos, r.pos + 1) } : String.fromCharCode(o);
  },
  encode(v: string | Raw, w: Writer): void {
    if (isRaw(v)) return writeHex(w, v.raw);
    if (typeof v !== 'string' || v.length !== 1 || v.charCodeAt(0) > 127) throw new Error(`keypad character must be one IA5 character: ${String(v)}`);
    w.u8(v.charCodeAt(0));
  },
};

/** RP address (TS 24.011 §8.2.5.1/2): like a BCD number, empty when the length is 0. */
export const rpAddress: ValueCodec<BcdNumber | Raw | null> = {
  decode: (r, len) => (len === 0 ? null : bcdNumber.decode(r, len)),
  encode: (v, w) => {
    if (v !== null) bcdNumber.encode(v, w);
  },
};

/** RP-Cause (TS 24.011 §8.2.5.4): cause value (bit 8 extension kept in the number), diagnostic octets as hex. */
export interface RpCause {
  value: number;
  diagnostic?: string;
}

export const rpCause: ValueCodec<RpCause> = {
  decode(r: Reader, len: number): RpCause {
    const v: RpCause = { value: r.buf[r.pos]! };
    if (len > 1) v.diagnostic = hexOf(r.buf, r.pos + 1, r.pos + len);
    return v;
  },
  encode(v: RpCause, w: Writer): void {
    w.u8(int(v.value, 255, 'RP cause'));
    if (v.diagnostic !== undefined) writeHex(w, v.diagnostic);
  },
};
