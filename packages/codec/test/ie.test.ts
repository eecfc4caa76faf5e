import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMessage, decodeIes, DecodeError, encodeIes, EncodeError, fromHex, Reader, toHex, Writer, type IeSpec, type IeValues, type ValueCodec } from '../src';

/**
 * The TS 24.007 §11.2 IE engine on a made-up message that uses every
 * format. All bytes and expected values below are written by hand.
 */
const bytesCodec: ValueCodec<number[]> = {
  decode: (r, len) => {
    if (r.buf[r.pos] === 0xff) r.fail('0xff is not allowed here');
    return Array.from(r.buf.subarray(r.pos, r.pos + len));
  },
  encode: (v, w) => void v.forEach((x) => w.u8(x)),
};

const IES: IeSpec[] = [
  { name: 'lowHalf', format: 'V/2', presence: 'M' },
  { name: 'highHalf', format: 'V/2', presence: 'M' },
  { name: 'fixed', format: 'V', min: 2, presence: 'M' },
  { name: 'lv', format: 'LV', min: 1, max: 3, presence: 'M', codec: bytesCodec },
  { name: 'lve', format: 'LV-E', presence: 'M' },
  { name: 'type1', iei: 0x9, format: 'TV/2', presence: 'O' },
  { name: 'flag', iei: 0xa1, format: 'T', presence: 'O' },
  { name: 'tv', iei: 0x34, format: 'TV', min: 2, presence: 'O' },
  { name: 'tlv', iei: 0x10, format: 'TLV', max: 4, presence: 'O', codec: bytesCodec },
  { name: 'tlvAgain', iei: 0x10, format: 'TLV', presence: 'O' },
  { name: 'tlve', iei: 0x78, format: 'TLV-E', presence: 'O' },
  { name: 'must', iei: 0x20, format: 'TLV', presence: 'M' },
];
const MSG = compileMessage('test', { name: 'Everything', ies: IES });
const CR = compileMessage('test', { name: 'Strict', ies: IES, comprehensionRequired: true });

//           halves  fixed  lv        lve       type1 T   TV        TLV         TLV again TLV-E        M TLV
const FULL = '21    abcd   02 0102   0001 ff   93    a1  34 beef   10 02 0304  10 00     78 0001 07   20 01 09';

function dec(hex: string, m = MSG, start = 0): IeValues {
  const b = fromHex(hex);
  return decodeIes(m, new Reader(b, 'test', m.name, undefined, start), {});
}
function enc(v: IeValues, m = MSG): string {
  const w = new Writer();
  encodeIes(m, v, w);
  return toHex(w.finish());
}
function err(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('did not throw');
}

describe('IE engine', () => {
  it('decodes every format, half octets low nibble first', () => {
    expect(dec(FULL)).toEqual({
      lowHalf: 1,
      highHalf: 2,
      fixed: 'abcd',
      lv: [1, 2],
      lve: 'ff',
      type1: 3,
      flag: true,
      tv: 'beef',
      tlv: [3, 4],
      tlvAgain: '',
      tlve: '07',
      must: '09',
    });
  });

  it('re-encodes byte-exact, in table order', () => {
    expect(enc(dec(FULL))).toBe(FULL.replace(/\s/g, ''));
  });

  it('accepts optional IEs in any order and records the wire order', () => {
    const hex = '21 abcd 0101 0000 2001aa a1 9f';
    const v = dec(hex);
    expect(v.must).toBe('aa');
    expect(v.type1).toBe(15);
    expect(v.order).toEqual(['must', 'flag', 'type1']);
    expect(enc(v)).toBe(hex.replace(/\s/g, ''));
  });

  it('keeps unknown IEs raw, one octet when bit 8 is set (TS 24.007 §11.2.4), TLV otherwise', () => {
    const hex = '21 abcd 0101 0000 b3 5502cafe 2001aa 10 01 01 10 00 10 01 02';
    const v = dec(hex);
    expect(v.order).toEqual([{ raw: 'b3' }, { raw: '5502cafe' }, 'must', 'tlv', 'tlvAgain', { raw: '100102' }]);
    expect(v.tlv).toEqual([1]);
    expect(enc(v)).toBe(hex.replace(/\s/g, ''));
  });

  it('a repeated TV IE beyond the table is skipped by its known length', () => {
    const hex = '21 abcd 0101 0000 2001aa 341234 34 5678';
    const v = dec(hex);
    expect(v.tv).toBe('1234');
    expect(v.order).toEqual(['must', 'tv', { raw: '345678' }]);
  });

  it('unknown IE with comprehension required (0000xxxx) is an error when the message says so', () => {
    const hex = '21 abcd 0101 0000 2001aa 0501ff';
    expect(dec(hex).order).toEqual(['must', { raw: '0501ff' }]);
    const e = err(() => dec(hex, CR));
    expect([e.protocol, e.messageType, e.offset]).toEqual(['test', 'Strict', 10]);
  });

  it('errors name the IE and the absolute offset', () => {
    // LV length 0 below the minimum of 1: at the length octet, 3
    let e = err(() => dec('21 abcd 00 0000 2001aa'));
    expect([e.messageType, e.ie, e.offset]).toEqual(['Everything', 'lv', 3]);
    expect(e.reason).toMatch(/length 0 out of range 1\.\.3/);
    // missing mandatory TLV 0x20
    e = err(() => dec('21 abcd 0101 0000'));
    expect(e.ie).toBe('must');
    // TLV-E running past the end: at its IEI, 7
    e = err(() => dec('21 abcd 0101 0000 78 0005 01'));
    expect([e.ie, e.offset]).toEqual(['tlve', 7]);
    // the value codec's own failure, at the value (absolute, with the reader starting at 2)
    e = err(() => dec('9999 21 abcd 01ff 0000 2001aa', MSG, 2));
    expect([e.ie, e.offset]).toEqual(['lv', 6]);
    // TV cut short
    e = err(() => dec('21 abcd 0101 0000 2001aa 3412'));
    expect([e.ie, e.offset]).toEqual(['tv', 10]);
    // nothing at all
    e = err(() => dec(''));
    expect([e.ie, e.offset]).toEqual(['lowHalf', 0]);
  });

  it('encode errors: missing mandatory IE, length out of range, half octet out of range, raw not hex', () => {
    const ok: IeValues = { lowHalf: 1, highHalf: 2, fixed: 'abcd', lv: [1], lve: '', must: '' };
    expect(enc(ok)).toBe('21abcd0101000020' + '00');
    expect(() => enc({ ...ok, fixed: undefined })).toThrowError(new EncodeError('test', 'Everything', 'fixed', 'mandatory IE missing'));
    expect(() => enc({ ...ok, must: undefined })).toThrowError(EncodeError);
    expect(() => enc({ ...ok, lv: [1, 2, 3, 4] })).toThrowError(/value length 4 out of range 1\.\.3/);
    expect(() => enc({ ...ok, fixed: 'ab' })).toThrowError(/value length 1 out of range 2\.\.2/);
    expect(() => enc({ ...ok, lowHalf: 16 })).toThrowError(EncodeError);
    expect(() => enc({ ...ok, flag: 1 as unknown as true })).toThrowError(EncodeError);
    expect(() => enc({ ...ok, order: [{ raw: 'zz' }] })).toThrowError(EncodeError);
  });

  it('rejects inconsistent descriptions when compiling', () => {
    expect(() => compileMessage('t', { name: 'x', ies: [{ name: 'a', iei: 1, format: 'V', presence: 'M' }] })).toThrow(/has no IEI/);
    expect(() => compileMessage('t', { name: 'x', ies: [{ name: 'a', format: 'TLV', presence: 'O' }] })).toThrow(/needs an IEI/);
    expect(() => compileMessage('t', { name: 'x', ies: [{ name: 'a', format: 'V/2', presence: 'M' }] })).toThrow(/pair up/);
  });

  it('a type 1 IEI takes all 16 first octets of its nibble', () => {
    for (let v = 0; v < 16; v++) expect(dec(`21 abcd 0101 0000 2001aa ${(0x90 | v).toString(16)}`).type1).toBe(v);
  });

  it('property: random tails throw only DecodeError, and what decodes re-encodes byte-exact', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (tail) => {
        const b = new Uint8Array(7 + tail.length);
        b.set(fromHex('21 abcd 0101 0000'));
        b.set(tail, 7);
        let v: IeValues;
        try {
          v = decodeIes(MSG, new Reader(b, 'test', MSG.name), {});
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(enc(v)).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
  });
});
