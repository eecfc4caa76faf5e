import { describe, expect, it } from 'vitest';
import { Demux } from '../src/demux';
import { encodeStack } from '../src/stack';
import type { Conversation, FrameRef, Message, NetEvent, Problem } from '../src/types';
import { bssapDtap, dt1, hex, ipaGsup, ipaSccp, smppCases, toHexStr } from './decode-helpers';

const A = { ip: '127.0.0.2', port: 49152 };
const B = { ip: '127.0.0.1', port: 5000 };
let frameNo = 0;
const fr = (): FrameRef => ({ n: ++frameNo, sec: 1_704_067_200 + frameNo, nsec: 0 });
const conv = (index: number, a = A, b = B, opener: 'syn' | 'first' = 'first', transport: Conversation['transport'] = 'tcp'): Conversation => ({ transport, index, a, b, opener });
const data = (c: Conversation, dir: 0 | 1, d: Uint8Array): Extract<NetEvent, { kind: 'tcp-data' }> => ({ kind: 'tcp-data', frame: fr(), conv: c, dir, data: d, streamOffset: 0 });

function run(events: NetEvent[], opts: ConstructorParameters<typeof Demux>[1] = {}): { msgs: Message[]; problems: Problem[] } {
  const msgs: Message[] = [];
  const problems: Problem[] = [];
  const d = new Demux((m) => msgs.push(m), { ...opts, onProblem: (p) => problems.push(p) });
  for (const e of events) d.event(e);
  d.end();
  return { msgs, problems };
}

// osmo-bsc's frames from fixtures/osmo-bsc-sccplite-reset.ok (MSC -> BSC is direction 1 here: b is the MSC)
const ID_GET = hex('0003fe040101');
const ID_RESP = hex('0013fe050010016173702d636c6e742d6d73632d3000');
const RESET = hex('0016fd090003070b0443b900fe0443bb00fe06000430040120');
const RESET_ACK = hex('0013fd090003070b0443bb00fe0443b900fe03000131');
const STREAM = [ID_GET, ID_RESP, RESET, RESET_ACK];
const concat = (...p: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(p));

describe('Demux: TCP framing', () => {
  it('frames an IPA stream cut at every possible place, with the same messages as whole segments', () => {
    const all = concat(RESET, ID_RESP, RESET_ACK);
    const whole = run([data(conv(0), 0, all)]).msgs.map((m) => toHexStr(m.bytes));
    expect(whole).toEqual([RESET, ID_RESP, RESET_ACK].map(toHexStr));
    for (let cut = 1; cut < all.length; cut++) {
      for (let cut2 = cut + 1; cut2 <= all.length; cut2 += 7) {
        const c = conv(1);
        const { msgs, problems } = run([data(c, 0, all.subarray(0, cut)), data(c, 0, all.subarray(cut, cut2)), data(c, 0, all.subarray(cut2))]);
        expect(problems).toEqual([]);
        expect(msgs.map((m) => toHexStr(m.bytes))).toEqual(whole);
      }
    }
  });

  it('gives each message the frame that completed it, owned bytes, src/dst by direction', () => {
    const c = conv(2);
    const seg = concat(RESET, RESET_ACK.subarray(0, 5));
    const msgs: Message[] = [];
    const d = new Demux((m) => msgs.push(m));
    const e1 = data(c, 0, seg);
    d.event(e1);
    seg.fill(0xaa); // event data are views the reader reuses
    const e2 = data(c, 1, ID_GET);
    d.event(e2);
    const e3 = data(c, 0, RESET_ACK.subarray(5));
    d.event(e3);
    expect(msgs.map((m) => m.frame.n)).toEqual([e1.frame.n, e2.frame.n, e3.frame.n]);
    expect(toHexStr(msgs[0]!.bytes)).toBe(toHexStr(RESET));
    expect(toHexStr(msgs[2]!.bytes)).toBe(toHexStr(RESET_ACK));
    expect(msgs[0]!.src).toEqual(A);
    expect(msgs[1]!.src).toEqual(B);
    expect(msgs[1]!.info).toBe('IPA CCM ID_GET');
    expect(msgs[0]!.layers).toEqual(['IPA', 'SCCP', 'BSSMAP']);
  });

  it('resynchronises after a gap and reports it', () => {
    const c = conv(3);
    const { msgs, problems } = run([
      data(c, 0, concat(RESET, RESET_ACK.subarray(0, 7))),
      { kind: 'tcp-gap', frame: fr(), conv: c, dir: 0, missing: 120, streamOffset: 32 },
      data(c, 0, hex('a1b2c3d4e5')), // the tail of something we never saw
      data(c, 0, concat(ID_RESP, RESET)),
    ]);
    expect(msgs.map((m) => toHexStr(m.bytes))).toEqual([RESET, ID_RESP, RESET].map(toHexStr));
    expect(problems.map((p) => `${p.layer}/${p.code}`)).toEqual(['tcp/gap', 'ipa/resync']);
    expect(problems[0]!.message).toBe('gap of 120 byte(s) in 127.0.0.2:49152 -> 127.0.0.1:5000, 7 byte(s) of a message before it dropped');
    expect(problems[1]!.message).toContain('after 5 byte(s) dropped');
  });

  it('reports garbage on an IPA port with typed errors, and the next conversation still decodes', () => {
    const junk = new Uint8Array(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    const c = conv(4);
    const c2 = conv(5, { ip: '127.0.0.3', port: 40000 });
    const { msgs, problems } = run([data(c, 0, junk), { kind: 'tcp-close', frame: fr(), conv: c, dir: 0 }, data(c2, 0, concat(RESET, RESET_ACK))]);
    expect(problems[0]!.code).toBe('bad-frame');
    expect(problems[0]!.message).toMatch(/^IPA, IE header, at byte 0: protocol byte 0x54 is not one IPA carries in 127.0.0.2:49152 -> 127.0.0.1:5000/);
    expect(msgs.filter((m) => m.conv.index === 5).map((m) => m.info)).toEqual(['BSSMAP Reset', 'BSSMAP Reset Acknowledge']);
    expect(msgs.filter((m) => m.conv.index === 4).length).toBe(0);
  });

  it('reports an incomplete message at the end of a stream', () => {
    const c = conv(6);
    const { problems } = run([data(c, 0, RESET.subarray(0, 10)), { kind: 'tcp-close', frame: fr(), conv: c, dir: 0 }]);
    expect(problems.map((p) => p.code)).toEqual(['truncated']);
    expect(problems[0]!.message).toContain('10 byte(s) of an incomplete IPA message');
  });

  it('a decode error in one message does not stop the stream', () => {
    const c = conv(7);
    const badBssap = ipaSccp(hex('09000305070242fe0242fe06000530040120'));
    const { msgs } = run([data(c, 0, concat(badBssap, RESET))]);
    expect(msgs.length).toBe(2);
    expect(msgs[0]!.error).toMatch(/^bssap/);
    expect(msgs[1]!.error).toBeUndefined();
  });
});

describe('Demux: protocol by port, else by heuristic', () => {
  const odd = { ip: '10.0.0.1', port: 7000 };
  const cl = { ip: '10.0.0.2', port: 41000 };
  it('IPA and SMPP on unknown ports by their first bytes (and not with heuristics off)', () => {
    const submit = smppCases().find((c) => c.name.startsWith('smpp submit_sm '))!.bytes;
    const ev = (): NetEvent[] => [data(conv(10, cl, odd), 0, concat(ID_RESP, RESET)), data(conv(11, cl, { ...odd, port: 7001 }), 0, concat(submit, submit))];
    const { msgs } = run(ev());
    expect(msgs.map((m) => `${m.proto} ${m.info}`)).toEqual(['ipa IPA CCM ID_RESP', 'ipa BSSMAP Reset', 'smpp SMPP submit_sm', 'smpp SMPP submit_sm']);
    expect(run(ev(), { heuristics: false }).msgs).toEqual([]);
    expect(run(ev(), { heuristics: false, ipaPorts: [7000], smppPorts: [7001] }).msgs.length).toBe(4);
  });

  it('waits for enough bytes before deciding', () => {
    const c = conv(12, cl, odd);
    const all = concat(ID_GET, RESET);
    const { msgs } = run([data(c, 0, all.subarray(0, 2)), data(c, 0, all.subarray(2, 5)), data(c, 0, all.subarray(5))]);
    expect(msgs.map((m) => m.info)).toEqual(['IPA CCM ID_GET', 'BSSMAP Reset']);
  });

  it('ignores TCP that is neither', () => {
    const { msgs, problems } = run([data(conv(13, cl, odd), 0, new Uint8Array(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')))]);
    expect(msgs).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('MGCP over UDP by port and by its first line; M3UA over SCTP by PPID', () => {
    const crcx = new Uint8Array(Buffer.from('CRCX 1 rtpbridge/*@mgw MGCP 1.0\r\nC: 1\r\nM: recvonly\r\n'));
    const u = (c: Conversation, d: Uint8Array): NetEvent => ({ kind: 'udp', frame: fr(), conv: c, dir: 0, data: d });
    const { msgs } = run([
      u(conv(0, cl, { ip: '10.0.0.1', port: 2427 }, 'first', 'udp'), crcx),
      u(conv(1, cl, { ip: '10.0.0.1', port: 9999 }, 'first', 'udp'), crcx),
      u(conv(2, cl, { ip: '10.0.0.1', port: 9998 }, 'first', 'udp'), new Uint8Array([1, 2, 3, 4, 5, 6])),
      { kind: 'sctp-data', frame: fr(), conv: conv(0, cl, { ip: '10.0.0.1', port: 9000 }, 'syn', 'sctp'), dir: 0, stream: 0, ppid: 3, unordered: false, data: hex('0100030100000008') },
      { kind: 'sctp-data', frame: fr(), conv: conv(1, cl, { ip: '10.0.0.1', port: 9000 }, 'syn', 'sctp'), dir: 0, stream: 0, ppid: 46, unordered: false, data: hex('0100030100000008') },
    ]);
    expect(msgs.map((m) => m.info)).toEqual(['MGCP CRCX 1 rtpbridge/*@mgw', 'MGCP CRCX 1 rtpbridge/*@mgw', 'M3UA ASPUP']);
  });
});

describe('Demux: DTAP direction', () => {
  // CC Setup from the network (osmo-msc's MT Setup: bearer capability only) is 'mt'; the same bytes uplink fail (MO Setup needs more)
  const setupMt = ipaSccp(dt1(bssapDtap(hex('0305 0403600485'))));
  const msc = { ip: '10.0.0.1', port: 5000 };
  const bsc = { ip: '10.0.0.2', port: 41000 };
  it('the server is the network side when the SYN was seen', () => {
    const c = conv(20, bsc, { ...msc, port: 6000 }, 'syn');
    const { msgs } = run([data(c, 1, setupMt)], { ipaPorts: [6000] });
    expect(msgs[0]!.tree.sccp.bssap.dtap.direction).toBe('mt');
    expect(msgs[0]!.error).toBeUndefined();
  });
  it('without SYN, the side on the well-known port is the network', () => {
    const c = conv(21, msc, bsc, 'first'); // a is the MSC (first packet from it)
    const { msgs } = run([data(c, 0, setupMt)]);
    expect(msgs[0]!.tree.sccp.bssap.dtap.direction).toBe('mt');
  });
  it('without SYN or port, a Complete Layer 3 says which side the BSC is', () => {
    const p1 = { ip: '10.0.0.1', port: 7000 };
    const p2 = { ip: '10.0.0.2', port: 7001 };
    const cr = ipaSccp(hex('010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100'));
    const c = conv(22, p1, p2, 'first');
    const { msgs } = run([data(c, 1, cr), data(c, 0, setupMt)], { ipaPorts: [7000, 7001] });
    expect(msgs[0]!.info).toContain('Complete Layer 3');
    expect(msgs[1]!.tree.sccp.bssap.dtap.direction).toBe('mt');
  });
});

describe('Demux: GSUP and SMPP streams re-encode', () => {
  it('every message of a mixed stream re-encodes to its bytes', () => {
    const submit = smppCases().map((c) => c.bytes);
    const gsupC = conv(30, A, { ip: '127.0.0.1', port: 4222 });
    const smppC = conv(31, A, { ip: '127.0.0.1', port: 2775 });
    const { msgs } = run([data(gsupC, 0, concat(ipaGsup(hex('04 01 08 21 43 65 87 09 21 43 f5')), ...STREAM)), data(smppC, 0, concat(...submit))]);
    expect(msgs.length).toBe(5 + submit.length);
    for (const m of msgs) expect(toHexStr(encodeStack(m.proto, m.tree))).toBe(toHexStr(m.bytes));
    expect(msgs[0]!.info).toBe('GSUP UpdateLocation Request');
  });
});

