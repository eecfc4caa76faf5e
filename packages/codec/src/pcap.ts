import * as fs from 'node:fs';

/**
 * Writes classic libpcap files, so that tests can hand our encodings to
 * tshark. Two ways in: `ipv4Tcp`/`ipv4Udp` wrap a payload in IPv4 + TCP/UDP
 * headers (link type RAW) so tshark picks the dissector by port, and
 * `LINKTYPE_USER0` carries bare payloads for a dissector named with
 * `tshark -o 'uat:user_dlts:"User 0 (DLT=147)","<proto>","0","","0",""'`.
 */
export const LINKTYPE_RAW = 101;
export const LINKTYPE_USER0 = 147;

export interface PcapRecord {
  data: Uint8Array;
  /** Seconds since the epoch (default: 1 s apart from 2024-01-01). */
  time?: number;
  /**
   * Packet direction, written only in pcapng (EPB flags). tshark turns
   * inbound into P2P_DIR_RECV, which direction-dependent dissectors read as
   * "from the mobile": gsm_sms (SMS-SUBMIT vs SUBMIT-REPORT) and gsm_a_dtap.
   */
  direction?: 'in' | 'out';
}

export function pcap(records: PcapRecord[], linktype: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(linktype, 20);
  const parts: Buffer[] = [header];
  records.forEach((r, i) => {
    const t = r.time ?? 1_704_067_200 + i;
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(t), 0);
    h.writeUInt32LE(Math.round((t % 1) * 1e6), 4);
    h.writeUInt32LE(r.data.length, 8);
    h.writeUInt32LE(r.data.length, 12);
    parts.push(h, Buffer.from(r.data));
  });
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

/** A minimal pcapng: section header, one interface, enhanced packet blocks with direction flags. */
export function pcapng(records: PcapRecord[], linktype: number): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(linktype, 0);
  idb.writeUInt32LE(65535, 4);
  const parts = [block(0x0a0d0d0a, shb), block(1, idb)];
  records.forEach((rec, i) => {
    const us = BigInt(Math.round((rec.time ?? 1_704_067_200 + i) * 1e6));
    const h = Buffer.alloc(20);
    h.writeUInt32LE(Number(us >> 32n), 4);
    h.writeUInt32LE(Number(us & 0xffffffffn), 8);
    h.writeUInt32LE(rec.data.length, 12);
    h.writeUInt32LE(rec.data.length, 16);
    const data = Buffer.alloc((rec.data.length + 3) & ~3);
    data.set(rec.data);
    const opts: Buffer[] = [];
    if (rec.direction) {
      const o = Buffer.alloc(8);
      o.writeUInt16LE(2, 0); // epb_flags
      o.writeUInt16LE(4, 2);
      o.writeUInt32LE(rec.direction === 'in' ? 1 : 2, 4);
      opts.push(o, Buffer.alloc(4)); // opt_endofopt
    }
    parts.push(block(6, Buffer.concat([h, data, ...opts])));
  });
  return Buffer.concat(parts);
}

export function writePcap(file: string, records: PcapRecord[], linktype: number): void {
  fs.writeFileSync(file, pcap(records, linktype));
}

/** The Internet checksum (RFC 1071) of b: one's complement of the one's complement sum of its 16-bit words. */
export function ipChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** An IPv4 packet (no options, TTL 64, header checksum set) around a transport payload. */
export function ipv4(proto: number, src: string, dst: string, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = 64;
  h[9] = proto;
  src.split('.').forEach((o, i) => (h[12 + i] = Number(o)));
  dst.split('.').forEach((o, i) => (h[16 + i] = Number(o)));
  h.writeUInt16BE(ipChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

export interface Flow {
  src?: string;
  dst?: string;
  srcPort: number;
  dstPort: number;
}

/**
 * Wraps payloads as consecutive segments of one TCP connection (no handshake:
 * tshark dissects mid-stream data by port). Sequence numbers run on, so
 * tshark's reassembly sees one stream.
 */
export function ipv4Tcp(flow: Flow, payloads: Uint8Array[]): PcapRecord[] {
  let seq = 1000;
  return payloads.map((p) => {
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(flow.srcPort, 0);
    tcp.writeUInt16BE(flow.dstPort, 2);
    tcp.writeUInt32BE(seq, 4);
    tcp.writeUInt32BE(1, 8);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; // PSH, ACK
    tcp.writeUInt16BE(65535, 14);
    seq += p.length;
    return { data: ipv4(6, flow.src ?? '127.0.0.1', flow.dst ?? '127.0.0.1', Buffer.concat([tcp, Buffer.from(p)])) };
  });
}

/** Wraps each payload in its own UDP datagram. */
export function ipv4Udp(flow: Flow, payloads: Uint8Array[]): PcapRecord[] {
  return payloads.map((p) => {
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(flow.srcPort, 0);
    udp.writeUInt16BE(flow.dstPort, 2);
    udp.writeUInt16BE(8 + p.length, 4);
    return { data: ipv4(17, flow.src ?? '127.0.0.1', flow.dst ?? '127.0.0.1', Buffer.concat([udp, Buffer.from(p)])) };
  });
}
