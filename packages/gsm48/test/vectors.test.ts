import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, fromHex, toHex } from '@snaptel/codec';
import { decode, encode, type Dtap, type DtapMessage } from '../src';
import { CASES } from './cases';
import { ourFields } from './fields';
import { VECTORS } from './vectors';

describe('external vectors and our encodings: decode, key fields, byte-exact re-encode', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const bytes = fromHex(c.hex);
      const m = decode(bytes, c.direction);
      expect(m.type).not.toBe('unknown');
      const { msgType: _, ...want } = c.expect;
      expect(ourFields(m)).toEqual(want);
      // through JSON, so that the message form really is JSON-friendly
      const again = encode(JSON.parse(JSON.stringify(m)) as Dtap);
      expect(toHex(again)).toBe(toHex(bytes));
      if (c.json) expect(toHex(encode(c.json as Dtap))).toBe(toHex(bytes));
    });
  }
  it('covers every external vector', () => {
    expect(CASES.filter((c) => c.name.startsWith('osmo-msc:')).length).toBe(VECTORS.length);
  });
});

describe('header fields', () => {
  it('reads TI flag/value and N(SD) of CC, skip indicator of MM, from hand-read octets', () => {
    const setup = decode(fromHex('0385 0406600402000581 5e038121f3'), 'mo') as DtapMessage;
    expect([setup.tiFlag, setup.ti, setup.seq]).toEqual([0, 0, 2]);
    const conf = decode(fromHex('8348 0406600402000581'), 'mo') as DtapMessage;
    expect([conf.tiFlag, conf.ti, conf.seq, conf.type]).toEqual([1, 0, 1, 'Call Confirmed']);
    const ack = decode(fromHex('03cf'), 'mo') as DtapMessage;
    expect(ack.seq).toBe(3);
    const lu = decode(fromHex('050870 09f107 0017 57 089910070000106005'), 'mo') as DtapMessage;
    expect([lu.skip, lu.seq]).toEqual([0, 0]);
    expect(lu.ies.locationUpdatingType).toEqual({ type: 'normal', followOnRequest: false });
    expect(lu.ies.cksn).toBe(7);
    const cm = decode(fromHex('052471 03575886 089910070000106005'), 'mo') as DtapMessage;
    expect([cm.ies.cmServiceType, cm.ies.cksn]).toEqual([1, 7]);
    // TI value 7 takes an extension octet (TS 24.007 §11.2.3.1.3)
    const ext = decode(fromHex('f3 85 2d'), 'mt') as DtapMessage;
    expect([ext.tiFlag, ext.ti, ext.tiExt, ext.type]).toEqual([1, 7, 0x85, 'Release']);
    expect(toHex(encode(ext))).toBe('f3852d');
  });

  it('reads bearer capability speech versions and the MT/MO forms of Setup', () => {
    const s = decode(fromHex('0385 0406600402000581 5e038121f3'), 'mo') as DtapMessage;
    expect(s.ies.bearerCapability1).toEqual({ radioChannelRequirement: 3, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [4, 2, 0, 5, 1] });
    // an MT Setup has no mandatory called number; an MO one must
    expect(() => decode(fromHex('0305 0403600485'), 'mo')).toThrowError(DecodeError);
    expect((decode(fromHex('0305 0403600485'), 'mt') as DtapMessage).ies.bearerCapability1).toMatchObject({ speechVersions: [4, 5] });
  });

  it('decodes the RP-DATA and its SMS-DELIVER from the osmo-msc MT SMS', () => {
    const m = decode(fromHex(VECTORS[23]!.hex), 'mt') as DtapMessage;
    const rp = m.ies.rpdu as any;
    expect(rp.type).toBe('RP-DATA');
    expect(rp.direction).toBe('mt');
    expect(rp.originator).toEqual({ ton: 1, npi: 1, digits: '447785016005' });
    expect(rp.destination).toBeNull();
    expect(rp.userData.type).toBe('SMS-DELIVER');
    expect(rp.userData.scts).toMatchObject({ year: 70, month: 1, day: 1 });
  });

  it('keeps unknown message types and protocol discriminators raw', () => {
    expect(decode(fromHex('0533 01 02'), 'mo')).toEqual({ type: 'unknown', direction: 'mo', raw: '05330102' });
    expect(decode(fromHex('0f 01'), 'mt')).toEqual({ type: 'unknown', direction: 'mt', raw: '0f01' });
    expect(toHex(encode({ type: 'unknown', direction: 'mo', raw: '05330102' }))).toBe('05330102');
  });

  it('keeps unknown optional IEs in order and re-encodes byte-exact', () => {
    // CC Release with an unknown TLV IE 0x50 and an unknown type 1 IE 0x9x between known ones
    const hex = '032d 0802e090 500101 93 1c0100';
    const m = decode(fromHex(hex), 'mt') as DtapMessage;
    expect(m.ies.order).toEqual(['cause', { raw: '500101' }, { raw: '93' }, 'facility']);
    expect(toHex(encode(m))).toBe(hex.replace(/ /g, ''));
  });
});

describe('errors name protocol, message, IE and offset', () => {
  const err = (hex: string, dir: 'mo' | 'mt' = 'mo'): DecodeError => {
    try {
      decode(fromHex(hex), dir);
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      return e as DecodeError;
    }
    throw new Error('no error');
  };

  it('truncated mobile identity in a LU Request', () => {
    const e = err('050870 09f107 0017 57 0899100700');
    expect([e.protocol, e.messageType, e.ie, e.offset]).toEqual(['dtap', 'Location Updating Request', 'mobileIdentity', 9]);
  });

  it('CC IE with comprehension required (0000xxxx) unknown', () => {
    const e = err('032d 0e0100', 'mt');
    expect([e.messageType, e.offset]).toEqual(['Release', 2]);
    expect(e.reason).toMatch(/comprehension required/);
  });

  it('missing mandatory IE with IEI (SS Register without facility)', () => {
    const e = err('0b3b 7f0100');
    expect([e.messageType, e.ie]).toEqual(['Register', 'facility']);
  });

  it('length out of bounds (classmark 2 of 2 octets)', () => {
    const e = err('052471 025758 089910070000106005');
    expect([e.ie, e.offset]).toEqual(['classmark2', 3]);
  });

  it('a bad TPDU inside RP-DATA is reported at its absolute offset', () => {
    // RP-DATA MT whose TPDU (SMS-DELIVER) is cut after its first octet
    // (@snaptel/sms names its own protocol; the TPDU starts at byte 8, its TP-OA length would be at 9)
    const e = err('0901 06 0100 00 00 01 04', 'mt');
    expect([e.protocol, e.messageType, e.ie, e.offset]).toEqual(['sms', 'SMS-DELIVER', 'TP-OA', 9]);
  });

  it('encode rejects a missing mandatory IE and out-of-range values', () => {
    expect(() => encode({ pd: 'mm', type: 'MM Status', direction: 'mt', ies: {} })).toThrowError(EncodeError);
    expect(() => encode({ pd: 'cc', type: 'Disconnect', direction: 'mo', ti: 9, ies: { cause: { codingStandard: 3, location: 0, value: 16 } } } as Dtap)).toThrowError(EncodeError);
    expect(() => encode({ pd: 'mm', type: 'No Such Message', direction: 'mt', ies: {} })).toThrowError(EncodeError);
  });
});
