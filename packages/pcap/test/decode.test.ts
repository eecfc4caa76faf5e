import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE_RAW, writePcap, type PcapRecord } from '@snaptel/codec';
import { MESSAGE_TYPE as SCCP_TYPE } from '@snaptel/sccp';
import { CODE_OF } from '@snaptel/bssap';
import { MESSAGES as DTAP_MESSAGES } from '@snaptel/gsm48';
import { MESSAGE_TYPE as GSUP_TYPE } from '@snaptel/gsup';
import { decodeCapture } from '../src/decode';
import { encodeStack } from '../src/stack';
import { formatSummary } from '../src/summary';
import type { Message, Problem } from '../src/types';
import { bssapDtap, dt1, hasTshark, hex, ipaGsup, ipaSccp, sctpData, smppCases, TcpConv, toHexStr, tmpDir, tsharkFields, udp } from './decode-helpers';

const FIXTURE = path.resolve(__dirname, '../../../fixtures/osmo-bsc-sccplite-reset.pcap');
const GOLDEN = path.resolve(__dirname, '../../../fixtures/osmo-bsc-sccplite-reset.ok');
const tsharkIt = it.skipIf(!hasTshark && !process.env.CI);

function decodeAll(file: string, demux = {}): { msgs: Message[]; problems: Problem[]; frames: number } {
  const msgs: Message[] = [];
  const problems: Problem[] = [];
  const r = decodeCapture(file, { onMessage: (m) => msgs.push(m), onProblem: (p) => problems.push(p), demux });
  expect(r.messages).toBe(msgs.length);
  expect(r.problems).toBe(problems.length);
  return { msgs, problems, frames: r.frames };
}

describe('the osmo-bsc SCCPlite fixture', () => {
  const { msgs, problems, frames } = decodeAll(FIXTURE);

  it('holds the frames of the golden file, in order, each re-encoding to its bytes', () => {
    const golden = fs
      .readFileSync(GOLDEN, 'utf8')
      .split('\n')
      .map((l) => /^\d+ (MSC->BSC|BSC->MSC) ([0-9a-f]+)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m![1], m![2]]);
    expect(frames).toBe(8);
    expect(problems).toEqual([]);
    expect(msgs.map((m) => [m.src.port === 5000 ? 'MSC->BSC' : 'BSC->MSC', toHexStr(m.bytes)])).toEqual(golden);
    for (const m of msgs) expect(toHexStr(encodeStack(m.proto, m.tree))).toBe(toHexStr(m.bytes));
  });

  it('prints tshark-like summaries', () => {
    expect(msgs.map((m) => formatSummary(m, msgs[0]!.frame))).toEqual([
      '    1    0.000000 127.0.0.1:5000 → 127.0.0.2:49152 IPA 6 IPA CCM ID_GET',
      '    2    1.000000 127.0.0.2:49152 → 127.0.0.1:5000 IPA 22 IPA CCM ID_RESP',
      '    3    2.000000 127.0.0.1:5000 → 127.0.0.2:49152 IPA 4 IPA CCM ID_ACK',
      '    4    3.000000 127.0.0.2:49152 → 127.0.0.1:5000 IPA 4 IPA CCM ID_ACK',
      '    5    4.000000 127.0.0.1:5000 → 127.0.0.2:49152 IPA 4 IPA CCM PING',
      '    6    5.000000 127.0.0.2:49152 → 127.0.0.1:5000 IPA 4 IPA CCM PONG',
      '    7    6.000000 127.0.0.2:49152 → 127.0.0.1:5000 BSSMAP 25 BSSMAP Reset',
      '    8    7.000000 127.0.0.1:5000 → 127.0.0.2:49152 BSSMAP 22 BSSMAP Reset Acknowledge',
    ]);
  });

  tsharkIt('agrees with tshark on every frame: IPA protocol, CCM type, SCCP and BSSMAP message type', () => {
    const rows = tsharkFields(FIXTURE, ['frame.number', 'gsm_ipa.protocol', 'ipaccess.msg_type', 'sccp.message_type', 'gsm_a.bssmap.msgtype', '_ws.col.Protocol']);
    expect(rows.length).toBe(msgs.length);
    msgs.forEach((m, i) => {
      const [n, proto, ccm, sccpT, bssmapT, col] = rows[i]!;
      expect(m.frame.n).toBe(Number(n![0]));
      expect(Number(proto![0])).toBe(m.bytes[2]);
      if (m.tree.ccm) expect(Number(ccm![0])).toBe(m.bytes[3]);
      if (m.tree.sccp) expect(Number(sccpT![0])).toBe(SCCP_TYPE[m.tree.sccp.type as keyof typeof SCCP_TYPE]);
      if (m.tree.sccp?.bssap) {
        expect(Number(bssmapT![0])).toBe(CODE_OF[m.tree.sccp.bssap.type as keyof typeof CODE_OF]);
        expect(col![0]).toBe('BSSAP');
        expect(m.layers).toContain('BSSMAP');
      } else expect(col![0]).toBe('IPA');
    });
  });
});

// ---------------------------------------------------------------- a whole lab, end to end

const dirs: (() => void)[] = [];
afterAll(() => dirs.forEach((d) => d()));

const DTAP_FIELD: Record<string, string> = { mm: 'gsm_a.dtap.msg_mm_type', cc: 'gsm_a.dtap.msg_cc_type', rr: 'gsm_a.dtap.msg_rr_type', sms: 'gsm_a.dtap.msg_sms_type', ss: 'gsm_a.dtap.msg_ss_type' };
const DTAP_CODE = new Map(DTAP_MESSAGES.map((m) => [`${m.pd}/${m.name}`, m.type]));

/** A capture of a lab: A interface with a SYN (LU, CM service, call, SMS from osmo-msc's tests), GSUP, MGCP, SMPP, M3UA. */
function labCapture(): { file: string; expected: number } {
  const { dir, done } = tmpDir();
  dirs.push(done);
  const bsc = { ip: '192.168.1.2', port: 43210 };
  const msc = { ip: '192.168.1.1', port: 5000 };
  const a = new TcpConv(bsc, msc).open();
  const up = (l3: string): Uint8Array => ipaSccp(dt1(bssapDtap(hex(l3)), 0x0a0b0c));
  const down = (l3: string): Uint8Array => ipaSccp(dt1(bssapDtap(hex(l3)), 0x010203));
  let n = 0;
  const send = (c: TcpConv, d: 0 | 1, b: Uint8Array): void => {
    c.send(d, b);
    n++;
  };
  send(a, 1, hex('0003fe040101'));
  send(a, 0, hex('0013fe050010016173702d636c6e742d6d73632d3000'));
  send(a, 0, ipaSccp(hex('010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100'))); // CR + Complete L3 (CM Service Request)
  send(a, 1, ipaSccp(hex('02010203000003020100'))); // CC
  send(a, 0, up('050870 09f107 0017 57 089910070000106005 3303575886')); // LU Request
  send(a, 0, up('0554 e229c19e 2104 791f2e41')); // Authentication Response
  send(a, 0, up('0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00')); // CC Setup MO
  send(a, 1, down('8302')); // Call Proceeding
  send(a, 1, down('0305 0403600485')); // CC Setup MT
  send(a, 1, down('0901 58 01 00 0791447758100650 00 4c 00 05806470f1 00 00 071010 000000 00 44 5079da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05'));
  send(a, 0, up('890106020041020000')); // CP-DATA RP-ACK
  a.close();
  const g = new TcpConv({ ip: '192.168.1.1', port: 40100 }, { ip: '192.168.1.3', port: 4222 }).open();
  send(g, 0, ipaGsup(hex('04 01 08 21 43 65 87 09 21 43 f5')));
  send(g, 1, ipaGsup(hex('06 01 08 21 43 65 87 09 21 43 f5')));
  g.close();
  const s = new TcpConv({ ip: '192.168.1.4', port: 40200 }, { ip: '192.168.1.1', port: 2775 }).open();
  for (const c of smppCases()) send(s, 0, c.bytes);
  s.close();
  const recs: PcapRecord[] = [...a.records, ...g.records, ...s.records];
  const ca = { ip: '192.168.1.1', port: 2727 };
  const mgw = { ip: '192.168.1.5', port: 2427 };
  recs.push(udp(ca, mgw, new Uint8Array(Buffer.from('CRCX 1234 rtpbridge/*@mgw MGCP 1.0\r\nC: 2\r\nM: recvonly\r\n'))));
  recs.push(udp(mgw, ca, new Uint8Array(Buffer.from('200 1234 OK\r\nI: 1\r\n\r\nv=0\r\no=- 1 23 IN IP4 192.168.1.5\r\ns=-\r\nc=IN IP4 192.168.1.5\r\nt=0 0\r\nm=audio 4002 RTP/AVP 112\r\na=rtpmap:112 AMR/8000\r\n'))));
  n += 2;
  const stp = { ip: '192.168.1.6', port: 2905 };
  const asp = { ip: '192.168.1.7', port: 2905 };
  recs.push(sctpData(asp, stp, 1, 3, hex('0100030100000008')));
  recs.push(sctpData(stp, asp, 7, 3, hex('0100030400000008')));
  n += 2;
  recs.forEach((r, i) => (r.time = 1_704_067_200 + i * 0.01));
  const file = path.join(dir, 'lab.pcap');
  writePcap(file, recs, LINKTYPE_RAW);
  if (process.env.KEEP_LAB) fs.copyFileSync(file, process.env.KEEP_LAB);
  return { file, expected: n };
}

describe('a generated lab capture, end to end through the reader', () => {
  const lab = labCapture();
  const { msgs, problems } = decodeAll(lab.file);

  it('finds every message, without problems, each re-encoding to its bytes', () => {
    expect(problems).toEqual([]);
    expect(msgs.length).toBe(lab.expected);
    for (const m of msgs) {
      expect(m.error, m.info).toBeUndefined();
      expect(toHexStr(encodeStack(m.proto, m.tree))).toBe(toHexStr(m.bytes));
    }
    expect(msgs.map((m) => m.info)).toContain('DTAP SMS CP-DATA (RP-DATA, SMS-DELIVER)');
    expect(msgs.map((m) => m.info)).toContain('SCCP CR, BSSMAP Complete Layer 3 Information (DTAP MM CM Service Request)');
    // direction: the MSC (server of the SYN) sends the MT Setup
    const setups = msgs.filter((m) => m.info === 'DTAP CC Setup');
    expect(setups.map((m) => m.tree.sccp.bssap.dtap.direction)).toEqual(['mo', 'mt']);
  });

  tsharkIt('agrees with tshark on every frame that carries a message', () => {
    const fields = ['frame.number', 'gsm_ipa.protocol', 'sccp.message_type', 'gsm_a.bssmap.msgtype', ...Object.values(DTAP_FIELD), 'gsup.msg_type', 'mgcp.req.verb', 'mgcp.rsp.rspcode', 'smpp.command_id', 'm3ua.message_type'];
    const rows = tsharkFields(lab.file, fields, ['-d', 'tcp.port==4222,gsm_ipa', '-d', 'tcp.port==5000,gsm_ipa', '-d', 'tcp.port==2775,smpp']);
    const byFrame = new Map(rows.map((r) => [Number(r[0]![0]), Object.fromEntries(fields.map((f, k) => [f, r[k]![0]]))]));
    let compared = 0;
    for (const m of msgs) {
      const row = byFrame.get(m.frame.n)!;
      const t = m.tree;
      const check = (f: string, v: unknown): void => {
        compared++;
        const theirs = f === 'mgcp.req.verb' ? row[f] : Number(row[f]);
        expect(`${m.frame.n} ${f} ${theirs}`).toBe(`${m.frame.n} ${f} ${f === 'mgcp.req.verb' ? v : Number(v)}`);
      };
      if (m.proto === 'ipa') {
        check('gsm_ipa.protocol', m.bytes[2]);
        if (t.sccp) check('sccp.message_type', SCCP_TYPE[t.sccp.type as keyof typeof SCCP_TYPE]);
        const b = t.sccp?.bssap;
        if (b?.discriminator === 'bssmap') check('gsm_a.bssmap.msgtype', CODE_OF[b.type as keyof typeof CODE_OF]);
        const d = b?.discriminator === 'dtap' ? b.dtap : b?.ies?.layer3Information;
        if (d) check(DTAP_FIELD[d.pd]!, DTAP_CODE.get(`${d.pd}/${d.type}`));
        if (t.gsup) check('gsup.msg_type', GSUP_TYPE[t.gsup.type as keyof typeof GSUP_TYPE]);
      } else if (m.proto === 'mgcp') {
        if (t.type === 'command') check('mgcp.req.verb', t.verb);
        else check('mgcp.rsp.rspcode', String(t.code));
      } else if (m.proto === 'smpp') check('smpp.command_id', t.id);
      else if (m.proto === 'm3ua') check('m3ua.message_type', m.bytes[3]);
    }
    expect(compared).toBeGreaterThanOrEqual(msgs.length + 12);
  });
});

describe('a capture with a lost segment', () => {
  it('reports the gap with its frame and resynchronises', () => {
    const { dir, done } = tmpDir();
    dirs.push(done);
    const c = new TcpConv({ ip: '127.0.0.2', port: 49152 }, { ip: '127.0.0.1', port: 5000 }).open();
    const reset = hex('0016fd090003070b0443b900fe0443bb00fe06000430040120');
    c.send(0, reset);
    c.send(0, reset.subarray(0, 10));
    c.send(0, new Uint8Array([...reset.subarray(130 - 120), ...reset]), 120); // 120 bytes never captured
    c.send(0, reset);
    c.close();
    const file = path.join(dir, 'gap.pcap');
    writePcap(file, c.records, LINKTYPE_RAW);
    const { msgs, problems } = decodeAll(file);
    expect(msgs.map((m) => m.info)).toEqual(['BSSMAP Reset', 'BSSMAP Reset', 'BSSMAP Reset']);
    const gap = problems.find((p) => p.layer === 'tcp' && p.code === 'gap')!;
    expect(gap.message).toMatch(/^gap of 120 byte\(s\) in 127\.0\.0\.2:49152 -> 127\.0\.0\.1:5000/);
    expect(gap.frame).toBeGreaterThanOrEqual(6); // the reader reports a hole when it knows the bytes will not come (here: at the FIN)
  });

  it('an unreadable file throws a PcapError', () => {
    const { dir, done } = tmpDir();
    dirs.push(done);
    const file = path.join(dir, 'not.pcap');
    fs.writeFileSync(file, 'hello, this is not a capture at all');
    expect(() => decodeCapture(file, { onMessage: () => undefined })).toThrow(expect.objectContaining({ name: 'PcapError' }));
  });
});

// ---------------------------------------------------------------- every capture of real peers in fixtures/

const FIXTURES = path.resolve(__dirname, '../../../fixtures');
const REAL = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f)) : [];
const ORACLE_FIELDS = ['frame.number', 'gsm_ipa.protocol', 'sccp.message_type', 'gsm_a.bssmap.msgtype', ...Object.values(DTAP_FIELD), 'gsup.msg_type', 'mgcp.req.verb', 'mgcp.rsp.rspcode', 'smpp.command_id', 'm3ua.message_type'];

/** The (field, value) pairs tshark would show for one of our messages, as numbers (verbs as text). */
function oracleValues(m: Message): string[] {
  const out: string[] = [];
  const add = (f: string, v: unknown): void => void (v !== undefined && out.push(`${f}=${f === 'mgcp.req.verb' ? v : Number(v)}`));
  const t = m.tree;
  if (!t) return out;
  const sccp = (s: any): void => {
    if (!s) return;
    add('sccp.message_type', SCCP_TYPE[s.type as keyof typeof SCCP_TYPE]);
    const b = s.bssap;
    if (b?.discriminator === 'bssmap') add('gsm_a.bssmap.msgtype', CODE_OF[b.type as keyof typeof CODE_OF]);
    const d = b?.discriminator === 'dtap' ? b.dtap : b?.ies?.layer3Information;
    if (d && d.type !== 'unknown') add(DTAP_FIELD[d.pd]!, DTAP_CODE.get(`${d.pd}/${d.type}`));
    // Cipher Mode Complete's Layer 3 Message Contents (an RR message) stays hex in @snaptel/bssap; tshark dissects it.
    const l3 = b?.ies?.layer3MessageContents;
    if (typeof l3 === 'string' && l3.length >= 4 && (parseInt(l3.slice(0, 2), 16) & 15) === 6) add('gsm_a.dtap.msg_rr_type', parseInt(l3.slice(2, 4), 16));
  };
  if (m.proto === 'ipa') {
    add('gsm_ipa.protocol', m.bytes[2]);
    sccp(t.sccp);
    if (t.gsup) add('gsup.msg_type', typeof t.gsup.type === 'number' ? t.gsup.type : GSUP_TYPE[t.gsup.type as keyof typeof GSUP_TYPE]);
  } else if (m.proto === 'mgcp') {
    for (const x of [t, ...(t.piggyback ?? [])]) x.type === 'command' ? add('mgcp.req.verb', x.verb) : add('mgcp.rsp.rspcode', x.code);
  } else if (m.proto === 'smpp') add('smpp.command_id', t.id);
  else if (m.proto === 'm3ua') {
    add('m3ua.message_type', m.bytes[3]);
    sccp(t.protocolData?.sccp);
  }
  return out;
}

describe.each(REAL.map((f) => [f]))('fixture %s (real peers)', (name) => {
  const file = path.join(FIXTURES, name);
  const { msgs, problems } = decodeAll(file);

  it('decodes every message without error and re-encodes it byte for byte', () => {
    expect(msgs.length).toBeGreaterThan(0);
    expect(problems.filter((p) => p.layer !== 'file')).toEqual([]);
    for (const m of msgs) {
      expect(m.error, `frame ${m.frame.n}: ${m.info}`).toBeUndefined();
      expect(toHexStr(encodeStack(m.proto, m.tree))).toBe(toHexStr(m.bytes));
    }
  });

  tsharkIt('finds, frame by frame, the messages tshark finds', () => {
    const rows = tsharkFields(file, ORACLE_FIELDS, ['-d', 'tcp.port==4222,gsm_ipa', '-d', 'tcp.port==5000,gsm_ipa', '-d', 'tcp.port==2775,smpp']);
    const theirs = new Map<number, string[]>();
    for (const r of rows) {
      const vals: string[] = [];
      ORACLE_FIELDS.slice(1).forEach((f, k) => {
        for (const v of r[k + 1]!) vals.push(`${f}=${f === 'mgcp.req.verb' ? v : Number(v)}`);
      });
      if (vals.length) theirs.set(Number(r[0]![0]), vals.sort());
    }
    const ours = new Map<number, string[]>();
    for (const m of msgs) ours.set(m.frame.n, [...(ours.get(m.frame.n) ?? []), ...oracleValues(m)]);
    for (const [n, v] of ours) ours.set(n, v.sort());
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
  });
});
