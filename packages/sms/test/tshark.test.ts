import { describe, expect, it } from 'vitest';
import { fieldValues, fromHex, LINKTYPE_USER0, toHex, tshark, userDlt, type PcapRecord, type TsharkPacket } from '@snaptel/codec';

/** tshark on bare TPDUs; the record's direction (inbound = MS->SC) picks SUBMIT vs SUBMIT-REPORT etc. */
const tsharkSms = (records: PcapRecord[]): TsharkPacket[] =>
  tshark(records, LINKTYPE_USER0, [...userDlt('gsm_sms'), '-o', 'gsm_sms.reassemble:FALSE']);
import { decode, encode, type SmsMessage, type Tpdu } from '../src';
import { VECTORS } from './vectors';

/**
 * tshark as the oracle. Each case is either an external vector (hex) or a
 * message we encode; `expect` holds the key fields written by hand. tshark's
 * dissection of the bytes and our own decode must both agree with them.
 * MS->SC TPDUs go in packets marked inbound (pcapng direction, see @snaptel/codec).
 */
interface Expect {
  mti: string;
  addr?: { field: 'gsm_sms.tp-oa' | 'gsm_sms.tp-da' | 'gsm_sms.tp-ra'; value: string };
  dcs?: number;
  udl?: number;
  text?: string;
  /** year, month, day, hour, minute, second, |tz| quarters, of the first time stamp */
  scts?: [number, number, number, number, number, number, number];
  concat?: { ref: number; parts: number; part: number };
  fcs?: number;
}

interface Case {
  name: string;
  direction: 'mo' | 'mt';
  hex?: string;
  msg?: SmsMessage;
  expect: Expect;
}

const ts = { year: 24, month: 5, day: 17, hour: 13, minute: 45, second: 9, tz: -20 };

const CASES: Case[] = [
  { name: VECTORS[0]!.name, direction: 'mt', hex: VECTORS[0]!.hex, expect: { mti: '0', addr: { field: 'gsm_sms.tp-oa', value: '27838890001' }, dcs: 0, udl: 10, text: 'hellohello', scts: [99, 3, 29, 15, 16, 59, 8] } },
  { name: VECTORS[1]!.name, direction: 'mo', hex: VECTORS[1]!.hex, expect: { mti: '1', addr: { field: 'gsm_sms.tp-da', value: '46708251358' }, dcs: 0, udl: 10, text: 'hellohello' } },
  { name: VECTORS[2]!.name, direction: 'mt', hex: VECTORS[2]!.hex, expect: { mti: '0', addr: { field: 'gsm_sms.tp-oa', value: '31641600986' }, dcs: 0, udl: 12, text: 'How are you?', scts: [2, 8, 26, 19, 37, 41, 0] } },
  { name: VECTORS[3]!.name, direction: 'mo', hex: VECTORS[3]!.hex, expect: { mti: '1', addr: { field: 'gsm_sms.tp-da', value: '819001234567' }, dcs: 0, udl: 5, text: 'hello' } },
  { name: VECTORS[4]!.name, direction: 'mo', hex: VECTORS[4]!.hex, expect: { mti: '1', addr: { field: 'gsm_sms.tp-da', value: '1234567' }, dcs: 0xf6, udl: 5 } },
  { name: VECTORS[5]!.name, direction: 'mt', hex: VECTORS[5]!.hex, expect: { mti: '2', addr: { field: 'gsm_sms.tp-ra', value: '1234' }, scts: [11, 3, 22, 14, 25, 40, 36] } },
  {
    name: 'DELIVER, alphanumeric OA, UCS2 text',
    direction: 'mt',
    msg: { type: 'SMS-DELIVER', mms: true, oa: { ton: 'alphanumeric', npi: 0, text: 'Design@Home' }, pid: 0, dcs: { value: 0x08 }, scts: ts, ud: { text: 'Привет €' } },
    expect: { mti: '0', addr: { field: 'gsm_sms.tp-oa', value: 'Design@Home' }, dcs: 8, udl: 16, text: 'Привет €', scts: [24, 5, 17, 13, 45, 9, 20] },
  },
  {
    name: 'DELIVER, 7-bit with 8-bit concatenation UDH (1 fill bit) and extension characters',
    direction: 'mt',
    msg: {
      type: 'SMS-DELIVER', oa: { ton: 'international', npi: 1, digits: '4915112345678' }, pid: 0, dcs: { value: 0 }, scts: { ...ts, tz: 8 },
      ud: { header: [{ type: 'concat8', ref: 0x42, total: 2, seq: 1 }], text: 'Hello {world} [1]€ part one' },
    },
    // 6 header octets = 7 septets (incl. 1 fill bit); text 27 chars + 5 escapes ({ } [ ] €) = 32 septets
    expect: { mti: '0', addr: { field: 'gsm_sms.tp-oa', value: '4915112345678' }, dcs: 0, udl: 39, text: 'Hello {world} [1]€ part one', concat: { ref: 0x42, parts: 2, part: 1 }, scts: [24, 5, 17, 13, 45, 9, 8] },
  },
  {
    name: 'SUBMIT, absolute VP, 16-bit concatenation and 16-bit ports',
    direction: 'mo',
    msg: {
      type: 'SMS-SUBMIT', mr: 7, da: { ton: 'national', npi: 1, digits: '0301234567' }, pid: 0, dcs: { value: 0 }, vp: { format: 'absolute', time: ts },
      ud: { header: [{ type: 'concat16', ref: 0x1234, total: 3, seq: 2 }, { type: 'ports16', dst: 2948, src: 9200 }], text: 'abc' },
    },
    // 13 header octets = 104 bits -> 15 septets; + 3
    expect: { mti: '1', addr: { field: 'gsm_sms.tp-da', value: '0301234567' }, dcs: 0, udl: 18, text: 'abc', concat: { ref: 0x1234, parts: 3, part: 2 }, scts: [24, 5, 17, 13, 45, 9, 20] },
  },
  {
    name: 'STATUS-REPORT with PI and 7-bit UD',
    direction: 'mt',
    msg: { type: 'SMS-STATUS-REPORT', mr: 7, ra: { ton: 'international', npi: 1, digits: '447700900123' }, scts: ts, dt: { ...ts, second: 30 }, st: 0x40, pid: 0, dcs: { value: 0 }, ud: { text: 'failed' } },
    expect: { mti: '2', addr: { field: 'gsm_sms.tp-ra', value: '447700900123' }, dcs: 0, udl: 6, text: 'failed', scts: [24, 5, 17, 13, 45, 9, 20] },
  },
  {
    name: 'COMMAND (cancel status report request)',
    direction: 'mo',
    msg: { type: 'SMS-COMMAND', srr: true, mr: 9, pid: 0, ct: 1, mn: 7, da: { ton: 'international', npi: 1, digits: '447700900123' }, cd: '' },
    expect: { mti: '2', addr: { field: 'gsm_sms.tp-da', value: '447700900123' } },
  },
  { name: 'SUBMIT-REPORT for RP-ERROR (SC busy)', direction: 'mt', msg: { type: 'SMS-SUBMIT-REPORT', fcs: 0xc0, scts: ts }, expect: { mti: '1', fcs: 0xc0, scts: [24, 5, 17, 13, 45, 9, 20] } },
  { name: 'SUBMIT-REPORT for RP-ACK', direction: 'mt', msg: { type: 'SMS-SUBMIT-REPORT', scts: ts }, expect: { mti: '1', scts: [24, 5, 17, 13, 45, 9, 20] } },
  { name: 'DELIVER-REPORT for RP-ERROR (memory capacity exceeded)', direction: 'mo', msg: { type: 'SMS-DELIVER-REPORT', fcs: 0xd3 }, expect: { mti: '0', fcs: 0xd3 } },
  { name: 'DELIVER-REPORT for RP-ACK with UD', direction: 'mo', msg: { type: 'SMS-DELIVER-REPORT', pid: 0, dcs: { value: 0 }, ud: { text: 'ok' } }, expect: { mti: '0', dcs: 0, udl: 2, text: 'ok' } },
  {
    name: 'DELIVER, message waiting DCS (store, voicemail active)',
    direction: 'mt',
    msg: { type: 'SMS-DELIVER', oa: { ton: 'international', npi: 1, digits: '123' }, pid: 0, dcs: { value: 0xd8 }, scts: ts, ud: { text: 'vm' } },
    expect: { mti: '0', addr: { field: 'gsm_sms.tp-oa', value: '123' }, dcs: 0xd8, udl: 2, text: 'vm' },
  },
];

const bytesOf = (c: Case): Uint8Array => (c.hex ? fromHex(c.hex) : encode(c.msg!));

describe('tshark (gsm_sms) dissects our TPDUs like we do', () => {
  const packets = tsharkSms(CASES.map((c) => ({ data: bytesOf(c), direction: c.direction === 'mo' ? 'in' : 'out' })));

  it('one packet per case, none malformed, no expert errors', () => {
    expect(packets).toHaveLength(CASES.length);
    for (const p of packets) {
      expect(p.malformed).toBe(false);
      expect(p.expert.filter((e) => /malformed|exception|short data/i.test(e))).toEqual([]);
    }
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const p = packets[i]!;
      const e = c.expect;
      const bytes = bytesOf(c);
      const ours = decode(bytes, c.direction) as Tpdu;
      expect(toHex(encode(ours))).toBe(toHex(bytes));
      expect(fieldValues(p, 'gsm_sms.tp-mti')).toEqual([e.mti]);
      if (e.addr) {
        expect(fieldValues(p, e.addr.field)).toEqual([e.addr.value]);
        const a = ours.oa ?? ours.da ?? ours.ra;
        expect(a?.digits ?? a?.text).toBe(e.addr.value);
      }
      if (e.dcs !== undefined) {
        expect(fieldValues(p, 'gsm_sms.tp-dcs')).toEqual([String(e.dcs)]);
        expect(ours.dcs?.value).toBe(e.dcs);
      }
      if (e.udl !== undefined) {
        expect(fieldValues(p, 'gsm_sms.tp.user_data_length')).toEqual([String(e.udl)]);
        expect(ours.ud?.length).toBe(e.udl);
      }
      if (e.text !== undefined) {
        expect(fieldValues(p, 'gsm_sms.sms_text')).toEqual([e.text]);
        expect(ours.ud?.text).toBe(e.text);
      }
      if (e.scts) {
        const names = ['year', 'month', 'day', 'hour', 'minutes', 'seconds', 'timezone'];
        expect(names.map((n) => fieldValues(p, `gsm_sms.scts.${n}`)[0])).toEqual(e.scts.map(String));
        const t = ours.scts ?? (ours.vp?.format === 'absolute' ? ours.vp.time : undefined);
        expect(t && [t.year, t.month, t.day, t.hour, t.minute, t.second, Math.abs(t.tz)]).toEqual(e.scts);
      }
      if (e.concat) {
        expect(fieldValues(p, 'gsm_sms.udh.mm.msg_id')).toEqual([String(e.concat.ref)]);
        expect(fieldValues(p, 'gsm_sms.udh.mm.msg_parts')).toEqual([String(e.concat.parts)]);
        expect(fieldValues(p, 'gsm_sms.udh.mm.msg_part')).toEqual([String(e.concat.part)]);
        const ie = ours.ud?.header?.find((h) => h.type === 'concat8' || h.type === 'concat16');
        expect(ie).toMatchObject({ ref: e.concat.ref, total: e.concat.parts, seq: e.concat.part });
      }
      if (e.fcs !== undefined) {
        expect(fieldValues(p, 'gsm_sms.tp-fcs')).toEqual(['0x' + e.fcs.toString(16)]);
        expect(ours.fcs).toBe(e.fcs);
      }
    });
  });

  it('the time zone sign matches tshark ("GMT - 5 hours" for -20 quarters)', () => {
    const i = CASES.findIndex((c) => c.name.startsWith('DELIVER, alphanumeric'));
    const tz = packets[i]!.fields.find((f) => f.name === 'gsm_sms.scts.timezone');
    expect(tz?.show).toBe('20');
    const ours = decode(bytesOf(CASES[i]!), 'mt') as Tpdu;
    expect(ours.scts?.tz).toBe(-20);
  });

  it('enhanced VP: tshark 4.0 advances past only the functionality octet, not the 7 octets TS 23.040 §9.2.3.12.3 mandates', () => {
    // FI 01 (relative, next octet), A7 = 24 hours, five zero octets; then UDL 4, UCS2 "日本"
    const msg: SmsMessage = { type: 'SMS-SUBMIT', mr: 200, da: { ton: 'international', npi: 1, digits: '447700900123' }, pid: 0, dcs: { value: 0x08 }, vp: { format: 'enhanced', raw: '01a70000000000' }, ud: { text: '日本' } };
    const bytes = encode(msg);
    expect(toHex(bytes.subarray(-12))).toBe('01a70000000000' + '04' + '65e5672c');
    const ours = decode(bytes, 'mo') as Tpdu;
    expect(ours.vp).toMatchObject({ format: 'enhanced', kind: 'relative', seconds: 24 * 3600 });
    expect(ours.ud?.text).toBe('日本');
    const [p] = tsharkSms([{ data: bytes, direction: 'in' }]);
    expect(fieldValues(p!, 'gsm_sms.vp.validity_period')).toEqual(['167']); // the A7 value octet, read right
    // tshark reads the VP value octet (A7 = 167) as TP-UDL: the known divergence
    expect(fieldValues(p!, 'gsm_sms.tp.user_data_length')).toEqual(['167']);
  });
});
