import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, fromHex, ipv4Tcp, LINKTYPE_RAW, toHex, tshark, fieldValues } from '@snaptel/codec';
import { decode, encode, frame, unframe, IpaDeframer, IpaLengthError, type IpaMessage } from '../src';

/**
 * Vectors from outside this project:
 *  - libosmocore src/gsm/ipa.c: ipa_pong_msg {0,1,0xFE,0x01}, ipa_id_ack_msg
 *    {0,1,0xFE,0x06}, ipa_id_req_msg (ID_GET for UNIT, MACADDR, LOCATION1,
 *    LOCATION2, EQUIPVERS, SWVERSION, UNITNAME, SERNR); a PING is the same
 *    header with message type 0x00.
 *  - osmo-hlr 1.5 (Debian), captured in gsup/test/osmo-hlr.test.ts: the
 *    ID_GET it sends on accept, and the ID_ACK.
 *  - libosmocore tests/gsup/gsup_test.c update_location_req, in an
 *    OSMO/GSUP frame (length 12 = extension byte + 11 bytes of GSUP).
 *  - ID_RESP layout (16-bit length counting the tag, tag, value) as
 *    libosmocore's ipa_ccm_make_id_resp writes it, written out by hand.
 */
const VECTORS: { name: string; hex: string; msg: IpaMessage }[] = [
  { name: 'PING', hex: '00 01 fe 00', msg: { proto: 'CCM', ccm: { type: 'PING' } } },
  { name: 'PONG (libosmocore ipa_pong_msg)', hex: '00 01 fe 01', msg: { proto: 'CCM', ccm: { type: 'PONG' } } },
  { name: 'ID_ACK (libosmocore ipa_id_ack_msg)', hex: '00 01 fe 06', msg: { proto: 'CCM', ccm: { type: 'ID_ACK' } } },
  {
    name: 'ID_GET (libosmocore ipa_id_req_msg)',
    hex: '00 11 fe 04 01 08 01 07 01 02 01 03 01 04 01 05 01 01 01 00',
    msg: {
      proto: 'CCM',
      ccm: {
        type: 'ID_GET',
        tags: ['UNIT', 'MACADDR', 'LOCATION1', 'LOCATION2', 'EQUIPVERS', 'SWVERSION', 'UNITNAME', 'SERNR'].map((tag) => ({ tag: tag as 'UNIT' })),
      },
    },
  },
  {
    name: 'ID_RESP with unit name "MSC-1" as a C string',
    hex: '00 0a fe 05 00 07 01 4d 53 43 2d 31 00',
    msg: { proto: 'CCM', ccm: { type: 'ID_RESP', entries: [{ tag: 'UNITNAME', value: 'MSC-1\u0000' }] } },
  },
  {
    name: 'OSMO/GSUP UpdateLocation Request (libosmocore gsup_test.c)',
    hex: '00 0c ee 05 04 01 08 21 43 65 87 09 21 43 f5',
    msg: { proto: 'OSMO', ext: 'GSUP', payload: '04010821436587092143f5' },
  },
  { name: 'OSMO/CTRL "GET 1 xy"', hex: '00 09 ee 00 47 45 54 20 31 20 78 79', msg: { proto: 'OSMO', ext: 'CTRL', payload: '4745542031207879' } },
  { name: 'SCCP payload kept raw', hex: '00 03 fd 09 00 03', msg: { proto: 'SCCP', payload: '090003' } },
  { name: 'unknown protocol 0x42 kept raw', hex: '00 02 42 ab cd', msg: { proto: 0x42, payload: 'abcd' } },
  { name: 'unknown OSMO extension 0x09 kept raw', hex: '00 02 ee 09 77', msg: { proto: 'OSMO', ext: 9, payload: '77' } },
  { name: 'unknown CCM type 0x20 kept raw', hex: '00 03 fe 20 01 02', msg: { proto: 'CCM', ccm: { type: 0x20, body: '0102' } } },
  {
    name: 'ID_RESP with an unknown tag and binary value',
    hex: '00 07 fe 05 00 04 30 00 ff 80',
    msg: { proto: 'CCM', ccm: { type: 'ID_RESP', entries: [{ tag: 0x30, value: '\u0000\u00ff\u0080' }] } },
  },
];

describe('IPA decode/encode', () => {
  for (const v of VECTORS) {
    it(`${v.name}: decodes to the expected message and re-encodes byte for byte`, () => {
      const bytes = fromHex(v.hex);
      expect(decode(bytes)).toEqual(v.msg);
      expect(toHex(encode(v.msg))).toBe(toHex(bytes));
    });
  }

  it('frame()/unframe() agree with encode() for OSMO extensions', () => {
    const gsup = fromHex('04010821436587092143f5');
    const f = frame('OSMO', gsup, 'GSUP');
    expect(toHex(f)).toBe('000cee0504010821436587092143f5');
    const u = unframe(f);
    expect(u.proto).toBe(0xee);
    expect(u.ext).toBe(5);
    expect(toHex(u.payload)).toBe('04010821436587092143f5');
  });

  it('names where a bad frame is wrong', () => {
    const err = (hex: string) => {
      try {
        decode(fromHex(hex));
      } catch (e) {
        return e as DecodeError;
      }
      throw new Error('no error');
    };
    const a = err('00 05 fe 00');
    expect(a).toBeInstanceOf(DecodeError);
    expect(a.protocol).toBe('IPA');
    expect(a.offset).toBe(0);
    expect(a.reason).toMatch(/length field says 5/);
    const b = err('00 00 ee');
    expect(b.ie).toBe('extension');
    expect(b.offset).toBe(3);
    const c = err('00 03 fe 05 00 05');
    expect(c.messageType).toBe('CCM ID_RESP');
    expect(c.offset).toBe(6);
    const d = err('00 03 fe 04 00 08');
    expect(d.messageType).toBe('CCM ID_GET');
    expect(d.reason).toMatch(/length 0/);
    expect(err('00').offset).toBe(0);
  });

  it('random bytes and every truncation of every vector only ever throw DecodeError', () => {
    const check = (b: Uint8Array) => {
      try {
        encode(decode(b));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => check(b)), { numRuns: 3000 });
    let errors = 0;
    for (const v of VECTORS) {
      const b = fromHex(v.hex);
      for (let n = 0; n < b.length; n++) {
        expect(() => decode(b.subarray(0, n))).toThrow(DecodeError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
    // Decoded random frames re-encode to the same bytes.
    fc.assert(
      fc.property(fc.constantFrom(0x00, 0xee, 0xfe, 0xfd, 0x42), fc.uint8Array({ maxLength: 40 }), (proto, body) => {
        const b = new Uint8Array([body.length >> 8, body.length & 0xff, proto, ...body]);
        let m: IpaMessage;
        try {
          m = decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        expect(toHex(encode(JSON.parse(JSON.stringify(m))))).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('IpaDeframer', () => {
  const frames = VECTORS.map((v) => fromHex(v.hex));
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((off, f) => (stream.set(f, off), off + f.length), 0);

  it('yields every frame of one chunk holding several frames', () => {
    const out = new IpaDeframer().push(stream);
    expect(out.map(toHex)).toEqual(VECTORS.map((v) => v.hex.replace(/ /g, '')));
  });

  it('yields the same frames however the stream is cut (byte by byte, random cuts)', () => {
    const d = new IpaDeframer();
    const byByte: string[] = [];
    for (const b of stream) byByte.push(...d.push(new Uint8Array([b])).map(toHex));
    expect(byByte).toEqual(frames.map(toHex));
    expect(d.pending).toBe(0);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const df = new IpaDeframer();
        const got: string[] = [];
        for (let i = 0; i + 1 < points.length; i++) got.push(...[...df.frames(stream.subarray(points[i], points[i + 1]))].map(toHex));
        expect(got).toEqual(frames.map(toHex));
        expect(df.pending).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('holds a partial frame until the rest arrives', () => {
    const d = new IpaDeframer();
    expect(d.push(fromHex('00 0c ee 05 04'))).toEqual([]);
    expect(d.pending).toBe(5);
    const out = d.push(fromHex('01 08 21 43 65 87 09 21 43 f5 00 01'));
    expect(out.map(toHex)).toEqual(['000cee0504010821436587092143f5']);
    expect(d.pending).toBe(2);
  });

  it('throws IpaLengthError (a DecodeError) above its limit, and keeps throwing', () => {
    const d = new IpaDeframer({ maxLength: 100 });
    expect(d.push(fromHex('00 01 fe 00')).length).toBe(1);
    let e: unknown;
    try {
      d.push(fromHex('00 65 fe 00'));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(IpaLengthError);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as IpaLengthError).length).toBe(101);
    expect((e as IpaLengthError).offset).toBe(4);
    expect(() => d.push(fromHex('00 01 fe 00'))).toThrow(IpaLengthError);
  });
});

describe('tshark as oracle (IPA in TCP to port 4222)', () => {
  it('dissects our encodings without malformed packets and reads the same protocol, extension and CCM type', () => {
    const msgs = VECTORS.filter((v) => typeof v.msg.proto === 'string' && v.msg.proto !== 'SCCP').map((v) => v.msg);
    const packets = tshark(ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, msgs.map(encode)), LINKTYPE_RAW);
    expect(packets.length).toBe(msgs.length);
    packets.forEach((p, i) => {
      const m = msgs[i]!;
      expect(p.malformed, `packet ${i}`).toBe(false);
      const proto = { CCM: '0xfe', OSMO: '0xee' }[m.proto as string];
      expect(fieldValues(p, 'gsm_ipa.protocol')).toEqual([proto]);
      if (m.proto === 'CCM' && typeof m.ccm.type === 'string') {
        const t = { PING: '0x00', PONG: '0x01', ID_GET: '0x04', ID_RESP: '0x05', ID_ACK: '0x06' }[m.ccm.type];
        expect(fieldValues(p, 'ipaccess.msg_type')).toEqual([t]);
      }
      if (m.proto === 'CCM' && m.ccm.type === 'ID_GET') expect(fieldValues(p, 'ipaccess.attr_tag')).toEqual(['0x08', '0x07', '0x02', '0x03', '0x04', '0x05', '0x01', '0x00']);
      if (m.proto === 'CCM' && m.ccm.type === 'ID_RESP' && m.ccm.entries[0]!.tag === 'UNITNAME') {
        expect(fieldValues(p, 'ipaccess.attr_tag')).toEqual(['0x01']);
        expect(fieldValues(p, 'ipaccess.attr_string')).toEqual(['MSC-1']);
      }
      if (m.proto === 'CCM' && m.ccm.type === 'ID_RESP' && m.ccm.entries[0]!.tag === 0x30) expect(fieldValues(p, 'ipaccess.attr_tag')).toEqual(['0x30']);
      if (m.proto === 'OSMO') expect(fieldValues(p, 'gsm_ipa.osmo.protocol')).toEqual([`0x${(({ GSUP: 5, CTRL: 0 } as Record<string, number>)[m.ext as string] ?? (m.ext as number)).toString(16).padStart(2, '0')}`]);
    });
  });
});
