/**
 * A minimal pcapng writer whose packets carry a direction (EPB flags option,
 * inbound/outbound). tshark's frame dissector turns inbound into
 * P2P_DIR_RECV, which gsm_sms reads as MS->SC: the only way to have it
 * dissect SMS-SUBMIT, SMS-COMMAND and SMS-DELIVER-REPORT from bare TPDUs
 * (with a user DLT it otherwise assumes SC->MS). Candidate for @snaptel/codec.
 */
export interface PcapngRecord {
  data: Uint8Array;
  /** 'in' (inbound: MS->SC for gsm_sms) or 'out' (outbound: SC->MS). */
  direction?: 'in' | 'out';
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

export function pcapng(records: PcapngRecord[], linktype: number): Buffer {
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
    const us = BigInt(1_704_067_200 + i) * 1_000_000n;
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
