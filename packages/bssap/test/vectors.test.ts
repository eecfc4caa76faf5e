import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, toHex } from '@snaptel/codec';
import { decode as decodeSccp } from '@snaptel/sccp';
import { VECTORS as SCCP_VECTORS } from '../../sccp/test/vectors';
import { decode, encode, type Bssap, type BssmapMessage } from '../src';
import { CELL_IES, FAKE_L3, hexBytes, VECTORS } from './vectors';

const roundTrip = (hex: string, dir: 'mo' | 'mt'): Bssap => {
  const b = hexBytes(hex);
  const m = decode(b, dir);
  expect(toHex(encode(m))).toBe(toHex(b));
  // and through JSON: the message form needs no class instances
  expect(toHex(encode(JSON.parse(JSON.stringify(m)) as Bssap))).toBe(toHex(b));
  return m;
};

describe('vectors from libosmocore and libosmo-sccp', () => {
  for (const v of VECTORS) {
    it(`${v.name} [${v.source}] round-trips byte-exact with the expected values`, () => {
      const m = roundTrip(v.hex, v.direction);
      if (v.type === 'DTAP') {
        expect(m.discriminator).toBe('dtap');
        return;
      }
      expect(m.discriminator).toBe('bssmap');
      expect(m.type).toBe(v.type);
      const ies = (m as BssmapMessage).ies;
      for (const [k, want] of Object.entries(v.ies ?? {})) expect(ies[k], k).toEqual(want);
      if (v.ies && Object.keys(v.ies).length === 0) expect(ies).toEqual({});
    });
  }

  it('the SCCP vectors of libosmo-sccp carry exactly the BSSAP payloads transcribed here', () => {
    const data = (name: string) => {
      const m = decodeSccp(hexBytes(SCCP_VECTORS.find((x) => x.name === name)!.hex)) as { data?: string };
      return m.data;
    };
    const mine = (name: string) => toHex(hexBytes(VECTORS.find((x) => x.name === name)!.hex));
    expect(data('bssmap_reset')).toBe(mine('Reset'));
    expect(data('bssmap_reset_ack')).toBe(mine('Reset Acknowledge'));
    expect(data('bssmap_paging')).toBe(mine('Paging (all cells)'));
    expect(data('bssmap_udt')).toBe(mine('Paging (all cells)'));
    expect(data('bssmap_cr')).toBe(mine('Complete Layer 3 (CM Service Request)'));
    expect(data('bssmap_dtap')).toBe(mine('DTAP CC Setup (MT)'));
    expect(data('bssmap_clear')).toBe(mine('Clear Command (cause 9)'));
  });

  it('Complete Layer 3 follows into DTAP (CM Service Request, IMSI)', () => {
    const m = decode(hexBytes(VECTORS.find((v) => v.name === 'Complete Layer 3 (CM Service Request)')!.hex), 'mt') as BssmapMessage;
    const l3 = m.ies.layer3Information as { pd: string; type: string; direction: string; ies: Record<string, unknown> };
    expect(l3.pd).toBe('mm');
    expect(l3.type).toBe('CM Service Request');
    expect(l3.direction).toBe('mo');
    expect(l3.ies.mobileIdentity).toEqual({ type: 'imsi', digits: '274012010137916' });
  });

  it('DTAP: DLCI and the L3 message', () => {
    const m = decode(hexBytes('01 00 0c 03055c0811813366021345f4'), 'mt');
    expect(m).toMatchObject({ discriminator: 'dtap', dlci: 0, dtap: { pd: 'cc', type: 'Setup', direction: 'mt' } });
    const u = decode(hexBytes('01 03 02 2342'), 'mo');
    // 23 42: PD 3 (CC), TI 2; message type 0x42 = N(SD) 1, Call Proceeding (0x02)
    expect(u).toMatchObject({ discriminator: 'dtap', dlci: 3, dtap: { pd: 'cc', type: 'Call Proceeding', ti: 2, seq: 1 } });
  });

  for (const c of CELL_IES) {
    it(`Cell identifier IE ${c.name} [gsm0808] decodes to the expected value and back`, () => {
      const list = c.hex.startsWith('1a');
      // a Paging (IMSI 001010000001234) around a list; an Assignment Complete (Cell Identifier optional) around a cell identifier
      const body = list ? `52 08080910100000002143 ${c.hex}` : `02 ${c.hex}`;
      const bytes = hexBytes(body);
      const hex = toHex(new Uint8Array([0, bytes.length, ...bytes]));
      const m = roundTrip(hex, 'mt') as BssmapMessage;
      expect(m.ies[list ? 'cellIdentifierList' : 'cellIdentifier']).toEqual(c.value);
    });
  }

  for (const f of FAKE_L3) {
    it(`${f.name} [gsm0808]: the 1-octet L3 is not DTAP, a DecodeError at the absolute offset`, () => {
      let err: unknown;
      try {
        decode(hexBytes(f.hex), 'mo');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).offset).toBe(f.badOffset);
      expect((err as DecodeError).protocol).toBe('dtap');
    });
  }
});

describe('IEs and rules', () => {
  it('unknown optional IEs and IEs of other messages are kept in wire order', () => {
    // Clear Command: cause, then an unknown TLV 0x7a, then Chosen Channel (TV 1, not in Clear Command), then cause-less L3 header info
    const b = hexBytes('000e 20 040109 7a020102 2142 07020312');
    const m = decode(b, 'mt') as BssmapMessage;
    expect(m.ies.cause).toBe(9);
    expect(m.ies.chosenChannel).toEqual({ mode: 4, channel: 2 });
    expect(m.ies.layer3HeaderInformation).toEqual({ pd: 3, ti: 0x12 });
    expect(m.ies.order).toEqual(['cause', { raw: '7a020102' }, 'chosenChannel', 'layer3HeaderInformation']);
    expect(toHex(encode(m))).toBe(toHex(b));
  });

  it('an IE of another message, set by hand without `order`, is encoded after the message\'s own IEs', () => {
    const m: Bssap = { discriminator: 'bssmap', type: 'CLEAR COMMAND', ies: { chosenChannel: { mode: 4, channel: 2 }, cause: 9 } };
    expect(toHex(encode(m))).toBe('0006' + '20' + '040109' + '2142');
  });

  it('IEIs >= 0x80 that TS 48.008 does not define are read as TLV', () => {
    const b = hexBytes('0007 22 040109 f5 01 aa');
    const m = decode(b, 'mo') as BssmapMessage;
    expect(m.ies.iei_f5).toBe('aa');
    expect(toHex(encode(m))).toBe(toHex(b));
  });

  it('unknown BSSMAP message types are kept raw', () => {
    // SAPI "n" Reject from libosmocore test_create_sapi_reject: 25 1803 040125 (not covered here)
    const b = hexBytes('0006 25 1803 040125');
    const m = decode(b, 'mt');
    expect(m).toEqual({ discriminator: 'bssmap', type: 'unknown', raw: '2518030401 25'.replace(' ', '') });
    expect(toHex(encode(m))).toBe(toHex(b));
  });

  it('AoIP transport address: IPv6 (libosmocore test_enc_dec_aoip_trasp_addr_v6: 2001:db8:85a3:8d3:1319:8a2e:370:7344 port 4567)', () => {
    const b = hexBytes('0015 02 7c12 20010db885a308d313198a2e03707344 11d7');
    const m = decode(b, 'mo') as BssmapMessage;
    expect(m.ies.aoipTransportLayerAddress).toEqual({ ip: '2001:db8:85a3:8d3:1319:8a2e:370:7344', port: 4567 });
    expect(toHex(encode(m))).toBe(toHex(b));
    const c = encode({ discriminator: 'bssmap', type: 'ASSIGNMENT COMPLETE', ies: { aoipTransportLayerAddress: { ip: 'fe80::1', port: 1 } } });
    expect(toHex(c)).toBe('0015027c12' + 'fe80' + '0'.repeat(24) + '0001' + '0001');
  });

  it('cause: one- and two-octet forms, and a length that contradicts the extension bit kept raw', () => {
    const ies = (h: string) => (decode(hexBytes(h), 'mo') as BssmapMessage).ies;
    expect(ies('0004 22 040141').cause).toBe(0x41);
    expect(ies('0005 22 04028041').cause).toBe(0x8041);
    expect(ies('0004 22 040181').cause).toEqual({ raw: '81' });
    expect(toHex(encode({ discriminator: 'bssmap', type: 'CLEAR REQUEST', ies: { cause: 0x8041 } }))).toBe('000522' + '04028041');
    expect(() => encode({ discriminator: 'bssmap', type: 'CLEAR REQUEST', ies: { cause: 0x100 } })).toThrow(EncodeError);
  });

  it('channel type: data, and a speech list whose last octet has the extension bit (libosmocore test_gsm0808_dec_channel_type_err) kept raw', () => {
    const ies = (h: string) => (decode(hexBytes(h), 'mt') as BssmapMessage).ies;
    expect(ies('0007 01 0b04010ba1a5').channelType).toEqual({ raw: '010ba1a5' });
    expect(ies('0006 01 0b03020818').channelType).toEqual({ indicator: 2, rateType: 8, rest: '18' });
  });

  it('encodes a message built by hand (JSON form) to the bytes of TS 48.008', () => {
    const m: Bssap = {
      discriminator: 'bssmap',
      type: 'PAGING',
      ies: {
        imsi: { type: 'imsi', digits: '001010000001234' },
        tmsi: 0x12345678,
        cellIdentifierList: { discriminator: 'lac', cells: [{ lac: 0x2342 }] },
        channelNeeded: { channel: 3 },
      },
    };
    expect(toHex(encode(m))).toBe(toHex(hexBytes('0018 52 08080910100000002143 090412345678 1a03052342 2403')));
  });

  it('bad input: DecodeError naming protocol, message, IE and absolute offset', () => {
    const err = (h: string, dir: 'mo' | 'mt' = 'mt'): DecodeError => {
      try {
        decode(hexBytes(h), dir);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        return e as DecodeError;
      }
      throw new Error('no error');
    };
    let e = err('02 01 00');
    expect([e.protocol, e.offset]).toEqual(['bssap', 0]);
    e = err('0005 20 040109'); // length 5, 4 follow
    expect([e.protocol, e.offset]).toEqual(['bssap', 1]);
    e = err('0000');
    expect(e.offset).toBe(1);
    e = err('0001 20'); // Clear Command without cause
    expect([e.messageType, e.ie, e.reason]).toEqual(['CLEAR COMMAND', 'cause', 'mandatory IE missing']);
    e = err('0005 20 04030109'); // cause length 3 > 2
    expect([e.messageType, e.ie, e.offset]).toEqual(['CLEAR COMMAND', 'cause', 3]);
    e = err('0008 02 7c050102030405'); // AoIP of 5 octets
    expect([e.ie, e.offset]).toEqual(['aoipTransportLayerAddress', 3]);
    e = err('01 00 02 0524', 'mo'); // DLCI 0, a CM Service Request cut after its message type
    expect([e.protocol, e.offset >= 3]).toEqual(['dtap', true]);
  });
});
