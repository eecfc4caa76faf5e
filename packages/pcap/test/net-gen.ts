import * as fs from 'node:fs';
import { ipv4, pcapFile, tcp, udp } from './net-helpers';

/**
 * Writes a large synthetic capture in chunks (never whole in memory): many
 * short TCP connections (handshake, data, FIN both ways), each one second of
 * capture time after the last, plus a UDP datagram per connection.
 * Checksums are not recomputed per copy (the dissector does not check them).
 */
export function writeBigCapture(file: string, targetBytes: number, segs = 20, segSize = 1400): { frames: number; bytes: number; conns: number; payload: number } {
  const C = '10.9.0.1';
  const S = '10.9.0.2';
  const pk = (from: 'c' | 's', sp: number, dp: number, seq: number, ack: number, flags: string, data?: Buffer) =>
    from === 'c' ? ipv4({ proto: 6, src: C, dst: S }, tcp({ sp, dp, seq, ack, flags, data }, C, S)) : ipv4({ proto: 6, src: S, dst: C }, tcp({ sp, dp, seq, ack, flags, data }, S, C));
  const body = Buffer.alloc(segSize, 0x5a);
  const tmpl: Buffer[] = [pk('c', 1, 80, 100, 0, 'S'), pk('s', 80, 1, 500, 101, 'SA'), pk('c', 1, 80, 101, 501, 'A')];
  for (let i = 0; i < segs; i++) tmpl.push(pk('c', 1, 80, 101 + i * segSize, 501, 'PA', body));
  const end = 101 + segs * segSize;
  tmpl.push(pk('s', 80, 1, 501, end, 'A'), pk('c', 1, 80, end, 501, 'FA'), pk('s', 80, 1, 501, end + 1, 'FA'), pk('c', 1, 80, end + 1, 502, 'A'));
  tmpl.push(ipv4({ proto: 17, src: C, dst: S }, udp(1, 2427, Buffer.from('AUEP 1 * MGCP 1.0\r\n'))));
  // one record image per template packet: 16-byte header + data, little-endian microsecond pcap
  const recs = tmpl.map((d) => {
    const r = Buffer.alloc(16 + d.length);
    r.writeUInt32LE(d.length, 8);
    r.writeUInt32LE(d.length, 12);
    d.copy(r, 16);
    return r;
  });
  const per = recs.reduce((s, r) => s + r.length, 0);
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, pcapFile([], 101));
  let bytes = 24;
  let frames = 0;
  let conns = 0;
  const chunk = Buffer.alloc(Math.max(per, 4 << 20));
  let w = 0;
  while (bytes < targetBytes) {
    if (w + per > chunk.length) {
      fs.writeSync(fd, chunk, 0, w);
      w = 0;
    }
    const port = 1024 + (conns % 60000);
    const sec = 1_700_000_000 + conns;
    recs.forEach((r, i) => {
      r.copy(chunk, w);
      chunk.writeUInt32LE(sec, w);
      chunk.writeUInt32LE(i * 1000, w + 4);
      // client port: source in c->s, destination in s->c (TCP and UDP both start at IP+20)
      const fromServer = r[16 + 12] === 10 && r[16 + 15] === 2;
      chunk.writeUInt16BE(port, w + 16 + 20 + (fromServer ? 2 : 0));
      w += r.length;
    });
    bytes += per;
    frames += recs.length;
    conns++;
  }
  fs.writeSync(fd, chunk, 0, w);
  fs.closeSync(fd);
  return { frames, bytes, conns, payload: conns * segs * segSize };
}
