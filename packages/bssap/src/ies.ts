import { DecodeError, hexOf, writeHex, type Reader, type ValueCodec, type Writer } from '@snaptel/codec';
import { classmark2, hex, u8, decode as decodeDtap, encode as encodeDtap, lai, mobileIdentity, type Classmark2, type Dtap, type MobileIdentity } from '@snaptel/gsm48';

/**
 * Value codecs of the BSSMAP IEs (TS 48.008 §3.2.2). Each turns the value
 * octets of one IE into a JSON-friendly object and back. Where the octets
 * carry bits the typed form has no place for (spare bits set, an unknown
 * discriminator, a length that does not fit), the value is kept as
 * { raw: hex } so that re-encoding stays byte-exact.
 */

export interface Raw {
  raw: string;
}

function isRaw(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && typeof (v as Raw).raw === 'string';
}

function raw(r: Reader, len: number): Raw {
  return { raw: hexOf(r.buf, r.pos, r.pos + len) };
}

function int(v: unknown, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new Error(`${what} ${String(v)} not in 0..${max}`);
  return v;
}

/** Octets as hex (IEs kept opaque) and a 1-octet value as a number: the same as in DTAP. */
export { hex, u8 };

/** A 2-octet value as a number: Circuit Identity Code (§3.2.2.2: PCM multiplex bits 16-6, timeslot bits 5-1). */
export const u16: ValueCodec<number> = {
  decode: (r) => (r.buf[r.pos]! << 8) | r.buf[r.pos + 1]!,
  encode: (v, w) => void w.u16(int(v, 0xffff, 'value')),
};

/** A 4-octet value as a number: TMSI (§3.2.2.7), Call Identifier (§3.2.2.105, least significant octet first). */
export const u32: ValueCodec<number> = {
  decode: (r) => {
    const b = r.buf, p = r.pos;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  },
  encode: (v, w) => void w.u32(int(v, 0xffffffff, 'value')),
};

export const u32le: ValueCodec<number> = {
  decode: (r) => {
    const b = r.buf, p = r.pos;
    return ((b[p + 3]! << 24) >>> 0) + ((b[p + 2]! << 16) | (b[p + 1]! << 8) | b[p]!);
  },
  encode: (v, w) => {
    const n = int(v, 0xffffffff, 'value');
    w.u8(n & 0xff).u8((n >>> 8) & 0xff).u8((n >>> 16) & 0xff).u8(n >>> 24);
  },
};

/**
 * A 1-octet IE made of bit fields; any bit outside the fields must be 0,
 * else the value is kept raw. `fields`: name -> [shift, width]; width 1 reads as boolean.
 */
export function bits<T extends Record<string, number | boolean>>(fields: Record<keyof T & string, readonly [number, number]>): ValueCodec<T | Raw> {
  const entries = Object.entries(fields) as [string, readonly [number, number]][];
  let used = 0;
  for (const [, [s, n]] of entries) used |= ((1 << n) - 1) << s;
  return {
    decode(r, len) {
      const o = r.buf[r.pos]!;
      if (len !== 1 || o & ~used) return raw(r, len);
      const v: Record<string, number | boolean> = {};
      for (const [k, [s, n]] of entries) v[k] = n === 1 ? ((o >> s) & 1) === 1 : (o >> s) & ((1 << n) - 1);
      return v as T;
    },
    encode(v, w) {
      if (isRaw(v)) return writeHex(w, v.raw);
      let o = 0;
      for (const [k, [s, n]] of entries) {
        const x = (v as Record<string, unknown>)[k];
        o |= (n === 1 ? (x ? 1 : 0) : int(x, (1 << n) - 1, k)) << s;
      }
      w.u8(o);
    },
  };
}

// ---- Cause, §3.2.2.5 ----

/**
 * The cause value: one octet (bit 8 = 0) as 0..0x7f, or the two-octet
 * extended form (bit 8 of the first octet = 1) as (octet1 << 8) | octet2.
 * A length that does not match the extension bit is kept raw.
 */
export const cause: ValueCodec<number | Raw> = {
  decode(r, len) {
    const o = r.buf[r.pos]!;
    if (len === 1 && !(o & 0x80)) return o;
    if (len === 2 && o & 0x80) return (o << 8) | r.buf[r.pos + 1]!;
    return raw(r, len);
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    const n = int(v, 0xffff, 'cause');
    if (n < 0x80) w.u8(n);
    else if (n >= 0x8000) w.u16(n);
    else throw new Error(`cause ${n}: one-octet causes are 0..127, extended ones 0x8000..0xffff`);
  },
};

// ---- Cell Identifier (§3.2.2.17) and Cell Identifier List (§3.2.2.27) ----

export type CellDiscriminator = 'cgi' | 'lac_ci' | 'ci' | 'no_cell' | 'lai' | 'lac' | 'bss' | 'sai';
/** Discriminator codes 0..8 (7 is reserved); 8 is the SAI in a Cell Identifier, PLMN+LAC+RNC-ID in a list (same octets). */
const DISC: (CellDiscriminator | undefined)[] = ['cgi', 'lac_ci', 'ci', 'no_cell', 'lai', 'lac', 'bss', undefined, 'sai'];
const DISC_CODE: Record<CellDiscriminator, number> = { cgi: 0, lac_ci: 1, ci: 2, no_cell: 3, lai: 4, lac: 5, bss: 6, sai: 8 };
/** Octets per cell for each discriminator. */
const CELL_LEN = [7, 4, 2, 0, 5, 2, 0, -1, 7];

export interface Cell {
  mcc?: string;
  mnc?: string;
  lac?: number;
  ci?: number;
  /** Service area code (discriminator 8 in Cell Identifier) or RNC-ID (in a list). */
  sac?: number;
}

export type CellIdentifier = ({ discriminator: CellDiscriminator } & Cell) | Raw;
export interface CellIdentifierListValue {
  discriminator: CellDiscriminator;
  cells: Cell[];
}
export type CellIdentifierList = CellIdentifierListValue | Raw;

function readCell(r: Reader, p: number, d: number): Cell {
  const b = r.buf;
  switch (d) {
    case 0:
    case 8:
    case 4: {
      const save = r.pos;
      r.pos = p;
      const l = lai.decode(r, 5);
      r.pos = save;
      const c: Cell = { mcc: l.mcc, mnc: l.mnc, lac: l.lac };
      if (d === 0) c.ci = (b[p + 5]! << 8) | b[p + 6]!;
      else if (d === 8) c.sac = (b[p + 5]! << 8) | b[p + 6]!;
      return c;
    }
    case 1:
      return { lac: (b[p]! << 8) | b[p + 1]!, ci: (b[p + 2]! << 8) | b[p + 3]! };
    case 2:
      return { ci: (b[p]! << 8) | b[p + 1]! };
    case 5:
      return { lac: (b[p]! << 8) | b[p + 1]! };
    default:
      return {};
  }
}

function writeCell(w: Writer, d: number, c: Cell): void {
  if (typeof c !== 'object' || c === null) throw new Error('cell must be an object');
  switch (d) {
    case 0:
    case 8:
    case 4:
      lai.encode({ mcc: c.mcc!, mnc: c.mnc!, lac: c.lac! }, w);
      if (d === 0) w.u16(int(c.ci, 0xffff, 'CI'));
      else if (d === 8) w.u16(int(c.sac, 0xffff, 'SAC'));
      return;
    case 1:
      w.u16(int(c.lac, 0xffff, 'LAC')).u16(int(c.ci, 0xffff, 'CI'));
      return;
    case 2:
      w.u16(int(c.ci, 0xffff, 'CI'));
      return;
    case 5:
      w.u16(int(c.lac, 0xffff, 'LAC'));
      return;
  }
}

function discCode(d: unknown): number {
  const c = DISC_CODE[d as CellDiscriminator];
  if (c === undefined) throw new Error(`unknown cell identification discriminator ${String(d)}`);
  return c;
}

/** MNC digit 3 nibble F with a 3-digit MNC cannot happen; an MCC/MNC digit that is not 0-9 still round-trips as a hex nibble. */
export const cellIdentifier: ValueCodec<CellIdentifier> = {
  decode(r, len) {
    const o = r.buf[r.pos]!;
    const d = o & 15;
    if (len === 0 || o & 0xf0 || DISC[d] === undefined || len - 1 !== CELL_LEN[d]) return raw(r, len);
    return { discriminator: DISC[d]!, ...readCell(r, r.pos + 1, d) };
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    const d = discCode(v.discriminator);
    w.u8(d);
    writeCell(w, d, v);
  },
};

export const cellIdentifierList: ValueCodec<CellIdentifierList> = {
  decode(r, len) {
    const o = r.buf[r.pos]!;
    const d = o & 15;
    const n = CELL_LEN[d]!;
    if (len === 0 || o & 0xf0 || DISC[d] === undefined || (n === 0 ? len !== 1 : (len - 1) % n !== 0)) return raw(r, len);
    const cells: Cell[] = [];
    for (let p = r.pos + 1; p < r.pos + len; p += n) cells.push(readCell(r, p, d));
    return { discriminator: DISC[d]!, cells };
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    const d = discCode(v.discriminator);
    if (!Array.isArray(v.cells)) throw new Error('cells must be an array');
    if (CELL_LEN[d] === 0 && v.cells.length) throw new Error(`discriminator ${v.discriminator} carries no cells`);
    w.u8(d);
    for (const c of v.cells) writeCell(w, d, c);
  },
};

// ---- Channel Type, §3.2.2.11 ----

export interface ChannelTypeValue {
  /** Speech/data indicator: 1 speech, 2 data, 3 signalling, 4 speech + CTM text telephony. */
  indicator: number;
  /** Channel rate and type (octet 4). */
  rateType: number;
  /** Speech (1, 4): the permitted speech version indications, 7 bits each (the extension bits are derived). */
  permittedSpeech?: number[];
  /** Otherwise: octet 5 onwards as hex (data rate / transparency; spare for signalling). */
  rest?: string;
}
export type ChannelType = ChannelTypeValue | Raw;

export const channelType: ValueCodec<ChannelType> = {
  decode(r, len) {
    const b = r.buf, p = r.pos;
    const o = b[p]!;
    if (len < 2 || o & 0xf0) return raw(r, len);
    const indicator = o & 15;
    const v: ChannelTypeValue = { indicator, rateType: b[p + 1]! };
    if (indicator === 1 || indicator === 4) {
      const sv: number[] = [];
      for (let i = 2; i < len; i++) {
        const x = b[p + i]!;
        // extension bit: 1 on every octet but the last
        if (((x & 0x80) !== 0) !== (i < len - 1)) return raw(r, len);
        sv.push(x & 0x7f);
      }
      v.permittedSpeech = sv;
    } else v.rest = hexOf(b, p + 2, p + len);
    return v;
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    w.u8(int(v.indicator, 15, 'speech/data indicator')).u8(int(v.rateType, 255, 'channel rate and type'));
    if (v.indicator === 1 || v.indicator === 4) {
      const sv = v.permittedSpeech ?? [];
      if (!Array.isArray(sv)) throw new Error('permittedSpeech must be an array');
      sv.forEach((x, i) => w.u8(int(x, 0x7f, 'permitted speech version') | (i < sv.length - 1 ? 0x80 : 0)));
    } else if (v.rest !== undefined) writeHex(w, v.rest);
  },
};

// ---- Encryption Information §3.2.2.10, Chosen Encryption Algorithm §3.2.2.44 ----

export interface EncryptionInformation {
  /** Permitted algorithms as A5/n numbers (0 = no encryption), from the bitmap of octet 3 (bit n+1 = A5/n). */
  permitted: number[];
  /** Key (normally 8 octets Kc), hex. */
  key: string;
}

export const encryptionInformation: ValueCodec<EncryptionInformation> = {
  decode(r, len) {
    const o = r.buf[r.pos]!;
    const permitted: number[] = [];
    for (let i = 0; i < 8; i++) if (o & (1 << i)) permitted.push(i);
    return { permitted, key: hexOf(r.buf, r.pos + 1, r.pos + len) };
  },
  encode(v, w) {
    if (!Array.isArray(v.permitted)) throw new Error('permitted must be an array');
    let o = 0;
    for (const a of v.permitted) o |= 1 << int(a, 7, 'A5 algorithm');
    w.u8(o);
    writeHex(w, v.key);
  },
};

/** Algorithm identifier: 0x01 no encryption, 0x02 A5/1, ..., 0x08 A5/7; as A5/n, other values raw. */
export const chosenEncryptionAlgorithm: ValueCodec<{ a5: number } | Raw> = {
  decode(r, len) {
    const o = r.buf[r.pos]!;
    return o >= 1 && o <= 8 ? { a5: o - 1 } : raw(r, len);
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    w.u8(int(v.a5, 7, 'A5 algorithm') + 1);
  },
};

// ---- AoIP Transport Layer Address, §3.2.2.102 ----

export interface TransportAddress {
  /** Dotted IPv4, or IPv6 as eight lower-case groups (`::` accepted when encoding). */
  ip: string;
  port: number;
}

export const aoipTransportLayerAddress: ValueCodec<TransportAddress> = {
  decode(r, len) {
    const b = r.buf, p = r.pos;
    if (len === 6) return { ip: `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`, port: (b[p + 4]! << 8) | b[p + 5]! };
    if (len === 18) {
      const g: string[] = [];
      for (let i = 0; i < 16; i += 2) g.push(((b[p + i]! << 8) | b[p + i + 1]!).toString(16));
      return { ip: g.join(':'), port: (b[p + 16]! << 8) | b[p + 17]! };
    }
    return r.fail(`length ${len}: an AoIP transport address has 6 (IPv4) or 18 (IPv6) octets`, r.pos - 1);
  },
  encode(v, w) {
    const ip = String(v.ip);
    if (ip.includes(':')) for (const g of ipv6Groups(ip)) w.u16(g);
    else {
      const parts = ip.split('.');
      if (parts.length !== 4 || parts.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw new Error(`not an IPv4 address: ${ip}`);
      for (const x of parts) w.u8(Number(x));
    }
    w.u16(int(v.port, 0xffff, 'port'));
  },
};

function ipv6Groups(ip: string): number[] {
  const halves = ip.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${ip}`);
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0]!), tail = halves.length === 2 ? parse(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 ? fill < 1 : fill !== 0) || [...head, ...tail].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new Error(`not an IPv6 address: ${ip}`);
  return [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
}

// ---- Speech Codec Element, §3.2.2.103 / §3.2.2.104 ----

export interface SpeechCodec {
  fi: boolean;
  pi: boolean;
  pt: boolean;
  tf: boolean;
  /**
   * Codec type (TS 48.008 table 3.2.2.103.3 / TS 26.103): 0 GSM FR, 1 GSM HR,
   * 2 GSM EFR, 3 FR_AMR, 4 HR_AMR, 9 FR_AMR-WB, 11 OFR_AMR-WB, 12 OHR_AMR-WB;
   * 15 = extended, see `ext` (0xfd CSData).
   */
  type: number;
  ext?: number;
  /**
   * Configuration: S0-S15 for FR_AMR, HR_AMR (octet 2 holds S7-S0, octet 3
   * S15-S8; here S0 is bit 0); S0-S7 for FR_AMR-WB, OFR_AMR-WB, OHR_AMR-WB;
   * the redundancy octet (R2 bit 8, R3 bit 7) of CSData.
   */
  config?: number;
}

/** Configuration octets per 4-bit codec type (-1: unknown type, stop). */
const CFG_LEN = [0, 0, 0, 2, 2, -1, -1, -1, -1, 1, -1, 1, 1, -1, -1, -1];

/** Reads one element at p (before end); returns its end, or -1 when it cannot be parsed. */
function readCodec(b: Uint8Array, p: number, end: number, out: SpeechCodec[]): number {
  const o = b[p]!;
  const c: SpeechCodec = { fi: (o & 0x80) !== 0, pi: (o & 0x40) !== 0, pt: (o & 0x20) !== 0, tf: (o & 0x10) !== 0, type: o & 15 };
  let q = p + 1;
  let n: number;
  if (c.type === 15) {
    if (q >= end) return -1;
    c.ext = b[q++]!;
    n = c.ext === 0xfd ? 1 : -1;
  } else n = CFG_LEN[c.type]!;
  if (n < 0 || q + n > end) return -1;
  if (n === 1) c.config = b[q]!;
  else if (n === 2) c.config = b[q]! | (b[q + 1]! << 8);
  out.push(c);
  return q + n;
}

function writeCodec(w: Writer, c: SpeechCodec): void {
  if (typeof c !== 'object' || c === null) throw new Error('codec must be an object');
  const t = int(c.type, 15, 'codec type');
  w.u8((c.fi ? 0x80 : 0) | (c.pi ? 0x40 : 0) | (c.pt ? 0x20 : 0) | (c.tf ? 0x10 : 0) | t);
  let n: number;
  if (t === 15) {
    w.u8(int(c.ext, 255, 'extended codec type'));
    n = c.ext === 0xfd ? 1 : 0;
  } else n = Math.max(0, CFG_LEN[t]!);
  if (n === 1) w.u8(int(c.config ?? 0, 255, 'configuration'));
  else if (n === 2) w.u16(((int(c.config ?? 0, 0xffff, 'configuration') & 0xff) << 8) | (c.config! >> 8));
}

/** `rest`: octets from the first element that could not be parsed (unknown type, truncated), kept raw. */
export interface SpeechCodecListValue {
  codecs: SpeechCodec[];
  rest?: string;
}

export const speechCodecList: ValueCodec<SpeechCodecListValue> = {
  decode(r, len) {
    const b = r.buf, end = r.pos + len;
    const codecs: SpeechCodec[] = [];
    let p = r.pos;
    while (p < end) {
      const q = readCodec(b, p, end, codecs);
      if (q < 0) return { codecs, rest: hexOf(b, p, end) };
      p = q;
    }
    return { codecs };
  },
  encode(v, w) {
    if (!Array.isArray(v.codecs)) throw new Error('codecs must be an array');
    for (const c of v.codecs) writeCodec(w, c);
    if (v.rest !== undefined) writeHex(w, v.rest);
  },
};

export const speechCodec: ValueCodec<SpeechCodec | Raw> = {
  decode(r, len) {
    const out: SpeechCodec[] = [];
    return readCodec(r.buf, r.pos, r.pos + len, out) === r.pos + len ? out[0]! : raw(r, len);
  },
  encode(v, w) {
    if (isRaw(v)) return writeHex(w, v.raw);
    writeCodec(w, v);
  },
};

// ---- Identities and classmarks ----

/** IMSI (§3.2.2.6): coded as the TS 24.008 mobile identity. */
export const imsi: ValueCodec<MobileIdentity> = mobileIdentity;

/** Classmark Information Type 2 (§3.2.2.19): the TS 24.008 mobile station classmark 2 value (3 octets). */
export const classmarkType2: ValueCodec<Classmark2 | Raw> = {
  decode: (r, len) => (len === 3 ? classmark2.decode(r, len) : raw(r, len)),
  encode: (v, w) => (isRaw(v) ? writeHex(w, v.raw) : classmark2.encode(v, w)),
};

/** Layer 3 Header Information (§3.2.2.9): protocol discriminator and transaction identifier octets. */
export const layer3HeaderInformation: ValueCodec<{ pd: number; ti: number } | Raw> = {
  decode: (r, len) => (len === 2 ? { pd: r.buf[r.pos]!, ti: r.buf[r.pos + 1]! } : raw(r, len)),
  encode: (v, w) => {
    if (isRaw(v)) return writeHex(w, v.raw);
    w.u8(int(v.pd, 255, 'protocol discriminator')).u8(int(v.ti, 255, 'transaction identifier'));
  },
};

/**
 * Layer 3 Information (§3.2.2.24) as a DTAP message, MS to network (the
 * Complete Layer 3 Information carries the initial L3 message). Errors of
 * the DTAP decoder come out with offsets of the whole BSSAP buffer.
 */
export const layer3Information: ValueCodec<Dtap> = {
  decode(r, len) {
    try {
      return decodeDtap(r.buf.subarray(r.pos, r.pos + len), 'mo');
    } catch (e) {
      if (e instanceof DecodeError) throw e.shifted(r.pos);
      throw e;
    }
  },
  encode(v, w) {
    w.bytes(encodeDtap(v));
  },
};
