/**
 * Test helpers: messages made of other implementations' bytes (the vectors
 * the codec packages' tests took from libosmocore, libosmo-sccp, osmo-msc,
 * osmo-mgw, osmo-ss7 and RFC 3435), wrapped the way they travel, and tshark
 * run as the oracle over a capture.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ipv4, tsharkAvailable, type PcapRecord } from '@snaptel/codec';
import * as ipa from '@snaptel/ipa';
import * as sccp from '@snaptel/sccp';
import { VECTORS as SCCP_VECTORS } from '../../sccp/test/vectors';
import { VECTORS as BSSAP_VECTORS } from '../../bssap/test/vectors';
import { VECTORS as DTAP_VECTORS } from '../../gsm48/test/vectors';
import { LIBOSMOCORE_GSUP } from '../../gsup/test/vectors';
import { ALL_VECTORS as MGCP_VECTORS } from '../../mgcp/test/vectors';
import { VECTORS as M3UA_VECTORS } from '../../m3ua/test/vectors';

export const hasTshark = tsharkAvailable();
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
export const toHexStr = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** SCCP DT1 carrying `data` (connection-oriented: BSSAP on SCCPlite). */
export function dt1(data: Uint8Array, dstRef = 0x010203): Uint8Array {
  return sccp.encode({ type: 'DT1', dstRef, segmentingReassembling: 0, data: toHexStr(data) } as sccp.SccpMessage);
}
/** BSSAP DTAP header (discrimination 1, DLCI, length) in front of an L3 message. */
export function bssapDtap(l3: Uint8Array, dlci = 0): Uint8Array {
  return new Uint8Array([1, dlci, l3.length, ...l3]);
}
export const ipaSccp = (b: Uint8Array): Uint8Array => ipa.frame('SCCP', b);
export const ipaGsup = (b: Uint8Array): Uint8Array => ipa.frame('OSMO', b, 'GSUP');

export interface Case {
  name: string;
  proto: 'ipa' | 'mgcp' | 'm3ua' | 'smpp';
  bytes: Uint8Array;
  downlink: boolean;
}

/** Every outside vector, as the outermost message a capture would hold. */
export function outsideCases(): Case[] {
  const out: Case[] = [];
  // bssmap_dtap carries a CC Setup from the network (the MT form: no bearer capability needed)
  for (const v of SCCP_VECTORS) out.push({ name: `sccp ${v.name}`, proto: 'ipa', bytes: ipaSccp(hex(v.hex)), downlink: v.name === 'bssmap_dtap' });
  for (const v of BSSAP_VECTORS) out.push({ name: `bssap ${v.name}`, proto: 'ipa', bytes: ipaSccp(dt1(hex(v.hex))), downlink: v.direction === 'mt' });
  for (const v of DTAP_VECTORS) out.push({ name: `dtap ${v.name}`, proto: 'ipa', bytes: ipaSccp(dt1(bssapDtap(hex(v.hex)))), downlink: v.direction === 'mt' });
  for (const v of LIBOSMOCORE_GSUP) out.push({ name: `gsup ${v.name}`, proto: 'ipa', bytes: ipaGsup(hex(v.hex)), downlink: false });
  for (const v of MGCP_VECTORS) out.push({ name: `mgcp ${v.name}`, proto: 'mgcp', bytes: new Uint8Array(Buffer.from(v.text, 'latin1')), downlink: false });
  for (const v of M3UA_VECTORS) out.push({ name: `m3ua ${v.name}`, proto: 'm3ua', bytes: hex(v.hex), downlink: false });
  out.push(...smppCases());
  return out;
}

/** SMPP PDUs made by the npm `smpp` package (a real peer's encoder). */
export function smppCases(): Case[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const smpp = require('smpp');
  const pdus: [string, Record<string, unknown>][] = [
    ['bind_transceiver', { sequence_number: 1, system_id: 'demo', password: 'demo', system_type: '', interface_version: 0x34 }],
    ['bind_transceiver_resp', { sequence_number: 1, system_id: 'snaptel' }],
    ['submit_sm', { sequence_number: 2, source_addr_ton: 1, source_addr_npi: 1, source_addr: '4915112345', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '4917099999', registered_delivery: 1, short_message: 'hello world' }],
    ['submit_sm', { sequence_number: 3, source_addr: 'Shop', destination_addr: '4917099999', esm_class: 0x40, data_coding: 4, short_message: Buffer.from('0500030a0201cafe', 'hex'), source_port: 9200, user_message_reference: 77 }],
    ['submit_sm_resp', { sequence_number: 2, message_id: 'abc123' }],
    ['deliver_sm', { sequence_number: 7, source_addr: '1001', destination_addr: '7777', short_message: 'id:1 sub:001 dlvrd:001 stat:DELIVRD' }],
    ['deliver_sm_resp', { sequence_number: 7 }],
    ['data_sm', { sequence_number: 4, source_addr: '555', destination_addr: '4917099999', data_coding: 8, message_payload: Buffer.from('00480069', 'hex'), sar_msg_ref_num: 300, sar_total_segments: 2, sar_segment_seqnum: 1 }],
    ['enquire_link', { sequence_number: 9 }],
    ['enquire_link_resp', { sequence_number: 9 }],
    ['unbind', { sequence_number: 10 }],
    ['generic_nack', { sequence_number: 11, command_status: 3 }],
  ];
  return pdus.map(([cmd, f], i) => ({ name: `smpp ${cmd} #${i}`, proto: 'smpp', bytes: new Uint8Array(new smpp.PDU(cmd, f).toBuffer()), downlink: false }));
}

/** tshark -T fields over a capture file: one row per frame, each field's occurrences split on ','. */
export function tsharkFields(file: string, fields: string[], extra: string[] = []): string[][][] {
  const r = spawnSync('tshark', ['-n', '-r', file, ...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map((c) => (c === '' ? [] : c.split(','))));
}

/** tshark's default one-line summary of every frame. */
export function tsharkSummary(file: string, extra: string[] = []): string[] {
  const r = spawnSync('tshark', ['-n', '-r', file, ...extra], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

export function tmpDir(): { dir: string; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-pcap-test-'));
  return { dir, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------- captures with both directions

const ip4 = (proto: number, src: string, dst: string, payload: Uint8Array): Uint8Array => new Uint8Array(ipv4(proto, src, dst, payload));

export interface Peer {
  ip: string;
  port: number;
}

/**
 * One TCP connection, both directions, with sequence and acknowledgement
 * numbers as a real stack sends them: optional SYN handshake, then the
 * segments in the order given (`gapBefore` leaves bytes out: a segment the
 * capture lost), then FIN from the client.
 */
export class TcpConv {
  private seq: [number, number] = [1000, 50000];
  readonly records: PcapRecord[] = [];
  constructor(
    readonly client: Peer,
    readonly server: Peer,
    private time = 1_704_067_200,
  ) {}
  private seg(dir: 0 | 1, flags: number, payload: Uint8Array, skip = 0): void {
    const [s, d] = dir === 0 ? [this.client, this.server] : [this.server, this.client];
    this.seq[dir] += skip;
    const t = Buffer.alloc(20);
    t.writeUInt16BE(s.port, 0);
    t.writeUInt16BE(d.port, 2);
    t.writeUInt32BE(this.seq[dir] >>> 0, 4);
    t.writeUInt32BE(this.seq[1 - dir]! >>> 0, 8);
    t[12] = 5 << 4;
    t[13] = flags;
    t.writeUInt16BE(65535, 14);
    this.seq[dir] += payload.length + (flags & 0x03 ? 1 : 0);
    this.time += 0.001;
    this.records.push({ data: ip4(6, s.ip, d.ip, new Uint8Array(Buffer.concat([t, payload]))), time: this.time });
  }
  open(): this {
    this.seg(0, 0x02, new Uint8Array(0));
    this.seg(1, 0x12, new Uint8Array(0));
    this.seg(0, 0x10, new Uint8Array(0));
    return this;
  }
  send(dir: 0 | 1, payload: Uint8Array, gapBefore = 0): this {
    this.seg(dir, 0x18, payload, gapBefore);
    return this;
  }
  close(): this {
    this.seg(0, 0x11, new Uint8Array(0));
    this.seg(1, 0x11, new Uint8Array(0));
    return this;
  }
}

export function udp(src: Peer, dst: Peer, payload: Uint8Array, time?: number): PcapRecord {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(src.port, 0);
  u.writeUInt16BE(dst.port, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  return { data: ip4(17, src.ip, dst.ip, new Uint8Array(Buffer.concat([u, payload]))), ...(time !== undefined ? { time } : {}) };
}

/** An SCTP packet with one DATA chunk (B and E set), checksum left 0 (tshark does not check it by default). */
export function sctpData(src: Peer, dst: Peer, tsn: number, ppid: number, payload: Uint8Array, time?: number): PcapRecord {
  const pad = (4 - (payload.length % 4)) % 4;
  const b = Buffer.alloc(12 + 16 + payload.length + pad);
  b.writeUInt16BE(src.port, 0);
  b.writeUInt16BE(dst.port, 2);
  b.writeUInt32BE((0x01020304 ^ tsn) >>> 0, 4); // a verification tag per direction (tshark matches associations by it)
  b[12] = 0; // DATA
  b[13] = 0x03; // B, E
  b.writeUInt16BE(16 + payload.length, 14);
  b.writeUInt32BE(tsn, 16);
  b.writeUInt16BE(0, 20);
  b.writeUInt16BE(tsn & 0xffff, 22);
  b.writeUInt32BE(ppid, 24);
  Buffer.from(payload).copy(b, 28);
  return { data: ip4(132, src.ip, dst.ip, new Uint8Array(b)), ...(time !== undefined ? { time } : {}) };
}
