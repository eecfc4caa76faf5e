import { describeDcs, gsm7Septets, gsm7Text, type Alphabet, type UdhElement, type UserData } from '@snaptel/sms';
import { STATUS } from './pdu';

/**
 * From SMPP fields to what the MSC needs for a TPDU (TS 23.040) and back:
 * times, data_coding to TP-DCS, the user data with its header, receipts.
 */

/** A mapping failure: the command_status to answer with, and why. */
export class SmppMappingError extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    reason: string,
  ) {
    super(`smpp ${field}: ${reason}`);
    this.name = 'SmppMappingError';
  }
}

/**
 * SMPP 3.4 §7.1.1 time format "YYMMDDhhmmsstnnp" to wall-clock ms.
 * p '+'/'-': absolute, local time nn quarter hours ahead of/behind UTC;
 * p 'R': relative to `now` (years, months, days, hours, minutes, seconds).
 * Empty string: undefined (none given). Throws SmppMappingError with `status`.
 */
export function smppTime(s: string, now: number, status: number = STATUS.ESME_RINVEXPIRY, field = 'validity_period'): number | undefined {
  if (s === '') return undefined;
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d)(\d\d)([-+R])$/.exec(s);
  if (!m) throw new SmppMappingError(status, field, `"${s}" is not YYMMDDhhmmsstnnp`);
  const [yy, mo, dd, hh, mi, ss, t, nn] = m.slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const p = m[9]!;
  if (p === 'R') {
    const d = new Date(now);
    d.setUTCFullYear(d.getUTCFullYear() + yy, d.getUTCMonth() + mo, d.getUTCDate() + dd);
    return d.getTime() + ((hh * 60 + mi) * 60 + ss) * 1000;
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || nn > 48)
    throw new SmppMappingError(status, field, `"${s}" is not a valid absolute time`);
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, t * 100);
  if (new Date(local).getUTCDate() !== dd) throw new SmppMappingError(status, field, `"${s}": no such day`);
  const offsetMs = nn * 15 * 60_000;
  return p === '+' ? local - offsetMs : local + offsetMs;
}

/** Wall-clock ms to an absolute SMPP time in UTC ("YYMMDDhhmmsst00+"). */
export function formatSmppTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}${Math.floor(d.getUTCMilliseconds() / 100)}00+`;
}

/** How the SMSC default alphabet (data_coding 0) is carried in short_message. */
export type DefaultAlphabet = 'gsm' | 'latin1';

/** SMPP data_coding (§5.2.19) to TP-DCS and the TPDU alphabet. */
export function tpDcsOf(dataCoding: number): { dcs: number; alphabet: Alphabet; text: 'gsm' | 'ascii' | 'latin1' | 'ucs2' | 'binary' } {
  switch (dataCoding) {
    case 0x00:
      return { dcs: 0x00, alphabet: 'gsm7', text: 'gsm' };
    case 0x01:
      return { dcs: 0x00, alphabet: 'gsm7', text: 'ascii' };
    case 0x03:
      return { dcs: 0x00, alphabet: 'gsm7', text: 'latin1' };
    case 0x02:
    case 0x04:
      return { dcs: 0x04, alphabet: '8bit', text: 'binary' };
    case 0x08:
      return { dcs: 0x08, alphabet: 'ucs2', text: 'ucs2' };
  }
  // 0xC0..0xFF (and the general groups 0x10..0x3F) are GSM coding groups: TP-DCS as is.
  if (dataCoding >= 0xc0 || (dataCoding >= 0x10 && dataCoding < 0x40)) {
    const d = describeDcs(dataCoding);
    if (d.compressed) throw new SmppMappingError(STATUS.ESME_RINVDCS, 'data_coding', `0x${dataCoding.toString(16)}: compressed text is not supported`);
    const alphabet = d.alphabet ?? 'gsm7';
    return { dcs: dataCoding, alphabet, text: alphabet === 'gsm7' ? 'gsm' : alphabet === 'ucs2' ? 'ucs2' : 'binary' };
  }
  throw new SmppMappingError(STATUS.ESME_RINVDCS, 'data_coding', `0x${dataCoding.toString(16)} is not supported`);
}

/** TS 23.040 §9.2.3.24: the UDH IEs (IEI, length, data), the ones with meaning typed. */
export function parseUdh(udh: Buffer): UdhElement[] {
  const out: UdhElement[] = [];
  let i = 1;
  while (i < udh.length) {
    if (i + 2 > udh.length) throw new SmppMappingError(STATUS.ESME_RINVMSGLEN, 'short_message', 'UDH: truncated IE header');
    const iei = udh[i]!;
    const len = udh[i + 1]!;
    const d = udh.subarray(i + 2, i + 2 + len);
    if (d.length !== len) throw new SmppMappingError(STATUS.ESME_RINVMSGLEN, 'short_message', `UDH: IE 0x${iei.toString(16)} truncated`);
    if (iei === 0x00 && len === 3) out.push({ type: 'concat8', ref: d[0]!, total: d[1]!, seq: d[2]! });
    else if (iei === 0x08 && len === 4) out.push({ type: 'concat16', ref: d.readUInt16BE(0), total: d[2]!, seq: d[3]! });
    else if (iei === 0x04 && len === 2) out.push({ type: 'ports8', dst: d[0]!, src: d[1]! });
    else if (iei === 0x05 && len === 4) out.push({ type: 'ports16', dst: d.readUInt16BE(0), src: d.readUInt16BE(2) });
    else out.push({ type: 'raw', iei, data: d.toString('hex') });
    i += 2 + len;
  }
  return out;
}

/** The user data of one message, ready for an SMS-DELIVER / SMS-SUBMIT. */
export interface MappedUserData {
  /** TP-DCS octet. */
  dcs: number;
  alphabet: Alphabet;
  /** TP-UDHI. */
  udhi: boolean;
  /** @snaptel/sms user data (header IEs, text or hex body): encode() builds TP-UD from it. */
  ud: UserData;
  /** The header as sent, UDHL included. */
  udh?: Buffer;
  /** TP-UDL the message needs: septets (7-bit, header included) or octets. */
  udl: number;
  /** Fits one TPDU (TP-UDL at most 160 septets / 140 octets). */
  fitsOne: boolean;
  /** Concatenation, from the UDH or the sar_* TLVs. */
  concat?: { ref: number; total: number; seq: number; from: 'udh' | 'sar' };
}

/** short_message octets that are unpacked GSM septets (one per octet) to text. */
function unpackedGsmText(b: Buffer): string {
  const bad = b.findIndex((v) => v > 0x7f);
  if (bad >= 0) throw new SmppMappingError(STATUS.ESME_RINVMSGLEN, 'short_message', `octet 0x${b[bad]!.toString(16)} at ${bad} is no GSM 7-bit septet`);
  return gsm7Text(b);
}

/**
 * short_message (or message_payload) + data_coding + esm_class UDHI + sar_*
 * TLVs to TPDU user data. Text in a 7-bit coding must be representable in
 * the GSM default alphabet and its extension (checked with @snaptel/sms).
 */
export function mapUserData(payload: Buffer, dataCoding: number, esmClass: number, sar: { ref?: number; total?: number; seq?: number }, defaultAlphabet: DefaultAlphabet = 'gsm'): MappedUserData {
  const c = tpDcsOf(dataCoding);
  const udhi = (esmClass & 0x40) !== 0;
  let udh: Buffer | undefined;
  let body = payload;
  let header: UdhElement[] | undefined;
  if (udhi) {
    if (payload.length === 0 || payload[0]! + 1 > payload.length) throw new SmppMappingError(STATUS.ESME_RINVMSGLEN, 'short_message', 'UDHI set but the UDH length exceeds the message');
    udh = payload.subarray(0, payload[0]! + 1);
    body = payload.subarray(udh.length);
    header = parseUdh(udh);
  }
  const ud: UserData = {};
  if (header) ud.header = header;
  let udl: number;
  if (c.alphabet === 'gsm7') {
    const text = c.text === 'gsm' && defaultAlphabet === 'gsm' ? unpackedGsmText(body) : body.toString(c.text === 'ascii' ? 'ascii' : 'latin1');
    let septets: number;
    try {
      septets = gsm7Septets(text).length;
    } catch (e) {
      throw new SmppMappingError(STATUS.ESME_RINVDCS, 'short_message', `text not in the GSM 7-bit alphabet: ${(e as Error).message}`);
    }
    ud.text = text;
    udl = Math.ceil(((udh?.length ?? 0) * 8) / 7) + septets;
  } else if (c.alphabet === 'ucs2') {
    if (body.length % 2) throw new SmppMappingError(STATUS.ESME_RINVMSGLEN, 'short_message', 'UCS2 text of an odd number of octets');
    let t = '';
    for (let i = 0; i < body.length; i += 2) t += String.fromCharCode(body.readUInt16BE(i));
    ud.text = t;
    udl = payload.length;
  } else {
    ud.body = body.toString('hex');
    udl = payload.length;
  }
  const out: MappedUserData = { dcs: c.dcs, alphabet: c.alphabet, udhi, ud, udl, fitsOne: c.alphabet === 'gsm7' ? udl <= 160 : udl <= 140 };
  if (udh) out.udh = Buffer.from(udh);
  const h = header?.find((e) => e.type === 'concat8' || e.type === 'concat16') as { ref: number; total: number; seq: number } | undefined;
  if (h) out.concat = { ref: h.ref, total: h.total, seq: h.seq, from: 'udh' };
  else if (sar.ref !== undefined && sar.total !== undefined && sar.seq !== undefined) out.concat = { ref: sar.ref, total: sar.total, seq: sar.seq, from: 'sar' };
  return out;
}

/** SMPP 3.4 §5.2.28 message_state values. */
export const MESSAGE_STATE = { ENROUTE: 1, DELIVERED: 2, EXPIRED: 3, DELETED: 4, UNDELIVERABLE: 5, ACCEPTED: 6, UNKNOWN: 7, REJECTED: 8 } as const;
export type MessageState = keyof typeof MESSAGE_STATE;

/** The `stat:` words of SMPP 3.4 Appendix B, by message state. */
export const RECEIPT_STAT: Record<MessageState, string> = {
  ENROUTE: 'ENROUTE',
  DELIVERED: 'DELIVRD',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNDELIVERABLE: 'UNDELIV',
  ACCEPTED: 'ACCEPTD',
  UNKNOWN: 'UNKNOWN',
  REJECTED: 'REJECTD',
};

export interface Receipt {
  messageId: string;
  state: MessageState;
  submitted: number;
  done: number;
  /** Messages submitted / delivered (Appendix B `sub`, `dlvrd`); default 1 and 1 or 0. */
  sub?: number;
  dlvrd?: number;
  /** Network error code (Appendix B `err`, 3 digits). */
  err?: number;
  /** The first characters of the original text (at most 20). */
  text?: string;
}

function yymmddhhmm(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

/** SMPP 3.4 Appendix B receipt text. */
export function receiptText(r: Receipt): string {
  const three = (n: number) => String(n).padStart(3, '0');
  const dlvrd = r.dlvrd ?? (r.state === 'DELIVERED' ? 1 : 0);
  return `id:${r.messageId} sub:${three(r.sub ?? 1)} dlvrd:${three(dlvrd)} submit date:${yymmddhhmm(r.submitted)} done date:${yymmddhhmm(r.done)} stat:${RECEIPT_STAT[r.state]} err:${three(r.err ?? 0)} Text:${(r.text ?? '').slice(0, 20)}`;
}

/** Parses an Appendix B receipt text back (for an ESME client, and tests). */
export function parseReceiptText(s: string): Record<string, string> | undefined {
  const m = /^id:(\S+) sub:(\d+) dlvrd:(\d+) submit date:(\d{10}) done date:(\d{10}) stat:(\w+) err:(\w+) [Tt]ext:(.*)$/s.exec(s);
  if (!m) return undefined;
  const [id, sub, dlvrd, submitDate, doneDate, stat, err, text] = m.slice(1);
  return { id: id!, sub: sub!, dlvrd: dlvrd!, submitDate: submitDate!, doneDate: doneDate!, stat: stat!, err: err!, text: text! };
}

/** A text for deliver_sm: data_coding and short_message octets (GSM unpacked when it fits, else UCS2). */
export function encodeText(text: string, defaultAlphabet: DefaultAlphabet = 'gsm'): { dataCoding: number; bytes: Buffer } {
  let septets: number[] | undefined;
  try {
    septets = gsm7Septets(text);
  } catch {
    septets = undefined;
  }
  if (septets) {
    if (defaultAlphabet === 'gsm') return { dataCoding: 0, bytes: Buffer.from(septets) };
    if (/^[\x00-\xff]*$/.test(text)) return { dataCoding: 3, bytes: Buffer.from(text, 'latin1') };
  }
  const b = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) b.writeUInt16BE(text.charCodeAt(i), 2 * i);
  return { dataCoding: 8, bytes: b };
}
