import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addrText } from '../src/ip';
import { ipOffset, LINK_TRUNCATED, NOT_IP } from '../src/link';
import { NetDissector } from '../src/net';
import type { NetEvent } from '../src/types';
import { collect, ether, fields, fragExt, ipv4, ipv6, noTshark, nullLink, optsExt, pcapFile, sll, sll2, tmpDir, udp } from './net-helpers';

type Udp = Extract<NetEvent, { kind: 'udp' }>;
const udps = (evs: NetEvent[]) => evs.filter((e): e is Udp => e.kind === 'udp');
const problems = (evs: NetEvent[]) => evs.flatMap((e) => (e.kind === 'problem' ? [e.problem] : []));

/** Our UDP events as tshark -T fields would print them: src, dst, sport, dport, payload hex, stream. */
function ourUdp(evs: NetEvent[]): string[][] {
  return udps(evs).map((e) => {
    const [s, d] = e.dir === 0 ? [e.conv.a, e.conv.b] : [e.conv.b, e.conv.a];
    return [s.ip, d.ip, String(s.port), String(d.port), Buffer.from(e.data).toString('hex'), String(e.conv.index)];
  });
}

function tsharkUdp(file: string, extra: string[] = []): string[][] {
  return fields(file, ['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'udp.srcport', 'udp.dstport', 'udp.payload', 'udp.stream'], 'udp', extra).map(([s4, s6, d4, d6, sp, dp, pl, st]) => [s4 || s6!, d4 || d6!, sp!, dp!, pl!.replace(/:/g, ''), st!]);
}

const v6a = '2001:db8::1';
const v6b = '2001:db8:0:0:1::2';

describe('link layers (tshark as the oracle)', () => {
  it.skipIf(noTshark)('Ethernet with 802.1Q tags and padding, SLL, SLL2, BSD null (both orders), LOOP, raw IP (101, 12, 14), IPv4 and IPv6', () => {
    const dir = tmpDir();
    const p4 = (i: number) => ipv4({ proto: 17, src: '192.168.1.1', dst: '192.168.1.2', id: i }, udp(5000 + i, 2427, Buffer.from(`hello ${i}`)));
    const p6 = (i: number) => ipv6(v6a, v6b, 17, udp(6000 + i, 4729, Buffer.from(`v6 ${i}`)));
    const cases: Array<[string, number, Buffer[]]> = [
      ['ether', 1, [ether(0x0800, p4(1)), ether(0x0800, p4(2), [100]), ether(0x86dd, p6(3), [100, 200]), ether(0x0806, Buffer.alloc(28)), Buffer.concat([ether(0x0800, ipv4({ proto: 17, id: 9 }, udp(1, 2, Buffer.from('x')))), Buffer.alloc(20)])]],
      ['sll', 113, [sll(0x0800, p4(1)), sll(0x86dd, p6(2)), sll(0x0806, Buffer.alloc(28))]],
      ['sll2', 276, [sll2(0x0800, p4(1)), sll2(0x86dd, p6(2))]],
      ['null', 0, [nullLink(2, p4(1)), nullLink(30, p6(2)), nullLink(2, p4(3), true), nullLink(28, p6(4)), nullLink(10, p6(5))]],
      ['loop', 108, [nullLink(2, p4(1), true), nullLink(24, p6(2), true)]],
      ['raw', 101, [p4(1), p6(2)]],
      ['raw12', 12, [p4(1), p6(2)]],
      ['raw14', 14, [p4(1), p6(2)]],
    ];
    for (const [name, lt, pkts] of cases) {
      const f = path.join(dir, `${name}.pcap`);
      fs.writeFileSync(f, pcapFile(pkts.map((data) => ({ data })), lt));
      const evs = collect(f);
      expect(problems(evs), name).toEqual([]);
      const theirs = tsharkUdp(f);
      expect(theirs.length, name).toBeGreaterThan(0);
      expect(ourUdp(evs), name).toEqual(theirs);
    }
  });

  it('ipOffset on short and foreign frames', () => {
    expect(ipOffset(1, new Uint8Array(10))).toBe(LINK_TRUNCATED);
    expect(ipOffset(1, ether(0x0806, Buffer.alloc(28)))).toBe(NOT_IP);
    expect(ipOffset(1, ether(0x0800, Buffer.alloc(20), [5, 6]))).toBe(22);
    expect(ipOffset(147, new Uint8Array(40))).toBe(NOT_IP);
    expect(ipOffset(276, new Uint8Array(19))).toBe(LINK_TRUNCATED);
  });

  it('IPv6 text is RFC 5952', () => {
    const t = (s: string) => addrText(Buffer.from(s.replace(/ /g, ''), 'hex'), 0, 16);
    expect(t('20010db8 00000000 00000000 00000001')).toBe('2001:db8::1');
    expect(t('20010db8 00000000 00010000 00000001')).toBe('2001:db8::1:0:0:1');
    expect(t('00000000 00000000 00000000 00000001')).toBe('::1');
    expect(t('fe800000 00000000 00000000 00000000')).toBe('fe80::');
    expect(t('00000000 00000000 0000ffff c0a80001')).toBe('::ffff:192.168.0.1');
    expect(t('20010db8 00010001 00010001 00010001')).toBe('2001:db8:1:1:1:1:1:1');
  });
});

describe('IP (tshark as the oracle)', () => {
  it.skipIf(noTshark)('IPv4 options, fragments out of order with a duplicate, reassembled like tshark; an incomplete datagram is reported at the end', () => {
    const dir = tmpDir();
    const payload = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 255));
    const whole = udp(2427, 2727, payload);
    const frag = (off: number, len: number, mf: boolean, id = 77) => ipv4({ proto: 17, id, fragOff: off, mf }, whole.subarray(off, off + len));
    const pkts = [
      ipv4({ proto: 17, id: 5, options: Buffer.from([1, 1, 1, 0]) }, udp(1111, 2222, Buffer.from('with options'))),
      frag(1480, 1480, true),
      frag(2960, whole.length - 2960, false),
      frag(1480, 1480, true), // duplicate
      frag(0, 1480, true),
      frag(0, 1480, true, 99), // never completed
    ];
    const f = path.join(dir, 'frag.pcap');
    fs.writeFileSync(f, pcapFile(pkts.map((data) => ({ data })), 101));
    const evs = collect(f);
    const theirs = tsharkUdp(f);
    expect(theirs.length).toBe(2);
    expect(theirs[1]![4]).toBe(payload.toString('hex'));
    expect(ourUdp(evs)).toEqual(theirs);
    expect(udps(evs)[1]!.frame.n).toBe(5); // completed by frame 5, where tshark shows it
    expect(problems(evs)).toEqual([expect.objectContaining({ layer: 'ip', code: 'incomplete-fragments' })]);
    expect(problems(evs)[0]!.message).toMatch(/1480 byte\(s\) in 1 fragment/);
  });

  it.skipIf(noTshark)('IPv6 hop-by-hop, destination options, routing and fragment headers, reassembled like tshark', () => {
    const dir = tmpDir();
    const payload = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 13) & 255));
    const whole = udp(3868, 3868, payload);
    const f1 = ipv6(v6a, v6b, 17, whole.subarray(0, 1232), [
      [0, optsExt()],
      [43, Buffer.from([0, 0, 0, 0, 0, 0, 0])], // routing type 0, no segments left
      [44, fragExt(0, true, 0xdeadbeef)],
    ]);
    const f2 = ipv6(v6a, v6b, 17, whole.subarray(1232), [
      [60, optsExt(1)],
      [44, fragExt(1232, false, 0xdeadbeef)],
    ]);
    const plain = ipv6(v6b, v6a, 17, udp(3868, 3868, Buffer.from('reply')), [[60, optsExt()]]);
    const f = path.join(dir, 'v6.pcap');
    fs.writeFileSync(f, pcapFile([f2, f1, plain].map((data) => ({ data })), 101));
    const evs = collect(f);
    expect(problems(evs)).toEqual([]);
    const theirs = tsharkUdp(f);
    expect(theirs.map((t) => t[4]!.length / 2)).toEqual([2000, 5]);
    expect(ourUdp(evs)).toEqual(theirs);
    expect(udps(evs).map((e) => e.dir)).toEqual([0, 1]);
  });

  it.skipIf(noTshark)('a packet cut by the snap length is reported and the next one still decoded; unknown protocols are ignored', () => {
    const dir = tmpDir();
    const big = ipv4({ proto: 17, id: 1 }, udp(9, 9, Buffer.alloc(200, 1)));
    const small = ipv4({ proto: 17, id: 2 }, udp(9, 9, Buffer.from('ok')));
    const icmp = ipv4({ proto: 1, id: 3 }, Buffer.alloc(16));
    const f = path.join(dir, 'snap.pcap');
    fs.writeFileSync(f, pcapFile([big, small, icmp].map((data) => ({ data })), 101, { snap: 100 }));
    const evs = collect(f);
    expect(udps(evs).map((e) => Buffer.from(e.data).toString())).toEqual(['ok']);
    expect(problems(evs).map((p) => [p.frame, p.layer, p.code])).toEqual([
      [1, 'ip', 'truncated'],
      [1, 'udp', 'truncated'],
    ]);
    // tshark agrees: frame 1's IP and UDP lengths reach beyond the 100 captured bytes
    expect(fields(f, ['frame.number', 'ip.len', 'udp.length', 'frame.cap_len'], 'udp')).toEqual([
      ['1', '228', '208', '100'],
      ['2', '30', '10', '30'],
    ]);
  });

  it('fragment table is bounded: the oldest datagram is given up when full, and by capture-time timeout', () => {
    const evs: NetEvent[] = [];
    const net = new NetDissector((e) => evs.push(e), { maxFragments: 2, fragmentTimeout: 5 });
    const frag = (id: number, sec: number, n: number) => net.frame({ n, sec, nsec: 0, linktype: 101, iface: 0, origLen: 0, data: ipv4({ proto: 17, id, mf: true }, Buffer.alloc(16)), fileOffset: 0 });
    frag(1, 100, 1);
    frag(2, 100, 2);
    frag(3, 100, 3); // evicts id 1
    expect(problems(evs).map((p) => [p.frame, p.code])).toEqual([[3, 'incomplete-fragments']]);
    frag(4, 110, 4); // ids 2 and 3 time out
    expect(problems(evs).length).toBe(3);
    net.end();
    expect(problems(evs).length).toBe(4);
  });
});
