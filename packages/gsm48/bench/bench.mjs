// Decode/encode throughput for a realistic DTAP mix, against tshark
// dissecting the same messages (gsm_a_dtap on a user DLT, pcapng with the
// direction of each message), as a ratio from the same run.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const dtap = require('../dist/index.js');
const { userDlt, LINKTYPE_USER0, opsPerSecond, tsharkPerSecond, benchReport } = require('@snaptel/codec');


const hex = (s) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
// Messages from osmo-msc's tests/msc_vlr (see test/vectors.ts) plus an Auth Request and an MO SMS of ours.
const mix = [
  ['mo', '050870 09f107 0017 57 089910070000106005 3303575886'], // LU Request
  ['mt', '051201 585df1ae287f6e273dce07090d61320b 2010 8704f5ba55f30000d2ee44b22c8ea919'], // Auth Request
  ['mo', '0554 e229c19e 2104 791f2e41'], // Auth Response
  ['mt', '0502 62f210 1234 1705f4deadbeef a1'], // LU Accept
  ['mo', '052471 03575886 089910070000106005'], // CM Service Request
  ['mo', '0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00'], // Setup MO
  ['mt', '8302'], // Call Proceeding
  ['mt', '8301'], // Alerting
  ['mt', '8307'], // Connect
  ['mo', '03cf'], // Connect Ack
  ['mo', '032502e090'], // Disconnect
  ['mt', '832d'], // Release
  ['mo', '036a'], // Release Complete
  ['mo', '0901 17 002a00 0791448709000050 0b 0105048121430000 02e834'], // CP-DATA/RP-DATA/SMS-SUBMIT
  ['mt', '0901 58 01 00 0791447758100650 00 4c 00 05806470f1 00 00 071010 000000 00 44 5079da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05'], // CP-DATA/RP-DATA/SMS-DELIVER
  ['mo', '890106020041020000'], // CP-DATA/RP-ACK
  ['mt', '0904'], // CP-ACK
].map(([d, h]) => [d, hex(h)]);
const decoded = mix.map(([d, b]) => dtap.decode(b, d));
for (const [i, m] of decoded.entries()) {
  if (Buffer.compare(Buffer.from(dtap.encode(m)), Buffer.from(mix[i][1])) !== 0) throw new Error(`mix message ${i} does not round-trip`);
}

const L = mix.length;
const decode = opsPerSecond((i) => dtap.decode(mix[i % L][1], mix[i % L][0]));
const encode = opsPerSecond((i) => dtap.encode(decoded[i % L]));
const tshark = tsharkPerSecond(mix.map(([d, data]) => ({ data, direction: d === 'mo' ? 'in' : 'out' })), LINKTYPE_USER0, userDlt('gsm_a_dtap'));
console.log(benchReport(`dtap mix (${L} messages: LU, auth, CM service, MO call setup to release, MO and MT SMS over CP/RP)`, { decode, encode }, tshark));
