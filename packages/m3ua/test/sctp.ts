import type { PcapRecord } from '@snaptel/codec';

/**
 * IPv4 + SCTP framing for tshark (link type RAW): each payload in one SCTP
 * packet with one DATA chunk (stream, PPID 3), TSNs running on, to port
 * 2905, so tshark dissects it as M3UA by PPID and port. The SCTP checksum is
 * left zero (tshark does not check it by default).
 */
export interface Chunk {
  data: Uint8Array;
  stream?: number;
  ppid?: number;
}

export function sctpRecords(chunks: Chunk[], srcPort = 40000, dstPort = 2905): PcapRecord[] {
  let tsn = 1;
  const ssn = new Map<number, number>();
  return chunks.map((c) => {
    const stream = c.stream ?? 0;
    const s = ssn.get(stream) ?? 0;
    ssn.set(stream, (s + 1) & 0xffff);
    const pad = (4 - (c.data.length % 4)) % 4;
    const common = Buffer.alloc(12);
    common.writeUInt16BE(srcPort, 0);
    common.writeUInt16BE(dstPort, 2);
    common.writeUInt32BE(0x01020304, 4);
    const chunk = Buffer.alloc(16);
    chunk[0] = 0; // DATA
    chunk[1] = 0x03; // B and E: one whole message
    chunk.writeUInt16BE(16 + c.data.length, 2);
    chunk.writeUInt32BE(tsn++, 4);
    chunk.writeUInt16BE(stream, 8);
    chunk.writeUInt16BE(s, 10);
    chunk.writeUInt32BE(c.ppid ?? 3, 12);
    const sctp = Buffer.concat([common, chunk, Buffer.from(c.data), Buffer.alloc(pad)]);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + sctp.length, 2);
    ip[8] = 64;
    ip[9] = 132; // SCTP
    ip.set([127, 0, 0, 1], 12);
    ip.set([127, 0, 0, 2], 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    return { data: Buffer.concat([ip, sctp]) };
  });
}
