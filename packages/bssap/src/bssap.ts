import { DecodeError, decodeIes, EncodeError, encodeIes, hexOf, Reader, writeHex, Writer, type IeValues } from '@snaptel/codec';
import { decode as decodeDtap, encode as encodeDtap, type Direction, type Dtap } from '@snaptel/gsm48';
import { CODE_OF, COMPILED, OWN, type BssmapType } from './messages';

export const PROTOCOL = 'bssap';

/** A BSSMAP message of a covered type: IE values by name (see messages.ts), plus `order` when the wire order was not the table's. */
export interface BssmapMessage {
  discriminator: 'bssmap';
  type: BssmapType;
  ies: IeValues;
}

/** A BSSMAP message whose type is not covered: the octets after the length (message type first), kept whole. */
export interface UnknownBssmap {
  discriminator: 'bssmap';
  type: 'unknown';
  raw: string;
}

/** DTAP (TS 48.006 §9.3 / TS 48.008 §5): the data link connection identifier and the L3 message. */
export interface DtapBssap {
  discriminator: 'dtap';
  dlci: number;
  dtap: Dtap;
}

export type Bssap = BssmapMessage | UnknownBssmap | DtapBssap;

/**
 * Decodes one BSSAP message (the SCCP user data for SSN 254): octet 1 is the
 * discrimination (0x00 BSSMAP, 0x01 DTAP), then the DLCI for DTAP, then a
 * length octet that must cover exactly the rest. `direction` applies to DTAP
 * ('mo' = MS to network); the Layer 3 Information of a Complete Layer 3
 * Information is always read as 'mo'. Throws DecodeError.
 */
export function decode(bytes: Uint8Array, direction: Direction): Bssap {
  const r = new Reader(bytes, PROTOCOL);
  const disc = r.u8('discrimination');
  if (disc === 1) {
    const dlci = r.u8('DLCI');
    const len = lengthOf(r);
    try {
      return { discriminator: 'dtap', dlci, dtap: decodeDtap(bytes.subarray(3, 3 + len), direction) };
    } catch (e) {
      throw e instanceof DecodeError ? e.shifted(3) : e;
    }
  }
  if (disc !== 0) r.fail(`discrimination 0x${disc.toString(16).padStart(2, '0')} is neither BSSMAP (0x00) nor DTAP (0x01)`, 0);
  const len = lengthOf(r);
  if (len === 0) r.fail('BSSMAP message type missing (length 0)', 1);
  const code = bytes[2]!;
  const m = COMPILED[code];
  if (!m) return { discriminator: 'bssmap', type: 'unknown', raw: hexOf(bytes, 2, bytes.length) };
  r.messageType = m.name;
  r.pos = 3;
  const msg: BssmapMessage = { discriminator: 'bssmap', type: m.name as BssmapType, ies: {} };
  decodeIes(m, r, msg.ies);
  return msg;
}

function lengthOf(r: Reader): number {
  const at = r.pos;
  const len = r.u8('length');
  if (len !== r.remaining) r.fail(`length ${len} but ${r.remaining} byte(s) follow`, at);
  return len;
}

/** Encodes a message from its JSON form. Throws EncodeError. */
export function encode(msg: Bssap): Uint8Array {
  const w = new Writer();
  if (msg.discriminator === 'dtap') {
    const body = encodeDtap(msg.dtap);
    if (body.length > 255) throw new EncodeError(PROTOCOL, 'DTAP', undefined, `DTAP message of ${body.length} bytes does not fit a 1-octet length`);
    if (!Number.isInteger(msg.dlci) || msg.dlci < 0 || msg.dlci > 255) throw new EncodeError(PROTOCOL, 'DTAP', 'dlci', `DLCI ${String(msg.dlci)} not in 0..255`);
    w.u8(1).u8(msg.dlci).u8(body.length).bytes(body);
    return w.finish();
  }
  if (msg.discriminator !== 'bssmap') throw new EncodeError(PROTOCOL, undefined, undefined, `discriminator ${String((msg as { discriminator: unknown }).discriminator)} is neither bssmap nor dtap`);
  w.u8(0).u8(0);
  if (msg.type === 'unknown') {
    try {
      writeHex(w, msg.raw);
    } catch (e) {
      throw new EncodeError(PROTOCOL, 'unknown', undefined, (e as Error).message);
    }
    if (w.length === 2) throw new EncodeError(PROTOCOL, 'unknown', undefined, 'message type missing');
  } else {
    const code = CODE_OF[msg.type];
    const m = code === undefined ? undefined : COMPILED[code];
    if (!m) throw new EncodeError(PROTOCOL, String(msg.type), undefined, 'unknown message type');
    w.u8(code!);
    const own = OWN[code!]!;
    let short = true;
    for (const k in msg.ies) {
      if (!own.names.has(k)) {
        short = false;
        break;
      }
    }
    encodeIes(short ? own.m : m, msg.ies, w);
  }
  const len = w.length - 2;
  if (len > 255) throw new EncodeError(PROTOCOL, msg.type, undefined, `BSSMAP message of ${len} bytes does not fit a 1-octet length`);
  w.patch8(1, len);
  return w.finish();
}
