import { EncodeError, Reader, Writer, fromHex, toHex } from '@snaptel/codec';

/**
 * IPA ("ip.access") multiplex as Osmocom uses it: every frame is
 * `length(2, big endian) protocol(1) payload(length)`; protocol 0xEE (OSMO)
 * carries one more byte, the extension id, counted in `length`.
 * Protocol, extension, CCM message and ID tag values are the ones of
 * libosmocore's include/osmocom/gsm/protocol/ipaccess.h.
 */
export const PROTOCOL = 'IPA';

/** IPA protocol byte. */
export const PROTO = {
  RSL: 0x00,
  OSMO: 0xee,
  MGCP_OLD: 0xfc,
  SCCP: 0xfd,
  CCM: 0xfe,
  OML: 0xff,
} as const;
export type ProtoName = keyof typeof PROTO;

/** Osmocom extension byte after protocol 0xEE. */
export const OSMO_EXT = {
  CTRL: 0x00,
  MGCP: 0x01,
  LAC: 0x02,
  SMSC: 0x03,
  ORC: 0x04,
  GSUP: 0x05,
  OAP: 0x06,
  RSPRO: 0x07,
} as const;
export type OsmoExtName = keyof typeof OSMO_EXT;

/** CCM (protocol 0xFE) message types. */
export const CCM_TYPE = {
  PING: 0x00,
  PONG: 0x01,
  ID_GET: 0x04,
  ID_RESP: 0x05,
  ID_ACK: 0x06,
} as const;
export type CcmTypeName = keyof typeof CCM_TYPE;

/** CCM identity tags (ID_GET asks for them, ID_RESP answers them). */
export const ID_TAG = {
  SERNR: 0x00,
  UNITNAME: 0x01,
  LOCATION1: 0x02,
  LOCATION2: 0x03,
  EQUIPVERS: 0x04,
  SWVERSION: 0x05,
  IPADDR: 0x06,
  MACADDR: 0x07,
  UNIT: 0x08,
} as const;
export type IdTagName = keyof typeof ID_TAG;

function invert<T extends Record<string, number>>(t: T): Map<number, keyof T & string> {
  return new Map(Object.entries(t).map(([k, v]) => [v, k as keyof T & string]));
}
const PROTO_NAME = invert(PROTO);
const EXT_NAME = invert(OSMO_EXT);
const CCM_NAME = invert(CCM_TYPE);
const TAG_NAME = invert(ID_TAG);

/** Largest payload the length field can express. */
export const MAX_PAYLOAD = 0xffff;

/** One entry of ID_GET: normally one byte of length (1) and the tag. */
export interface IdGetEntry {
  tag: IdTagName | number;
  /** Bytes after the tag when the entry's length is above 1 (unusual; kept for exact re-encoding). */
  extra?: string;
}

/**
 * One entry of ID_RESP: 16-bit length (counting the tag), tag, value.
 * `value` holds the bytes as a latin1 string, so a C string shows as
 * "MSC-1\u0000" and re-encodes byte for byte.
 */
export interface IdRespEntry {
  tag: IdTagName | number;
  value: string;
}

export type CcmMessage =
  | { type: 'PING' | 'PONG' | 'ID_ACK'; trailing?: string }
  | { type: 'ID_GET'; tags: IdGetEntry[] }
  | { type: 'ID_RESP'; entries: IdRespEntry[] }
  /** A CCM message type this codec does not know: body kept as hex. */
  | { type: number; body: string };

/** A decoded IPA frame. Payloads are hex strings so that the form is plain JSON. */
export type IpaMessage =
  | { proto: 'CCM'; ccm: CcmMessage }
  | { proto: 'OSMO'; ext: OsmoExtName | number; payload: string }
  | { proto: Exclude<ProtoName, 'CCM' | 'OSMO'> | number; payload: string };

function tagNum(t: IdTagName | number, msg: string): number {
  const v = typeof t === 'number' ? t : ID_TAG[t];
  if (v === undefined || !Number.isInteger(v) || v < 0 || v > 255) throw new EncodeError(PROTOCOL, msg, 'tag', `bad tag ${String(t)}`);
  return v;
}

function byteNum<T extends Record<string, number>>(table: T, v: keyof T | number, what: string): number {
  const n = typeof v === 'number' ? v : table[v];
  if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) throw new EncodeError(PROTOCOL, undefined, what, `bad ${what} ${String(v)}`);
  return n;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

function hexOrThrow(hex: string, what: string): Uint8Array {
  try {
    return fromHex(hex);
  } catch {
    throw new EncodeError(PROTOCOL, undefined, what, `not hex: ${hex.slice(0, 40)}`);
  }
}

function decodeCcm(r: Reader): CcmMessage {
  r.ie = 'CCM message type';
  const t = r.u8();
  const name = CCM_NAME.get(t);
  r.messageType = `CCM ${name ?? `0x${t.toString(16).padStart(2, '0')}`}`;
  r.ie = undefined;
  switch (name) {
    case 'PING':
    case 'PONG':
    case 'ID_ACK': {
      const rest = r.rest();
      return rest.length ? { type: name, trailing: toHex(rest) } : { type: name };
    }
    case 'ID_GET': {
      const tags: IdGetEntry[] = [];
      while (r.remaining > 0) {
        r.ie = 'ID tag';
        const at = r.pos;
        const len = r.u8('tag length');
        const tag = r.u8('tag');
        if (len < 1) r.fail('ID_GET entry length 0 (must count the tag)', at);
        const extra = r.bytes(len - 1, 'tag value');
        const e: IdGetEntry = { tag: TAG_NAME.get(tag) ?? tag };
        if (extra.length) e.extra = toHex(extra);
        tags.push(e);
      }
      return { type: 'ID_GET', tags };
    }
    case 'ID_RESP': {
      const entries: IdRespEntry[] = [];
      while (r.remaining > 0) {
        r.ie = 'ID tag';
        const at = r.pos;
        const len = r.u16('tag length');
        const tag = r.u8('tag');
        if (len < 1) r.fail('ID_RESP entry length 0 (must count the tag)', at);
        r.ie = TAG_NAME.get(tag) ?? `tag 0x${tag.toString(16)}`;
        entries.push({ tag: TAG_NAME.get(tag) ?? tag, value: latin1(r.bytes(len - 1, 'tag value')) });
      }
      return { type: 'ID_RESP', entries };
    }
    default:
      return { type: t, body: toHex(r.rest()) };
  }
}

function encodeCcm(w: Writer, m: CcmMessage): void {
  if (typeof m.type === 'number') {
    const u = m as { type: number; body: string };
    w.u8(byteNum(CCM_TYPE, u.type, 'CCM message type'));
    w.bytes(hexOrThrow(u.body ?? '', 'body'));
    return;
  }
  const t = CCM_TYPE[m.type];
  if (t === undefined) throw new EncodeError(PROTOCOL, 'CCM', 'type', `unknown CCM type ${String(m.type)}`);
  w.u8(t);
  switch (m.type) {
    case 'PING':
    case 'PONG':
    case 'ID_ACK':
      if (m.trailing) w.bytes(hexOrThrow(m.trailing, 'trailing'));
      return;
    case 'ID_GET':
      for (const e of m.tags) {
        const extra = e.extra ? hexOrThrow(e.extra, 'extra') : new Uint8Array(0);
        if (extra.length > 254) throw new EncodeError(PROTOCOL, 'CCM ID_GET', 'extra', 'too long');
        w.u8(1 + extra.length).u8(tagNum(e.tag, 'CCM ID_GET')).bytes(extra);
      }
      return;
    case 'ID_RESP':
      for (const e of m.entries) {
        const v = Buffer.from(e.value, 'latin1');
        if (v.length > 0xfffe) throw new EncodeError(PROTOCOL, 'CCM ID_RESP', String(e.tag), 'value too long');
        w.u16(1 + v.length).u8(tagNum(e.tag, 'CCM ID_RESP')).bytes(v);
      }
      return;
  }
}

/**
 * Decodes exactly one IPA frame (header included). Throws DecodeError when
 * the length field disagrees with the bytes given.
 */
export function decode(bytes: Uint8Array): IpaMessage {
  const r = new Reader(bytes, PROTOCOL);
  r.ie = 'header';
  const len = r.u16('length');
  const proto = r.u8('protocol');
  r.ie = undefined;
  if (len !== r.remaining) r.fail(`length field says ${len} byte(s), ${r.remaining} follow`, 0);
  const pname = PROTO_NAME.get(proto);
  if (pname === 'CCM') {
    r.messageType = 'CCM';
    if (len === 0) r.fail('CCM frame without message type');
    return { proto: 'CCM', ccm: decodeCcm(r) };
  }
  if (pname === 'OSMO') {
    r.messageType = 'OSMO';
    r.ie = 'extension';
    const ext = r.u8('OSMO extension byte');
    return { proto: 'OSMO', ext: EXT_NAME.get(ext) ?? ext, payload: toHex(r.rest()) };
  }
  return { proto: pname ?? proto, payload: toHex(r.rest()) } as IpaMessage;
}

/** Encodes one IPA frame, header included. */
export function encode(m: IpaMessage): Uint8Array {
  const w = new Writer();
  w.u16(0);
  if (m.proto === 'CCM') {
    w.u8(PROTO.CCM);
    encodeCcm(w, (m as { ccm: CcmMessage }).ccm);
  } else if (m.proto === 'OSMO') {
    const o = m as { ext: OsmoExtName | number; payload: string };
    w.u8(PROTO.OSMO).u8(byteNum(OSMO_EXT, o.ext, 'extension')).bytes(hexOrThrow(o.payload, 'payload'));
  } else {
    const o = m as { proto: ProtoName | number; payload: string };
    w.u8(byteNum(PROTO, o.proto, 'protocol')).bytes(hexOrThrow(o.payload, 'payload'));
  }
  const len = w.length - 3;
  if (len > MAX_PAYLOAD) throw new EncodeError(PROTOCOL, undefined, 'length', `payload of ${len} bytes exceeds ${MAX_PAYLOAD}`);
  w.patch16(0, len);
  return w.finish();
}

/** Wraps a payload in an IPA frame without building a message object (fast path for GSUP, CTRL, ...). */
export function frame(proto: ProtoName | number, payload: Uint8Array, ext?: OsmoExtName | number): Uint8Array {
  const p = byteNum(PROTO, proto, 'protocol');
  const extra = p === PROTO.OSMO ? 1 : 0;
  if (p === PROTO.OSMO && ext === undefined) throw new EncodeError(PROTOCOL, 'OSMO', 'extension', 'missing');
  const len = payload.length + extra;
  if (len > MAX_PAYLOAD) throw new EncodeError(PROTOCOL, undefined, 'length', `payload of ${len} bytes exceeds ${MAX_PAYLOAD}`);
  const out = new Uint8Array(3 + len);
  out[0] = len >>> 8;
  out[1] = len & 0xff;
  out[2] = p;
  if (extra) out[3] = byteNum(OSMO_EXT, ext!, 'extension');
  out.set(payload, 3 + extra);
  return out;
}

/** A frame split into header fields and payload, without decoding the payload. */
export interface RawFrame {
  proto: number;
  /** The OSMO extension byte when proto is 0xEE. */
  ext?: number;
  /** Payload after the header (and after the extension byte); a view, not a copy. */
  payload: Uint8Array;
}

/** Splits one whole frame (as the de-framer yields it) into header fields and payload. */
export function unframe(bytes: Uint8Array): RawFrame {
  const r = new Reader(bytes, PROTOCOL, undefined, 'header');
  const len = r.u16('length');
  const proto = r.u8('protocol');
  if (len !== r.remaining) r.fail(`length field says ${len} byte(s), ${r.remaining} follow`, 0);
  if (proto === PROTO.OSMO) {
    const ext = r.u8('OSMO extension byte');
    return { proto, ext, payload: bytes.subarray(4) };
  }
  return { proto, payload: bytes.subarray(3) };
}


