import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@snaptel/codec';
import { GSM7_DEFAULT, GSM7_EXTENSION, decode, encode, gsm7Pack, gsm7Unpack, type Tpdu } from '../src';
import { VECTORS } from './vectors';

const byName = (n: string) => VECTORS.find((v) => v.name.startsWith(n))!;
const dec = (n: string) => {
  const v = byName(n);
  return decode(fromHex(v.hex), v.direction) as Tpdu;
};

describe('external vectors: decode then encode gives back the same bytes', () => {
  for (const v of VECTORS) {
    it(v.name, () => {
      const bytes = fromHex(v.hex);
      const msg = decode(bytes, v.direction);
      expect(toHex(encode(msg))).toBe(toHex(bytes));
      // and through JSON (the message form is plain data)
      expect(toHex(encode(JSON.parse(JSON.stringify(msg))))).toBe(toHex(bytes));
    });
  }
});

describe('external vectors: fields as the sources annotate them', () => {
  it('dreamfabric DELIVER: sender 27838890001 (type C8), SCTS 99-03-29 15:16:59, "hellohello"', () => {
    const m = dec('dreamfabric SMS-DELIVER');
    expect(m.type).toBe('SMS-DELIVER');
    // C8 = 1 100 1000: TON subscriber (4), NPI national (8)
    expect(m.oa).toEqual({ ton: 'subscriber', npi: 8, digits: '27838890001' });
    expect(m.dcs?.alphabet).toBe('gsm7');
    expect(m.scts).toMatchObject({ year: 99, month: 3, day: 29, hour: 15, minute: 16, second: 59 });
    expect(m.ud?.length).toBe(10);
    expect(m.ud?.text).toBe('hellohello');
  });

  it('dreamfabric SUBMIT: DA +46708251358, VP AA = 4 days, "hellohello"', () => {
    const m = dec('dreamfabric SMS-SUBMIT');
    expect(m.type).toBe('SMS-SUBMIT');
    expect(m.mr).toBe(0);
    expect(m.da).toEqual({ ton: 'international', npi: 1, digits: '46708251358' });
    expect(m.vp).toEqual({ format: 'relative', value: 0xaa, seconds: 4 * 86400 });
    expect(m.ud?.text).toBe('hellohello');
  });

  it('"How are you?" from +31641600986', () => {
    const m = dec('SMS-DELIVER "How are you?"');
    expect(m.oa?.digits).toBe('31641600986');
    expect(m.oa?.ton).toBe('international');
    // octets 20 80 62 91 73 14 read by hand: 02-08-26 19:37:41
    expect(m.scts).toMatchObject({ year: 2, month: 8, day: 26, hour: 19, minute: 37, second: 41 });
    expect(m.ud?.text).toBe('How are you?');
  });

  it('SUBMIT with PID 0x40 to +819001234567, "hello"', () => {
    const m = dec('SMS-SUBMIT "hello" with TP-PID');
    expect(m.pid).toBe(0x40);
    expect(m.da?.digits).toBe('819001234567');
    expect(m.vp).toBeUndefined();
    expect(m.ud?.text).toBe('hello');
  });

  it('SUBMIT 8-bit class 2 "hello"', () => {
    const m = dec('SMS-SUBMIT 8-bit');
    expect(m.dcs).toMatchObject({ value: 0xf6, alphabet: '8bit', messageClass: 2 });
    expect(m.da).toEqual({ ton: 'unknown', npi: 1, digits: '1234567' });
    expect(Buffer.from(fromHex(m.ud!.body!)).toString('latin1')).toBe('hello');
  });

  it('STATUS-REPORT: RA 1234, SCTS and DT 2011-03-22 14:25:40 +09:00, status 0', () => {
    const m = dec('SMS-STATUS-REPORT');
    expect(m.type).toBe('SMS-STATUS-REPORT');
    expect(m.ra).toEqual({ ton: 'unknown', npi: 0, digits: '1234' });
    const t = { year: 11, month: 3, day: 22, hour: 14, minute: 25, second: 40, tz: 36 };
    expect(m.scts).toEqual(t);
    expect(m.dt).toEqual(t);
    expect(m.st).toBe(0);
    expect(m.pi).toBeUndefined();
  });
});

describe('GSM 7-bit packing (TS 23.038 §6.1.2.1.1) on public examples', () => {
  it('"hellohello" packs to E8329BFD4697D9EC37 (dreamfabric)', () => {
    expect(toHex(gsm7Pack('hellohello').bytes)).toBe('e8329bfd4697d9ec37');
    expect(gsm7Unpack(fromHex('E8329BFD4697D9EC37'), 10)).toBe('hellohello');
  });
  it('"hello" packs to E8329BFD06 (9cbs.com/read-46256.html)', () => {
    expect(toHex(gsm7Pack('hello').bytes)).toBe('e8329bfd06');
  });
  it('"CIAO" unpacks from C364F009 (spallared.com/old_nokia/Nokia/codec_pdu_en.html)', () => {
    expect(gsm7Unpack(fromHex('C364F009'), 4)).toBe('CIAO');
  });
  it('"ABCDEFG": 41E19058341E01, and 82C221B1683C02 after a 6-octet UDH (1 fill bit) (Forum Nokia, blog.csdn.net/PengJune/article/details/6401143)', () => {
    expect(toHex(gsm7Pack('ABCDEFG').bytes)).toBe('41e19058341e01');
    expect(toHex(gsm7Pack('ABCDEFG', 1).bytes)).toBe('82c221b1683c02');
    expect(gsm7Unpack(fromHex('82C221B1683C02'), 7, 1)).toBe('ABCDEFG');
  });
  it('extension characters take two septets: "€" is ESC 0x65 (TS 23.038 §6.2.1.1)', () => {
    const p = gsm7Pack('€');
    expect(p.septets).toBe(2);
    // 0x1B | (0x65 << 7) = 0x329B, LSB first
    expect(toHex(p.bytes)).toBe('9b32');
  });
  it('alphabet tables: spot values from TS 23.038 §6.2.1', () => {
    expect(GSM7_DEFAULT[0x00]).toBe('@');
    expect(GSM7_DEFAULT[0x02]).toBe('$');
    expect(GSM7_DEFAULT[0x10]).toBe('Δ');
    expect(GSM7_DEFAULT[0x24]).toBe('¤');
    expect(GSM7_DEFAULT[0x40]).toBe('¡');
    expect(GSM7_DEFAULT[0x7f]).toBe('à');
    expect(GSM7_DEFAULT).toHaveLength(128);
    expect(GSM7_EXTENSION[0x65]).toBe('€');
    expect(GSM7_EXTENSION[0x3c]).toBe('[');
    expect(Object.keys(GSM7_EXTENSION)).toHaveLength(10);
  });
});

describe('constructed messages (expected octets written by hand from TS 23.040)', () => {
  it('alphanumeric OA "Design@Home": 11 septets = 77 bits -> length 20 semi-octets, TOA D0', () => {
    const bytes = encode({
      type: 'SMS-DELIVER',
      oa: { ton: 'alphanumeric', npi: 0, text: 'Design@Home' },
      pid: 0,
      dcs: { value: 0 },
      scts: { year: 24, month: 1, day: 2, hour: 3, minute: 4, second: 5, tz: -20 },
      ud: { text: '' },
    });
    // first octet 00, OA length 14, TOA D0, then packed text
    expect(toHex(bytes.subarray(0, 3))).toBe('0014d0');
    // SCTS: 42 10 20 30 40 50, zone 20 quarters west: digits "20" swapped = 0x02 | sign 0x08 = 0x0A
    expect(toHex(bytes.subarray(15, 22))).toBe('4210203040500a');
    const m = decode(bytes, 'mt') as Tpdu;
    expect(m.oa).toEqual({ ton: 'alphanumeric', npi: 0, text: 'Design@Home' });
    expect(m.scts?.tz).toBe(-20);
  });

  it('SUBMIT-REPORT and DELIVER-REPORT error forms carry TP-FCS; ack forms do not', () => {
    expect(toHex(encode({ type: 'SMS-DELIVER-REPORT', fcs: 0xd3 }))).toBe('00d300');
    expect(decode(fromHex('00d300'), 'mo')).toMatchObject({ type: 'SMS-DELIVER-REPORT', fcs: 0xd3, pi: 0 });
    expect(decode(fromHex('0000'), 'mo')).toEqual({ type: 'SMS-DELIVER-REPORT', udhi: false, pi: 0 });
    expect(decode(fromHex('000000'), 'mo', { report: 'error' })).toMatchObject({ fcs: 0 });
  });

  it('decode names protocol, message, IE and offset on bad input', () => {
    // SUBMIT whose DA claims 11 digits but the TPDU ends after 2 of its 6 octets
    expect(() => decode(fromHex('11000B916407'), 'mo')).toThrowError(/^sms SMS-SUBMIT, IE TP-DA, at byte 4: truncated/);
  });
});
