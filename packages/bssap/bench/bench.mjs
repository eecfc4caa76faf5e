// Decode/encode throughput for a realistic BSSMAP + DTAP mix, against tshark
// dissecting the same BSSAP messages (LINKTYPE_USER0 as "bssap"), as a ratio
// from the same run. Bounded: about 2.5 s of ours, four tshark runs.
import { createRequire } from 'node:module';
import { MIX } from './mix.mjs';
const require = createRequire(import.meta.url);
const bssap = require('../dist/index.js');
const { LINKTYPE_USER0, userDlt, opsPerSecond, tsharkPerSecond, benchReport } = require('@snaptel/codec');

const decoded = MIX.map(([d, b]) => bssap.decode(b, d));
for (const [i, m] of decoded.entries()) {
  if (Buffer.compare(Buffer.from(bssap.encode(m)), Buffer.from(MIX[i][1])) !== 0) throw new Error(`mix message ${i} does not round-trip`);
}
const L = MIX.length;
const decode = opsPerSecond((i) => bssap.decode(MIX[i % L][1], MIX[i % L][0]));
const encode = opsPerSecond((i) => bssap.encode(decoded[i % L]));
const tshark = tsharkPerSecond(MIX.map(([, data]) => ({ data })), LINKTYPE_USER0, userDlt('bssap'));
console.log(benchReport(`bssap mix (${L} messages: Complete L3 with LU and CM service request, paging, cipher mode, assignment (AoIP), DTAP call setup to release, clear)`, { decode, encode }, tshark));
