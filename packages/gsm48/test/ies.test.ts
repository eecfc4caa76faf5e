import { describe, expect, it } from 'vitest';
import { fromHex, Reader, toHex, Writer, type ValueCodec } from '@snaptel/codec';
import { bcdNumber, bearerCapability, cause, lai, mobileIdentity, progressIndicator } from '../src';

/**
 * IE value codecs on vectors from libosmocore's tests/gsm0408/gsm0408_test.ok
 * (mobile identity TLVs "17 LL ..." and LAI encodings printed by its
 * test_mid_* / test_lai_* cases; only the value octets are used here) and
 * on hand-coded TS 24.008 §10.5 layouts. Expected values are written by hand.
 */
function dec<T>(c: ValueCodec<T>, hex: string): T {
  const b = fromHex(hex);
  return c.decode(new Reader(b, 'test'), b.length);
}
function enc<T>(c: ValueCodec<T>, v: T): string {
  const w = new Writer();
  c.encode(v, w);
  return toHex(w.finish());
}
function roundTrip<T>(c: ValueCodec<T>, hex: string, want: T): void {
  expect(dec(c, hex)).toEqual(want);
  expect(enc(c, want)).toBe(hex);
}

describe('mobile identity (libosmocore gsm0408_test.ok)', () => {
  const cases: [string, unknown][] = [
    ['1932547698103254', { type: 'imsi', digits: '123456789012345' }],
    ['11325476981032f4', { type: 'imsi', digits: '12345678901234' }],
    ['413224f3', { type: 'imsi', digits: '423423' }],
    ['49322453', { type: 'imsi', digits: '4234235' }],
    ['1a32547698103254', { type: 'imei', digits: '123456789012345' }],
    ['92785634129078f6', { type: 'imei', digits: '98765432109876' }],
    ['9a78563412907856', { type: 'imei', digits: '987654321098765' }],
    ['937856341290785634f2', { type: 'imeisv', digits: '987654321098765432' }],
    ['f412345678', { type: 'tmsi', tmsi: 0x12345678 }],
    ['f400c0ffee', { type: 'tmsi', tmsi: 0x00c0ffee }],
    ['f400000000', { type: 'tmsi', tmsi: 0 }],
    // type "no identity" with digits in it: not a form we model, kept raw
    ['1832', { type: 'raw', hex: '1832' }],
    ['1032f4', { type: 'raw', hex: '1032f4' }],
  ];
  for (const [hex, want] of cases) it(hex, () => roundTrip(mobileIdentity, hex, want as never));

  it('no identity, and a filler that is not F, are kept exact', () => {
    roundTrip(mobileIdentity, '00', { type: 'none' });
    roundTrip(mobileIdentity, '11325476981032e4', { type: 'raw', hex: '11325476981032e4' });
  });
});

describe('LAI (libosmocore gsm0408_test.ok, gsm48_generate_lai2)', () => {
  const cases: [string, string, string, number][] = [
    ['701721029a', '077', '121', 666],
    ['80f489000b', '084', '98', 11],
    ['00f0000000', '000', '00', 0],
    ['0000000000', '000', '000', 0],
    ['999999ffff', '999', '999', 65535],
    ['00f1200017', '001', '02', 23],
    ['0021000017', '001', '002', 23],
    ['10f2430038', '012', '34', 56],
    ['1042300017', '012', '034', 23],
    ['2163540017', '123', '456', 23],
  ];
  for (const [hex, mcc, mnc, lac] of cases) it(`${hex} = ${mcc}-${mnc}-${lac}`, () => roundTrip(lai, hex, { mcc, mnc, lac }));
});

describe('CC IEs (hand-coded from TS 24.008 §10.5.4)', () => {
  it('BCD number: digits * # a b c, filler, octet 3a', () => {
    roundTrip(bcdNumber, '811a00fb', { ton: 0, npi: 1, digits: '*100#' });
    roundTrip(bcdNumber, '91214365', { ton: 1, npi: 1, digits: '123456' });
    // nibbles C, D, E are a, b, c (TS 24.008 table 10.5.118); the last F is the filler
    roundTrip(bcdNumber, '8121dcfe', { ton: 0, npi: 1, digits: '12abc' });
    roundTrip(bcdNumber, '118394032143f5', { ton: 1, npi: 1, presentation: 0, screening: 3, digits: '49301234' + '5' });
    // an octet 3a with its spare bits set is not modelled: raw
    roundTrip(bcdNumber, '1193940321', { raw: '1193940321' });
  });

  it('cause: with recommendation and diagnostics; odd forms raw', () => {
    roundTrip(cause, 'e090', { codingStandard: 3, location: 0, value: 16 });
    roundTrip(cause, '6081e2aabb', { codingStandard: 3, location: 0, recommendation: 1, value: 98, diagnostics: 'aabb' });
    roundTrip(cause, 'e010', { raw: 'e010' });
  });

  it('progress indicator', () => {
    roundTrip(progressIndicator, 'e288', { codingStandard: 3, location: 2, description: 8 });
    roundTrip(progressIndicator, 'e208', { raw: 'e208' });
  });

  it('bearer capability: speech versions, rest, and extension bit kept', () => {
    roundTrip(bearerCapability, '600402000581', { radioChannelRequirement: 3, codingStandard: 0, transferMode: 0, itc: 0, speechVersions: [4, 2, 0, 5, 1] });
    roundTrip(bearerCapability, 'a0', { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 0 });
    // UDI data call: octets 4 onwards stay hex
    roundTrip(bearerCapability, 'a1 88 21 15 63'.replace(/ /g, ''), { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 1, rest: '88211563', extBit: 1 });
    roundTrip(bearerCapability, '21882115', { radioChannelRequirement: 1, codingStandard: 0, transferMode: 0, itc: 1, rest: '882115' });
  });
});
