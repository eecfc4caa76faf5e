import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError, fromHex, ipv4Tcp, ipv4Udp, LINKTYPE_RAW, LINKTYPE_USER0, parsePdml, pcap, pcapng, Reader, toHex, tshark, Writer } from '../src';

describe('Reader', () => {
  it('reads big-endian fields and names protocol, message, IE and absolute offset when short', () => {
    const r = new Reader(fromHex('01 0203 040506 0708090a ff'), 'test', 'MSG');
    expect(r.u8()).toBe(0x01);
    expect(r.u16()).toBe(0x0203);
    expect(r.u24()).toBe(0x040506);
    expect(r.u32()).toBe(0x0708090a);
    const v = r.sub(1, 'Cause');
    expect(v.u8()).toBe(0xff);
    expect(() => v.u8()).toThrowError(new DecodeError('test', 'MSG', 'Cause', 11, 'truncated: data needs 1 byte(s), 0 left'));
    const e = (() => {
      try {
        new Reader(fromHex('0001'), 'ipa', 'PING', undefined, 1).u16('length');
      } catch (err) {
        return err as DecodeError;
      }
    })()!;
    expect(e).toBeInstanceOf(DecodeError);
    expect(e.message).toBe('ipa PING, at byte 1: truncated: length needs 2 byte(s), 1 left');
  });

  it('u32 is unsigned', () => {
    expect(new Reader(fromHex('ffffffff'), 't').u32()).toBe(4294967295);
  });

  it('shifted() moves the offset into an outer frame', () => {
    const e = new DecodeError('gsup', 'UL', 'IMSI', 3, 'bad');
    expect(e.shifted(10).offset).toBe(13);
    expect(e.shifted(10).message).toBe('gsup UL, IE IMSI, at byte 13: bad');
  });

  it('property: any read sequence on random bytes throws only DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 12 }), (bytes, ops) => {
        const r = new Reader(bytes, 'fuzz');
        try {
          for (const op of ops) [() => r.u8(), () => r.u16(), () => r.u24(), () => r.u32(), () => r.bytes(3), () => r.sub(2)][op]!();
        } catch (err) {
          expect(err).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });
});

describe('Writer', () => {
  it('writes big-endian, grows, and patches lengths', () => {
    const w = new Writer();
    w.u8(1).u16(0x0203).u24(0x040506).u32(0xfffffffe);
    w.u8(0);
    w.bytes(new Uint8Array(200).fill(7));
    w.patch8(10, 9);
    const out = w.finish();
    expect(toHex(out.subarray(0, 11))).toBe('01020304050 6fffffffe09'.replace(/ /g, ''));
    expect(out.length).toBe(211);
    expect(out[210]).toBe(7);
  });
});

describe('hex', () => {
  it('accepts spaces and colons, refuses odd or non-hex input', () => {
    expect(toHex(fromHex('0a:0B 0c'))).toBe('0a0b0c');
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('zz')).toThrow(RangeError);
  });
  it('EncodeError names what could not be encoded', () => {
    expect(new EncodeError('gsup', 'UL', 'IMSI', 'missing').message).toBe('gsup UL, IE IMSI: cannot encode: missing');
  });
});

describe('pcap', () => {
  it('writes the libpcap header and records as the format defines them', () => {
    const b = pcap([{ data: fromHex('aabb'), time: 1.5 }], 147);
    // magic, v2.4, zone 0, sigfigs 0, snaplen 65535, linktype 147; then ts 1 s + 500000 us, caplen 2, len 2, data
    expect(b.toString('hex')).toBe(
      'd4c3b2a1' + '0200' + '0400' + '00000000' + '00000000' + 'ffff0000' + '93000000' + '01000000' + '20a10700' + '02000000' + '02000000' + 'aabb',
    );
  });

  it('tshark reads our IPv4/TCP and IPv4/UDP framing without complaint: addresses, ports, checksums, lengths', () => {
    const recs = [
      ...ipv4Tcp({ srcPort: 40001, dstPort: 4222 }, [fromHex('0001fe00'), fromHex('0001fe01')]),
      ...ipv4Udp({ src: '127.0.0.2', srcPort: 2727, dstPort: 2427 }, [Buffer.from('AUEP 1 *@mgw MGCP 1.0\r\n')]),
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-codec-'));
    const file = path.join(dir, 'x.pcap');
    fs.writeFileSync(file, pcap(recs, LINKTYPE_RAW));
    const r = spawnSync('tshark', ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.src', '-e', 'ip.checksum.status', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'udp.dstport', '-e', 'udp.length'], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    // ip.checksum.status 1 is "Good" (0 bad, 2 unverified); the TCP sequence runs on by the 4-byte payload.
    expect(r.stdout.trim().split('\n')).toEqual(['127.0.0.1\t1\t4222\t1000\t\t', '127.0.0.1\t1\t4222\t1004\t\t', '127.0.0.2\t1\t\t\t2427\t31']);
  });

  it('tshark (PDML) sees an IPA CCM PING on port 4222 and nothing malformed', () => {
    const [p] = tshark(ipv4Tcp({ srcPort: 40000, dstPort: 4222 }, [fromHex('0001fe00')]), LINKTYPE_RAW);
    expect(p!.malformed).toBe(false);
    expect(p!.fields.find((f) => f.name === 'gsm_ipa.protocol')?.show).toBe('0xfe');
    expect(p!.fields.find((f) => f.name === 'gsm_ipa.data_len')?.show).toBe('1');
  });
});

describe('pcapng', () => {
  it('writes section, interface and packet blocks, with the direction in the EPB flags', () => {
    const b = pcapng([{ data: fromHex('aabbcc'), time: 1, direction: 'in' }], LINKTYPE_USER0);
    // SHB: type 0x0a0d0d0a, length 28, byte-order magic 0x1a2b3c4d, version 1.0, section length -1
    expect(b.subarray(0, 28).toString('hex')).toBe('0a0d0d0a' + '1c000000' + '4d3c2b1a' + '0100' + '0000' + 'ffffffffffffffff' + '1c000000');
    // IDB: type 1, length 20, linktype 147, snaplen 65535
    expect(b.subarray(28, 48).toString('hex')).toBe('01000000' + '14000000' + '9300' + '0000' + 'ffff0000' + '14000000');
    // EPB: type 6, length 48; interface 0; timestamp 1 s in us (0x000f4240); caplen/len 3; data padded to 4;
    // option epb_flags (2), length 4, value 1 = inbound; end of options; length again
    expect(b.subarray(48).toString('hex')).toBe(
      '06000000' + '30000000' + '00000000' + '00000000' + '40420f00' + '03000000' + '03000000' + 'aabbcc00' + '0200' + '0400' + '01000000' + '00000000' + '30000000',
    );
  });

  it('tshark reads the direction back: inbound and outbound', () => {
    const packets = tshark(
      [
        { data: fromHex('00'), direction: 'in' },
        { data: fromHex('00'), direction: 'out' },
      ],
      LINKTYPE_USER0,
    );
    expect(packets.map((p) => p.fields.find((f) => f.name === 'frame.p2p_dir')?.show)).toEqual(['1', '0']);
  });
});

describe('parsePdml', () => {
  it('reads fields, unescapes XML, and spots malformed packets', () => {
    const xml = `<pdml><packet><proto name="x" showname="X"><field name="x.a" show="a &lt;b&gt; &amp; &#x41;" value="01"/></proto></packet>
      <packet><field name="_ws.malformed" show="[Malformed Packet]"/><field name="_ws.expert.message" show="bad length"/></packet></pdml>`;
    const [a, b] = parsePdml(xml);
    expect(a!.fields).toEqual([
      { name: 'x', show: 'X', value: undefined },
      { name: 'x.a', show: 'a <b> & A', value: '01' },
    ]);
    expect(a!.malformed).toBe(false);
    expect(b!.malformed).toBe(true);
    expect(b!.expert).toEqual(['bad length']);
  });
});
