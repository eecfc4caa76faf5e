import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS, STATUS, SmppDecodeError, TLVS, decodePdu, encodePdu, formatSmppTime, mapUserData, receiptText, smppTime, SmppMappingError } from '../src';
import { smpp } from './helpers';

const defs = require('smpp/lib/defs') as any;

describe('tables against the npm smpp package (an independent transcription of SMPP 3.4)', () => {
  it('every command id', () => {
    for (const c of COMMANDS) expect(defs.commands[c.name]?.id, c.name).toBe(c.id);
  });
  it('every TLV tag', () => {
    const rename: Record<string, string> = { destination_port: 'dest_port' };
    for (const t of TLVS) expect(defs.tlvs[rename[t.name] ?? t.name]?.id, t.name).toBe(t.tag);
  });
  it('every command_status', () => {
    for (const [name, v] of Object.entries(STATUS)) expect(defs.errors[name], name).toBe(v);
  });
  it('the mandatory parameters of the commands both define, in the same order', () => {
    for (const c of COMMANDS) {
      const theirs = Object.keys(defs.commands[c.name].params ?? {});
      const ours = c.fields.map((f) => f.name).filter((n) => n !== 'short_message' || theirs.includes(n));
      expect(ours, c.name).toEqual(theirs);
    }
  });
});

describe('decode bytes the npm smpp package encoded, and the other way round', () => {
  it('bind_transceiver', () => {
    const b = new smpp.PDU('bind_transceiver', { sequence_number: 7, system_id: 'app', password: 'secret', system_type: 'VMS', addr_ton: 1, addr_npi: 1, address_range: '49.*' }).toBuffer();
    expect(decodePdu(b)).toEqual({
      command: 'bind_transceiver',
      id: 9,
      status: 0,
      seq: 7,
      body: { system_id: 'app', password: 'secret', system_type: 'VMS', interface_version: 0x50, addr_ton: 1, addr_npi: 1, address_range: '49.*' },
      tlvs: {},
    });
  });
  it('submit_sm with short_message, sar TLVs and a vendor TLV', () => {
    const p = new smpp.PDU('submit_sm', {
      sequence_number: 3,
      source_addr_ton: 5,
      source_addr: 'Shop',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '4917099999',
      registered_delivery: 1,
      validity_period: '261231235959000+',
      data_coding: 4,
      short_message: Buffer.from('0102ff', 'hex'),
      sar_msg_ref_num: 0x1234,
      sar_total_segments: 3,
      sar_segment_seqnum: 2,
    });
    // A vendor TLV (0x1401) the package cannot encode: appended by hand.
    const b = Buffer.concat([p.toBuffer(), Buffer.from('14010001ab', 'hex')]);
    b.writeUInt32BE(b.length, 0);
    const d = decodePdu(b);
    expect(d.body).toMatchObject({ source_addr_ton: 5, source_addr: 'Shop', destination_addr: '4917099999', registered_delivery: 1, validity_period: '261231235959000+', data_coding: 4, short_message: Buffer.from('0102ff', 'hex') });
    expect(d.tlvs).toEqual({ sar_msg_ref_num: 0x1234, sar_total_segments: 3, sar_segment_seqnum: 2 });
    expect(d.unknownTlvs).toEqual([{ tag: 0x1401, value: Buffer.from('ab', 'hex') }]);
    // Re-encoded: the same octets (TLVs in the same order here).
    expect(encodePdu({ command: d.command, seq: d.seq, body: d.body, tlvs: d.tlvs }).subarray(16)).toEqual(b.subarray(16, b.length - 5));
  });
  it('what we encode, the npm smpp package decodes', () => {
    const b = encodePdu({
      command: 'deliver_sm',
      seq: 99,
      body: { source_addr_ton: 1, source_addr_npi: 1, source_addr: '4915112345', destination_addr: '1234', esm_class: 4, data_coding: 0, short_message: Buffer.from('id:1 stat:DELIVRD') },
      tlvs: { receipted_message_id: '1', message_state: 2, network_error_code: Buffer.from('030000', 'hex') },
    });
    const p = new smpp.PDU(b);
    expect(p.command).toBe('deliver_sm');
    expect(p.sequence_number).toBe(99);
    expect(p.source_addr).toBe('4915112345');
    expect(p.esm_class).toBe(4);
    expect(p.short_message.message).toBe('id:1 stat:DELIVRD');
    expect(p.receipted_message_id).toBe('1');
    expect(p.message_state).toBe(2);
    expect(p.network_error_code).toEqual(Buffer.from('030000', 'hex'));
  });
});

describe('typed errors that name the field, the offset and the status', () => {
  const sub = (o: Record<string, unknown>) => encodePdu({ command: 'submit_sm', seq: 1, body: { destination_addr: '1', short_message: Buffer.from('x'), ...o } });
  it('unknown command_id', () => {
    const e = (() => {
      try {
        decodePdu(Buffer.from('00000010000001ff0000000000000001', 'hex'));
      } catch (x) {
        return x as SmppDecodeError;
      }
    })()!;
    expect(e).toBeInstanceOf(SmppDecodeError);
    expect(e).toMatchObject({ protocol: 'smpp', ie: 'command_id', offset: 4, status: STATUS.ESME_RINVCMDID });
  });
  it('an address without its NUL, too long, a bad TLV length', () => {
    const b = sub({});
    const noNul = Buffer.from(b.subarray(0, 16 + 1 + 2 + 1 + 2 + 1));
    noNul.writeUInt32BE(noNul.length, 0);
    noNul[noNul.length - 1] = 0x31;
    expect(() => decodePdu(noNul)).toThrow(expect.objectContaining({ ie: 'destination_addr', status: STATUS.ESME_RINVDSTADR }));
    const long = Buffer.from(b);
    expect(() => encodePdu({ command: 'submit_sm', seq: 1, body: { destination_addr: '1'.repeat(21) } })).toThrow(/at most 21/);
    const badTlv = Buffer.concat([long, Buffer.from('020c000112', 'hex')]);
    badTlv.writeUInt32BE(badTlv.length, 0);
    expect(() => decodePdu(badTlv)).toThrow(expect.objectContaining({ ie: 'sar_msg_ref_num', status: STATUS.ESME_RINVTLVLEN, offset: long.length }));
    const stray = Buffer.concat([long, Buffer.from('02', 'hex')]);
    stray.writeUInt32BE(stray.length, 0);
    expect(() => decodePdu(stray)).toThrow(expect.objectContaining({ status: STATUS.ESME_RINVTLVSTREAM }));
  });
  it('fast-check: random bytes decode or throw SmppDecodeError; what decodes re-encodes and decodes the same', () => {
    const ids = COMMANDS.map((c) => c.id);
    fc.assert(
      fc.property(fc.constantFrom(...ids), fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 3 }), (id, body, status) => {
        const b = Buffer.alloc(16 + body.length);
        b.writeUInt32BE(b.length, 0);
        b.writeUInt32BE(id, 4);
        b.writeUInt32BE(status, 8);
        b.writeUInt32BE(5, 12);
        Buffer.from(body).copy(b, 16);
        let d;
        try {
          d = decodePdu(b);
        } catch (e) {
          expect(e).toBeInstanceOf(SmppDecodeError);
          return;
        }
        const again = decodePdu(encodePdu({ command: d.command, seq: d.seq, status: d.status, body: d.status && !Object.keys(d.body).length ? undefined : d.body, tlvs: d.tlvs }));
        expect(again.body).toEqual(d.body);
        expect(again.tlvs).toEqual(d.tlvs);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('mapping', () => {
  const now = Date.UTC(2026, 10, 25, 2, 0, 0);
  it('absolute times with their UTC offset, relative times', () => {
    expect(smppTime('261125120000004+', now)).toBe(Date.UTC(2026, 10, 25, 11, 0, 0));
    expect(smppTime('261125120000508-', now)).toBe(Date.UTC(2026, 10, 25, 14, 0, 0, 500));
    expect(smppTime('000000013000000R', now)).toBe(now + 90 * 60_000);
    expect(smppTime('000102000000000R', now)).toBe(Date.UTC(2026, 11, 27, 2, 0, 0));
    expect(smppTime('', now)).toBeUndefined();
    expect(() => smppTime('261131120000000+', now)).toThrow(SmppMappingError);
    expect(() => smppTime('26113112000000+', now, STATUS.ESME_RINVSCHED)).toThrow(expect.objectContaining({ status: STATUS.ESME_RINVSCHED }));
    expect(formatSmppTime(Date.UTC(2026, 0, 2, 3, 4, 5, 600))).toBe('260102030405600+');
  });
  it('absolute times agree with the npm smpp package decoding them', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-02T00:00:00Z'), max: new Date('2099-12-30T00:00:00Z'), noInvalidDate: true }), fc.integer({ min: -48, max: 48 }), (d, q) => {
        const ms = Math.floor(d.getTime() / 100) * 100;
        const local = new Date(ms + q * 15 * 60_000);
        const s = formatSmppTime(local.getTime()).slice(0, 13) + String(Math.abs(q)).padStart(2, '0') + (q < 0 ? '-' : '+');
        expect(smppTime(s, now)).toBe(ms);
        expect(defs.filters.time.decode(s).getTime()).toBe(ms);
      }),
      { numRuns: 300 },
    );
  });
  it('a GSM text that is not GSM: ESME_RINVDCS; septets counted with the extension table', () => {
    expect(() => mapUserData(Buffer.from('Привет', 'latin1'), 3, 0, {})).toThrow(expect.objectContaining({ status: STATUS.ESME_RINVDCS }));
    expect(mapUserData(Buffer.from([0x1b, 0x65]), 0, 0, {})).toMatchObject({ udl: 2, ud: { text: '€' } });
    const udh = Buffer.from('0608040102030401', 'hex').subarray(0, 7);
    udh[0] = 6;
    const m = mapUserData(Buffer.concat([udh, Buffer.from('ab')]), 0, 0x40, {});
    // 7 header octets are 8 septets, plus 2 text septets.
    expect(m).toMatchObject({ udl: 10, concat: { ref: 0x0102, total: 3, seq: 4, from: 'udh' } });
  });
  it('receipt text in the Appendix B layout', () => {
    expect(receiptText({ messageId: '7', state: 'UNDELIVERABLE', submitted: 0, done: 60_000, err: 27, text: 'hi' })).toBe('id:7 sub:001 dlvrd:000 submit date:7001010000 done date:7001010001 stat:UNDELIV err:027 Text:hi');
  });
});
