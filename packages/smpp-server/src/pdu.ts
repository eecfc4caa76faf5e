import { DecodeError, EncodeError, Reader, Writer } from '@snaptel/codec';

/**
 * SMPP 3.4 PDUs as data: every command with its mandatory parameters in
 * order (type, maximum size including the NUL of a C-Octet String, and the
 * command status an oversized or missing value earns), every optional
 * parameter (TLV) by tag. One walker decodes and encodes them all.
 * Sources: SMPP v3.4 issue 1.2, §4 (PDU definitions), §5.2 (field sizes),
 * §5.3 (TLVs), §5.1.3 (command_status values).
 */

export const PROTOCOL = 'smpp';

/** command_status values (SMPP 3.4 §5.1.3), the ones this server uses and answers. */
export const STATUS = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPRTFLG: 0x06,
  ESME_RINVREGDLVFLG: 0x07,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSERTYP: 0x15,
  ESME_RINVESMCLASS: 0x43,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSRCTON: 0x48,
  ESME_RINVSRCNPI: 0x49,
  ESME_RINVDSTTON: 0x50,
  ESME_RINVDSTNPI: 0x51,
  ESME_RINVSYSTYP: 0x53,
  ESME_RINVREPFLAG: 0x54,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RX_T_APPN: 0x64,
  ESME_RINVTLVSTREAM: 0xc0,
  ESME_RINVTLVLEN: 0xc2,
  ESME_RINVTLVVAL: 0xc4,
  ESME_RINVDCS: 0x104,
  ESME_RUNKNOWNERR: 0xff,
} as const;

export const STATUS_NAME: ReadonlyMap<number, string> = new Map(Object.entries(STATUS).map(([k, v]) => [v, k]));

export type FieldType = 'u8' | 'u16' | 'u32' | 'cstr' | 'octets';

export interface FieldDef {
  name: string;
  type: FieldType;
  /** cstr: maximum octets including the NUL; octets: maximum length. */
  max?: number;
  /** For a time field: exactly 1 (empty) or 17 octets. */
  time?: true;
  /** Status for a bad value of this field (default ESME_RINVCMDLEN). */
  err?: number;
}

const S = STATUS;
const systemId: FieldDef = { name: 'system_id', type: 'cstr', max: 16, err: S.ESME_RINVSYSID };
const bindBody: FieldDef[] = [
  systemId,
  { name: 'password', type: 'cstr', max: 9, err: S.ESME_RINVPASWD },
  { name: 'system_type', type: 'cstr', max: 13, err: S.ESME_RINVSYSTYP },
  { name: 'interface_version', type: 'u8' },
  { name: 'addr_ton', type: 'u8' },
  { name: 'addr_npi', type: 'u8' },
  { name: 'address_range', type: 'cstr', max: 41 },
];
const src: FieldDef[] = [
  { name: 'source_addr_ton', type: 'u8', err: S.ESME_RINVSRCTON },
  { name: 'source_addr_npi', type: 'u8', err: S.ESME_RINVSRCNPI },
  { name: 'source_addr', type: 'cstr', max: 21, err: S.ESME_RINVSRCADR },
];
const dst: FieldDef[] = [
  { name: 'dest_addr_ton', type: 'u8', err: S.ESME_RINVDSTTON },
  { name: 'dest_addr_npi', type: 'u8', err: S.ESME_RINVDSTNPI },
  { name: 'destination_addr', type: 'cstr', max: 21, err: S.ESME_RINVDSTADR },
];
const serviceType: FieldDef = { name: 'service_type', type: 'cstr', max: 6, err: S.ESME_RINVSERTYP };
const smBody: FieldDef[] = [
  serviceType,
  ...src,
  ...dst,
  { name: 'esm_class', type: 'u8', err: S.ESME_RINVESMCLASS },
  { name: 'protocol_id', type: 'u8' },
  { name: 'priority_flag', type: 'u8', err: S.ESME_RINVPRTFLG },
  { name: 'schedule_delivery_time', type: 'cstr', max: 17, time: true, err: S.ESME_RINVSCHED },
  { name: 'validity_period', type: 'cstr', max: 17, time: true, err: S.ESME_RINVEXPIRY },
  { name: 'registered_delivery', type: 'u8', err: S.ESME_RINVREGDLVFLG },
  { name: 'replace_if_present_flag', type: 'u8', err: S.ESME_RINVREPFLAG },
  { name: 'data_coding', type: 'u8', err: S.ESME_RINVDCS },
  { name: 'sm_default_msg_id', type: 'u8' },
  { name: 'short_message', type: 'octets', max: 254, err: S.ESME_RINVMSGLEN },
];
const messageId: FieldDef = { name: 'message_id', type: 'cstr', max: 65, err: S.ESME_RINVMSGID };

export interface CommandDef {
  name: string;
  id: number;
  fields: FieldDef[];
}

/** SMPP 3.4 §4: the commands this codec knows, with their mandatory parameters. */
export const COMMANDS: readonly CommandDef[] = [
  { name: 'generic_nack', id: 0x80000000, fields: [] },
  { name: 'bind_receiver', id: 0x00000001, fields: bindBody },
  { name: 'bind_receiver_resp', id: 0x80000001, fields: [systemId] },
  { name: 'bind_transmitter', id: 0x00000002, fields: bindBody },
  { name: 'bind_transmitter_resp', id: 0x80000002, fields: [systemId] },
  { name: 'query_sm', id: 0x00000003, fields: [messageId, ...src] },
  { name: 'query_sm_resp', id: 0x80000003, fields: [messageId, { name: 'final_date', type: 'cstr', max: 17, time: true }, { name: 'message_state', type: 'u8' }, { name: 'error_code', type: 'u8' }] },
  { name: 'submit_sm', id: 0x00000004, fields: smBody },
  { name: 'submit_sm_resp', id: 0x80000004, fields: [messageId] },
  { name: 'deliver_sm', id: 0x00000005, fields: smBody },
  { name: 'deliver_sm_resp', id: 0x80000005, fields: [messageId] },
  { name: 'unbind', id: 0x00000006, fields: [] },
  { name: 'unbind_resp', id: 0x80000006, fields: [] },
  { name: 'replace_sm', id: 0x00000007, fields: [messageId, ...src, smBody[10]!, smBody[11]!, smBody[12]!, smBody[15]!, smBody[16]!] },
  { name: 'replace_sm_resp', id: 0x80000007, fields: [] },
  { name: 'cancel_sm', id: 0x00000008, fields: [serviceType, messageId, ...src, ...dst] },
  { name: 'cancel_sm_resp', id: 0x80000008, fields: [] },
  { name: 'bind_transceiver', id: 0x00000009, fields: bindBody },
  { name: 'bind_transceiver_resp', id: 0x80000009, fields: [systemId] },
  { name: 'outbind', id: 0x0000000b, fields: [systemId, bindBody[1]!] },
  { name: 'enquire_link', id: 0x00000015, fields: [] },
  { name: 'enquire_link_resp', id: 0x80000015, fields: [] },
  { name: 'alert_notification', id: 0x00000102, fields: [...src, { name: 'esme_addr_ton', type: 'u8' }, { name: 'esme_addr_npi', type: 'u8' }, { name: 'esme_addr', type: 'cstr', max: 65 }] },
  {
    name: 'data_sm',
    id: 0x00000103,
    fields: [serviceType, ...src, { ...dst[0]! }, { ...dst[1]! }, { name: 'destination_addr', type: 'cstr', max: 65, err: S.ESME_RINVDSTADR } as FieldDef, smBody[7]!, smBody[12]!, smBody[14]!].map((f): FieldDef =>
      f.name === 'source_addr' ? { ...f, max: 65 } : f,
    ),
  },
  { name: 'data_sm_resp', id: 0x80000103, fields: [messageId] },
];

export const COMMAND_BY_ID: ReadonlyMap<number, CommandDef> = new Map(COMMANDS.map((c) => [c.id, c]));
export const COMMAND_BY_NAME: ReadonlyMap<string, CommandDef> = new Map(COMMANDS.map((c) => [c.name, c]));

export interface TlvDef {
  name: string;
  tag: number;
  type: 'u8' | 'u16' | 'u32' | 'cstr' | 'octets';
}

/** SMPP 3.4 §5.3.2: optional parameters. Unknown tags are kept raw (§3.2.3: ignore what you do not know). */
export const TLVS: readonly TlvDef[] = [
  { name: 'dest_addr_subunit', tag: 0x0005, type: 'u8' },
  { name: 'dest_network_type', tag: 0x0006, type: 'u8' },
  { name: 'dest_bearer_type', tag: 0x0007, type: 'u8' },
  { name: 'dest_telematics_id', tag: 0x0008, type: 'u16' },
  { name: 'source_addr_subunit', tag: 0x000d, type: 'u8' },
  { name: 'source_network_type', tag: 0x000e, type: 'u8' },
  { name: 'source_bearer_type', tag: 0x000f, type: 'u8' },
  { name: 'source_telematics_id', tag: 0x0010, type: 'u8' },
  { name: 'qos_time_to_live', tag: 0x0017, type: 'u32' },
  { name: 'payload_type', tag: 0x0019, type: 'u8' },
  { name: 'additional_status_info_text', tag: 0x001d, type: 'cstr' },
  { name: 'receipted_message_id', tag: 0x001e, type: 'cstr' },
  { name: 'ms_msg_wait_facilities', tag: 0x0030, type: 'u8' },
  { name: 'privacy_indicator', tag: 0x0201, type: 'u8' },
  { name: 'source_subaddress', tag: 0x0202, type: 'octets' },
  { name: 'dest_subaddress', tag: 0x0203, type: 'octets' },
  { name: 'user_message_reference', tag: 0x0204, type: 'u16' },
  { name: 'user_response_code', tag: 0x0205, type: 'u8' },
  { name: 'source_port', tag: 0x020a, type: 'u16' },
  { name: 'destination_port', tag: 0x020b, type: 'u16' },
  { name: 'sar_msg_ref_num', tag: 0x020c, type: 'u16' },
  { name: 'language_indicator', tag: 0x020d, type: 'u8' },
  { name: 'sar_total_segments', tag: 0x020e, type: 'u8' },
  { name: 'sar_segment_seqnum', tag: 0x020f, type: 'u8' },
  { name: 'sc_interface_version', tag: 0x0210, type: 'u8' },
  { name: 'callback_num_pres_ind', tag: 0x0302, type: 'u8' },
  { name: 'callback_num_atag', tag: 0x0303, type: 'octets' },
  { name: 'number_of_messages', tag: 0x0304, type: 'u8' },
  { name: 'callback_num', tag: 0x0381, type: 'octets' },
  { name: 'dpf_result', tag: 0x0420, type: 'u8' },
  { name: 'set_dpf', tag: 0x0421, type: 'u8' },
  { name: 'ms_availability_status', tag: 0x0422, type: 'u8' },
  { name: 'network_error_code', tag: 0x0423, type: 'octets' },
  { name: 'message_payload', tag: 0x0424, type: 'octets' },
  { name: 'delivery_failure_reason', tag: 0x0425, type: 'u8' },
  { name: 'more_messages_to_send', tag: 0x0426, type: 'u8' },
  { name: 'message_state', tag: 0x0427, type: 'u8' },
  { name: 'ussd_service_op', tag: 0x0501, type: 'u8' },
  { name: 'display_time', tag: 0x1201, type: 'u8' },
  { name: 'sms_signal', tag: 0x1203, type: 'u16' },
  { name: 'ms_validity', tag: 0x1204, type: 'u8' },
  { name: 'alert_on_message_delivery', tag: 0x130c, type: 'octets' },
  { name: 'its_reply_type', tag: 0x1380, type: 'u8' },
  { name: 'its_session_info', tag: 0x1383, type: 'octets' },
];

export const TLV_BY_TAG: ReadonlyMap<number, TlvDef> = new Map(TLVS.map((t) => [t.tag, t]));
export const TLV_BY_NAME: ReadonlyMap<string, TlvDef> = new Map(TLVS.map((t) => [t.name, t]));

export type Value = number | string | Buffer;

/** One PDU. `body` holds the mandatory parameters by name, `tlvs` the known optional ones. */
export interface Pdu {
  command: string;
  id: number;
  status: number;
  seq: number;
  body: Record<string, Value>;
  tlvs: Record<string, Value>;
  /** Optional parameters with tags this codec does not know, in order. */
  unknownTlvs?: { tag: number; value: Buffer }[];
}

/** A PDU that cannot be decoded: where, and the command_status it earns. */
export class SmppDecodeError extends DecodeError {
  constructor(
    messageType: string | undefined,
    ie: string | undefined,
    offset: number,
    reason: string,
    /** The command_status for the response (or generic_nack). */
    readonly status: number,
  ) {
    super(PROTOCOL, messageType, ie, offset, reason);
    this.name = 'SmppDecodeError';
  }
}

export const HEADER_LENGTH = 16;

/** Decodes one whole PDU (command_length included). Throws SmppDecodeError only. */
export function decodePdu(buf: Uint8Array): Pdu {
  const fail = (mt: string | undefined, ie: string | undefined, at: number, reason: string, status: number): never => {
    throw new SmppDecodeError(mt, ie, at, reason, status);
  };
  if (buf.length < HEADER_LENGTH) fail(undefined, 'command_length', 0, `PDU of ${buf.length} octet(s), the header alone needs 16`, S.ESME_RINVCMDLEN);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const length = b.readUInt32BE(0);
  if (length !== buf.length) fail(undefined, 'command_length', 0, `command_length ${length} but ${buf.length} octet(s) given`, S.ESME_RINVCMDLEN);
  const id = b.readUInt32BE(4);
  const status = b.readUInt32BE(8);
  const seq = b.readUInt32BE(12);
  const def = COMMAND_BY_ID.get(id);
  if (!def) fail(undefined, 'command_id', 4, `unknown command_id 0x${id.toString(16).padStart(8, '0')}`, S.ESME_RINVCMDID);
  const mt = def!.name;
  const pdu: Pdu = { command: mt, id, status, seq, body: {}, tlvs: {} };
  const r = new Reader(buf, PROTOCOL, mt, undefined, HEADER_LENGTH);
  // A response with an error status may carry no body (SMPP 3.4 §3.3: "the body is not returned").
  if ((id & 0x80000000) !== 0 && status !== 0 && r.remaining === 0) return pdu;
  for (const f of def!.fields) {
    const at = r.pos;
    if (r.remaining === 0) fail(mt, f.name, at, 'missing mandatory parameter', f.err ?? S.ESME_RINVCMDLEN);
    switch (f.type) {
      case 'u8':
        pdu.body[f.name] = r.u8(f.name);
        break;
      case 'u16':
        if (r.remaining < 2) fail(mt, f.name, at, 'truncated', S.ESME_RINVCMDLEN);
        pdu.body[f.name] = r.u16(f.name);
        break;
      case 'u32':
        if (r.remaining < 4) fail(mt, f.name, at, 'truncated', S.ESME_RINVCMDLEN);
        pdu.body[f.name] = r.u32(f.name);
        break;
      case 'cstr': {
        const max = f.max ?? 256;
        let n = 0;
        while (n < r.remaining && buf[r.pos + n] !== 0) n++;
        if (n === r.remaining) fail(mt, f.name, at, 'C-Octet String without its NUL', f.err ?? S.ESME_RINVCMDLEN);
        if (n + 1 > max) fail(mt, f.name, at, `${n + 1} octets with the NUL, at most ${max}`, f.err ?? S.ESME_RINVCMDLEN);
        if (f.time && n !== 0 && n !== 16) fail(mt, f.name, at, `time of ${n} characters, SMPP wants 16 or none`, f.err ?? S.ESME_RINVCMDLEN);
        pdu.body[f.name] = b.toString('latin1', r.pos, r.pos + n);
        r.pos += n + 1;
        break;
      }
      case 'octets': {
        const n = r.u8(f.name === 'short_message' ? 'sm_length' : f.name);
        if (f.max !== undefined && n > f.max) fail(mt, 'sm_length', at, `sm_length ${n} exceeds ${f.max}`, f.err ?? S.ESME_RINVCMDLEN);
        if (n > r.remaining) fail(mt, f.name, at, `sm_length ${n} but ${r.remaining} octet(s) left`, f.err ?? S.ESME_RINVCMDLEN);
        pdu.body[f.name] = Buffer.from(b.subarray(r.pos, r.pos + n));
        r.pos += n;
        break;
      }
    }
  }
  while (r.remaining > 0) {
    const at = r.pos;
    if (r.remaining < 4) fail(mt, 'TLV', at, `${r.remaining} stray octet(s) where a TLV header needs 4`, S.ESME_RINVTLVSTREAM);
    const tag = r.u16('tag');
    const len = r.u16('length');
    if (len > r.remaining) fail(mt, `TLV 0x${tag.toString(16).padStart(4, '0')}`, at, `length ${len} but ${r.remaining} octet(s) left`, S.ESME_RINVTLVSTREAM);
    const value = Buffer.from(b.subarray(r.pos, r.pos + len));
    r.pos += len;
    const t = TLV_BY_TAG.get(tag);
    if (!t) {
      (pdu.unknownTlvs ??= []).push({ tag, value });
      continue;
    }
    const fixed = t.type === 'u8' ? 1 : t.type === 'u16' ? 2 : t.type === 'u32' ? 4 : undefined;
    if (fixed !== undefined && len !== fixed) fail(mt, t.name, at, `length ${len}, the parameter is ${fixed} octet(s)`, S.ESME_RINVTLVLEN);
    if (t.type === 'u8') pdu.tlvs[t.name] = value[0]!;
    else if (t.type === 'u16') pdu.tlvs[t.name] = value.readUInt16BE(0);
    else if (t.type === 'u32') pdu.tlvs[t.name] = value.readUInt32BE(0);
    else if (t.type === 'cstr') {
      const nul = value.indexOf(0);
      if (nul !== value.length - 1) fail(mt, t.name, at, 'C-Octet String TLV not ending in its only NUL', S.ESME_RINVTLVVAL);
      pdu.tlvs[t.name] = value.toString('latin1', 0, nul);
    } else pdu.tlvs[t.name] = value;
  }
  return pdu;
}

/** What `encodePdu` takes: command name, sequence, status, parameters (missing ones are 0 / empty). */
export interface PduInput {
  command: string;
  seq: number;
  status?: number;
  body?: Record<string, Value | undefined>;
  tlvs?: Record<string, Value | undefined>;
}

/** Encodes one PDU. Throws EncodeError for an unknown command or a value that does not fit. */
export function encodePdu(p: PduInput): Buffer {
  const def = COMMAND_BY_NAME.get(p.command);
  if (!def) throw new EncodeError(PROTOCOL, p.command, undefined, 'unknown command');
  const w = new Writer();
  const status = p.status ?? 0;
  w.u32(0).u32(def.id).u32(status).u32(p.seq >>> 0);
  const bodyless = (def.id & 0x80000000) !== 0 && status !== 0 && def.name !== 'generic_nack' && !p.body;
  if (!bodyless) {
    for (const f of def.fields) {
      const v = p.body?.[f.name];
      const bad = (why: string): never => {
        throw new EncodeError(PROTOCOL, def.name, f.name, why);
      };
      switch (f.type) {
        case 'u8':
        case 'u16':
        case 'u32': {
          const n = v === undefined ? 0 : v;
          const lim = f.type === 'u8' ? 0xff : f.type === 'u16' ? 0xffff : 0xffffffff;
          if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > lim) bad(`${String(n)} is not a ${f.type}`);
          if (f.type === 'u8') w.u8(n as number);
          else if (f.type === 'u16') w.u16(n as number);
          else w.u32(n as number);
          break;
        }
        case 'cstr': {
          const s = v === undefined ? Buffer.alloc(0) : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.isBuffer(v) ? v : bad('not a string');
          if (s.includes(0)) bad('contains a NUL');
          if (f.max !== undefined && s.length + 1 > f.max) bad(`${s.length + 1} octets with the NUL, at most ${f.max}`);
          w.bytes(s).u8(0);
          break;
        }
        case 'octets': {
          const s = v === undefined ? Buffer.alloc(0) : Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : bad('not octets');
          if (s.length > (f.max ?? 255)) bad(`${s.length} octets, at most ${f.max ?? 255}`);
          w.u8(s.length).bytes(s);
          break;
        }
      }
    }
    for (const [name, v] of Object.entries(p.tlvs ?? {})) {
      if (v === undefined) continue;
      const t = TLV_BY_NAME.get(name);
      if (!t) throw new EncodeError(PROTOCOL, def.name, name, 'unknown TLV');
      let val: Buffer;
      if (t.type === 'u8' || t.type === 'u16' || t.type === 'u32') {
        const size = t.type === 'u8' ? 1 : t.type === 'u16' ? 2 : 4;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** (8 * size)) throw new EncodeError(PROTOCOL, def.name, name, `${String(v)} is not a ${t.type}`);
        val = Buffer.alloc(size);
        val.writeUIntBE(v, 0, size);
      } else if (t.type === 'cstr') val = Buffer.concat([Buffer.from(String(v), 'latin1'), Buffer.alloc(1)]);
      else val = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'latin1');
      if (val.length > 0xffff) throw new EncodeError(PROTOCOL, def.name, name, 'longer than 65535 octets');
      w.u16(t.tag).u16(val.length).bytes(val);
    }
  }
  const out = Buffer.from(w.finish());
  out.writeUInt32BE(out.length, 0);
  return out;
}
